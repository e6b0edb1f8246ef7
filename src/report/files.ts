import { closeSync, existsSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, type Stats, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

/**
 * Write to a temporary name, then rename: readers never see half a file, and
 * a write that fails (disk full, directory gone) leaves nothing behind.
 */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.partial`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`${path}: cannot write (${errnoOf(e)})`);
  }
}

/**
 * Creates a directory and its missing parents, one level at a time: Node 20's
 * recursive mkdirSync never returns for a path under /proc.
 */
export function ensureDir(path: string): void {
  const full = resolve(path);
  if (existsSync(full)) {
    if (!statSync(full).isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR' });
    return;
  }
  const parent = dirname(full);
  if (parent !== full) ensureDir(parent);
  mkdirSync(full);
}

/**
 * An output directory, before any work: created if missing and proven
 * writable by creating (and removing) a file in it, so a read-only or
 * pseudo file system is refused now rather than after the run.
 */
export function prepareOutputDir(option: string, path: string): void {
  try {
    ensureDir(path);
    const probe = resolve(path, `.penlab-probe-${process.pid}.partial`);
    closeSync(openSync(probe, 'w'));
    rmSync(probe, { force: true });
  } catch (e) {
    throw new InputError(`${option} ${path}: cannot create or write there (${errnoOf(e)})`);
  }
}

/**
 * An output file, before any work: its directory must exist and take a new
 * file, and the name must not be a directory. Nothing is left behind.
 */
export function checkOutputFile(option: string, path: string): void {
  const full = resolve(path);
  const dir = dirname(full);
  let st: Stats | undefined;
  try {
    st = statSync(full);
  } catch { /* not there yet: the usual case */ }
  if (st?.isDirectory()) throw new InputError(`${option} ${path}: is a directory; expected a file name`);
  if (st && !st.isFile()) throw new InputError(`${option} ${path}: not a regular file; expected a file name`);
  if (!existsSync(dir)) throw new InputError(`${option} ${path}: no directory ${dir}`);
  const probe = `${full}.partial`;
  try {
    closeSync(openSync(probe, 'w'));
  } catch (e) {
    throw new InputError(`${option} ${path}: cannot write (${errnoOf(e)})`);
  }
  rmSync(probe, { force: true });
}

/** a path as the file system resolves it (symlinks followed where the file exists) */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Outputs that would overwrite an input, or each other: refused before any
 * work, since the rename that puts an output in place would destroy the
 * input (`run pen.elf --trace pen.elf`) or the other output.
 */
export function checkDistinctOutputs(outputs: [option: string, path: string][], inputs: string[]): void {
  const ins = new Map(inputs.map((p) => [canonical(p), p]));
  const seen = new Map<string, string>();
  for (const [option, path] of outputs) {
    const c = canonical(path);
    const input = ins.get(c);
    if (input !== undefined) throw new InputError(`${option} ${path}: is the input ${input}; writing it would destroy it`);
    const other = seen.get(c);
    if (other !== undefined) throw new InputError(`${option} ${path}: ${other} writes the same file`);
    seen.set(c, option);
  }
}
