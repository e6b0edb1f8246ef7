/**
 * Builds penlab's C stepper (penstep.c → libpenstep.so) with the machine's C
 * compiler. The one place its compiler flags are written: `make native` runs
 * this file, and native.ts calls `ensureStepper()` before loading the library.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const STEPPER_SRC = join(here, 'penstep.c');
export const STEPPER_LIB = join(here, '..', '..', '..', 'build', 'native', 'libpenstep.so');
export const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-shared', '-fPIC'];

/** Compiles the stepper when it is missing or older than its source; throws with the compiler's first line. */
export function ensureStepper(force = false): string {
  const stale = force || !existsSync(STEPPER_LIB)
    || (existsSync(STEPPER_SRC) && statSync(STEPPER_SRC).mtimeMs > statSync(STEPPER_LIB).mtimeMs);
  if (!stale) return STEPPER_LIB;
  mkdirSync(dirname(STEPPER_LIB), { recursive: true });
  try {
    execFileSync('cc', [...CFLAGS, '-o', STEPPER_LIB, STEPPER_SRC, '-lunicorn'], { stdio: 'pipe' });
  } catch (e) {
    const err = (e as { stderr?: Buffer }).stderr?.toString().split('\n').find((l) => l.trim()) ?? String(e);
    throw new Error(`cannot build ${STEPPER_LIB}: ${err} (needs a C compiler and Debian's libunicorn-dev: run 'make setup')`);
  }
  return STEPPER_LIB;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`built ${ensureStepper(process.argv.includes('--force'))}\n`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
