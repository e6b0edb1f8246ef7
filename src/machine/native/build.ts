/**
 * Builds penlab's C stepper (penstep.c, relaxed.c and rotate.c, sharing penstep.h →
 * libpenstep.so) with the machine's C compiler ($CC, default cc) into
 * penlab's cache (src/cache.ts), keyed by the sources, the compiler and its flags: built once on first use, rebuilt only
 * when one of those changes. The one place its compiler flags are written;
 * `make native` runs this file, and native.ts calls `ensureStepper()` before
 * loading the library.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cached, contentKey } from '../../cache.js';
import { SetupError } from '../../errors.js';

/** src/machine/native/, from src/ in a checkout and from dist/ in the package */
const NATIVE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'machine', 'native');
/** the stepper's C sources, compiled together; the header is part of the build key */
export const STEPPER_SOURCES = ['penstep.c', 'relaxed.c', 'rotate.c'].map((f) => join(NATIVE_DIR, f));
const STEPPER_HEADER = join(NATIVE_DIR, 'penstep.h');
export const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-shared', '-fPIC'];
const INSTALL = 'apt-get install libunicorn-dev gcc';

function compiler(): string[] {
  const cc = (process.env.CC ?? '').trim().split(/\s+/).filter(Boolean);
  return cc.length ? cc : ['cc'];
}

/** the compiler's complaint as one line naming what to install */
function why(e: unknown, cc: string): string {
  const { code, stderr } = e as { code?: string; stderr?: Buffer };
  if (code === 'ENOENT' || code === 'EACCES') return `no C compiler ('${cc}' ${code === 'ENOENT' ? 'not found' : 'not executable'}); install one: ${INSTALL}`;
  const text = stderr?.toString() ?? '';
  if (/unicorn\/unicorn\.h|-lunicorn\b/.test(text)) return `Debian's libunicorn-dev is missing (unicorn/unicorn.h, libunicorn.so); install it: ${INSTALL}`;
  const first = text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n').find((l) => l.trim()) ?? String(e);
  return `${first.trim()} (needs a C compiler and Debian's libunicorn-dev: ${INSTALL})`;
}

/** The stepper library's path, compiling it into the cache first when it is not there. */
export function ensureStepper(): string {
  const sources = [...STEPPER_SOURCES, STEPPER_HEADER].map((file) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new SetupError(`${file}: cannot read the native stepper's source (${(e as { code?: string }).code ?? e}): reinstall penlab`);
    }
  });
  const cc = compiler();
  const key = contentKey([...sources, ...cc, ...CFLAGS, process.platform, process.arch]);
  return cached('native', key, 'libpenstep.so', (tmp) => {
    try {
      execFileSync(cc[0]!, [...cc.slice(1), ...CFLAGS, '-o', tmp, ...STEPPER_SOURCES, '-lunicorn'], { stdio: 'pipe' });
    } catch (e) {
      throw new SetupError(`cannot build penlab's native stepper: ${why(e, cc[0]!)}`);
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${ensureStepper()}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
