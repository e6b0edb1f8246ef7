import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Write to a temporary name, then rename: readers never see half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
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
