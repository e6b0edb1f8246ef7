/**
 * A user's pen from assembly source: the board's firmware library
 * (firmware/lib, shipped in the package) assembled beside the user's `.S`
 * files and linked with firmware/link.ld, the same flags as firmware/Makefile.
 * The ELF lands in penlab's cache (src/cache.ts) under a hash of every input —
 * sources, the library, the link script, flags, --defsym values — and, checked
 * on every lookup, of the files the sources `.include`d.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { cacheRoot, contentKey, PACKAGE_ROOT } from '../cache.js';
import { InputError, SetupError } from '../errors.js';

export const FIRMWARE_LIB = join(PACKAGE_ROOT, 'firmware', 'lib');
export const LINK_SCRIPT = join(PACKAGE_ROOT, 'firmware', 'link.ld');
/** as firmware/Makefile: --strip-local-absolute keeps board.inc's .equ constants out of the symbol table */
export const ASFLAGS = ['-march=armv7-a', '-mcpu=cortex-a9', '-g', '--strip-local-absolute'];
const AS = 'arm-none-eabi-as';
const LD = 'arm-none-eabi-ld';
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;
/** bounds on one tool run: `.rept` loops can run long, `.space 0x7fffffff` writes a 2 GiB object in seconds */
const TOOL_TIMEOUT_MS = 60_000;
/** a file-size limit, in 512-byte blocks (dash; bash counts 1 KiB): 64 MiB, elf.ts's cap on a firmware image */
const MAX_OUTPUT_BLOCKS = 131072;

/** `.S` or `.s`: assembly for gas (no C preprocessor) */
export function isAssemblySource(path: string): boolean {
  return /\.[sS]$/.test(path);
}

/** NAME=VALUE with an integer value, as given to --defsym */
export function parseDefsym(v: string): [string, string] {
  const m = /^([A-Za-z_.$][\w.$]*)=(-?(?:0x[0-9a-f]+|\d+))$/i.exec(v);
  if (!m) throw new InputError(`--defsym ${v}: expected NAME=VALUE with an integer VALUE (e.g. VARIANT=2)`);
  return [m[1]!, m[2]!];
}

function readSource(path: string): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read assembly source (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (!st.isFile()) throw new InputError(`${path}: not a regular file: an assembly source must be a file`);
  if (st.size > MAX_SOURCE_BYTES) throw new InputError(`${path}: ${st.size} bytes is over the 16 MiB limit for an assembly source`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read assembly source (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

function libraryFiles(): string[] {
  try {
    return readdirSync(FIRMWARE_LIB).filter((n) => /\.(S|inc)$/.test(n)).sort().map((n) => join(FIRMWARE_LIB, n));
  } catch {
    throw new SetupError(`${FIRMWARE_LIB}: penlab's firmware library is missing: reinstall penlab`);
  }
}

function tool(name: string, args: string[], objects: Map<string, string>): void {
  try {
    execFileSync('/bin/sh', ['-c', `ulimit -f ${MAX_OUTPUT_BLOCKS} && exec "$0" "$@"`, name, ...args], { stdio: 'pipe', timeout: TOOL_TIMEOUT_MS });
  } catch (e) {
    const { status, stderr, signal } = e as { status?: number; stderr?: Buffer; signal?: string };
    const sources = [...objects.values()].join(' ');
    if (status === 127) throw new SetupError(`${name} not found: install Debian's binutils-arm-none-eabi: apt-get install binutils-arm-none-eabi`);
    if (signal === 'SIGXFSZ' || status === 128 + 25) throw new InputError(`${sources}: ${name}'s output is over the 64 MiB limit for a firmware image`);
    if (signal) throw new InputError(`${sources}: ${name} did not finish within ${TOOL_TIMEOUT_MS / 1000} s`);
    // name the user's files, never the temporary objects
    let text = stderr?.toString() ?? String(e);
    for (const [obj, src] of objects) text = text.split(`${obj}:${src}:`).join(`${src}:`).split(obj).join(src);
    const lines = text.split('\n').map((l) => l.replace(new RegExp(`^${name}: `), '').trim()).filter(Boolean);
    const errors = lines.filter((l) => /error|undefined reference|multiple definition|cannot|overlap|will not fit/i.test(l) && !/^.*: Assembler messages:$/.test(l));
    const first = errors[0] ?? lines.find((l) => !/Assembler messages:$/.test(l)) ?? `${name} failed`;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    if (name === AS) throw new InputError(`${first}${more}`);
    const hint = /undefined reference to `main'/.test(first) ? ' (a pen defines main: see docs/firmware.md)' : '';
    throw new InputError(`${sources}: cannot link: ${first}${more}${hint}`);
  }
}

/** `.include`d files named by a gas --MD dependency file, less the sources and the library */
function includedFiles(depfile: string, skip: Set<string>): string[] {
  const text = readFileSync(depfile, 'utf8').replace(/\\\n/g, ' ');
  const deps = text.slice(text.indexOf(':') + 1).trim().split(/(?<!\\)\s+/).map((p) => p.replace(/\\ /g, ' ')).filter(Boolean);
  return deps.map((p) => resolve(p)).filter((p) => !skip.has(p));
}

function depsHash(files: string[]): string | undefined {
  try {
    return contentKey(files.flatMap((f) => [f, readFileSync(f)]));
  } catch {
    return undefined; // an include went away: build again, and let the assembler say so
  }
}

/**
 * Assembles and links `sources` (and the firmware library) into an ELF for
 * the board; returns the cached ELF's path. Bad sources are InputErrors
 * naming the file and line; missing binutils a SetupError naming the package.
 */
export function assemblePen(sources: string[], defsyms: [string, string][] = []): string {
  if (!sources.length) throw new InputError('no assembly source given');
  const texts = sources.map(readSource);
  const lib = libraryFiles();
  let linkScript: Buffer;
  try {
    linkScript = readFileSync(LINK_SCRIPT);
  } catch {
    throw new SetupError(`${LINK_SCRIPT}: penlab's link script is missing: reinstall penlab`);
  }
  // where `.include` looks (the working directory, then each source's): the same text elsewhere may include other files
  const key = contentKey(['pen-v1', ...ASFLAGS, ...defsyms.flat(), ...texts, process.cwd(), ...sources.map((s) => dirname(resolve(s))), ...lib.flatMap((f) => [basename(f), readFileSync(f)]), linkScript]);
  const entry = join(cacheRoot(), `pen-${key}`);
  const depsFile = join(entry, 'includes.json');
  try {
    const includes = JSON.parse(readFileSync(depsFile, 'utf8')) as string[];
    const elf = join(entry, `pen-${depsHash(includes)}.elf`);
    statSync(elf);
    return elf;
  } catch { /* not built yet, or an included file changed */ }

  const work = mkdtempSync(join(cacheRoot(), 'build-'));
  try {
    const objects = new Map<string, string>();
    const libObjects = lib.filter((f) => f.endsWith('.S')).map((f, i) => {
      const obj = join(work, `lib${i}-${basename(f, '.S')}.o`);
      tool(AS, [...ASFLAGS, '-I', FIRMWARE_LIB, '-o', obj, f], new Map([[obj, f]]));
      return obj;
    });
    const includes = new Set<string>();
    const skip = new Set([...lib, ...sources].map((p) => resolve(p)));
    const userObjects = sources.map((src, i) => {
      const obj = join(work, `src${i}-${basename(src).replace(/\.[sS]$/, '')}.o`);
      const dep = join(work, `src${i}.d`);
      objects.set(obj, src);
      tool(AS, [...ASFLAGS, ...defsyms.flatMap(([k, v]) => ['--defsym', `${k}=${v}`]), '-I', dirname(src), '-I', FIRMWARE_LIB, '--MD', dep, '-o', obj, src], objects);
      for (const f of includedFiles(dep, skip)) includes.add(f);
      return obj;
    });
    const out = join(work, 'pen.elf');
    tool(LD, ['-T', LINK_SCRIPT, '-o', out, ...userObjects, ...libObjects], objects);
    const list = [...includes].sort();
    const hash = depsHash(list);
    // rename into place, then publish the include list: a reader never finds a list without its ELF
    mkdirSync(entry, { recursive: true });
    const elf = join(entry, `pen-${hash}.elf`);
    renameSync(out, elf);
    writeFileSync(join(work, 'includes.json'), JSON.stringify(list));
    renameSync(join(work, 'includes.json'), depsFile);
    return elf;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
