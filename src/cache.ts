/**
 * penlab's build cache: the native stepper and pens assembled from `.S`
 * files, each under a directory named by a hash of everything that went into
 * it, so a changed input is a new entry and a stale build is never used.
 * Lives where the user can write: $XDG_CACHE_HOME/penlab (or ~/.cache/penlab),
 * else node_modules/.cache/penlab beside the installed package, else the
 * system's temporary directory.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from './errors.js';

/** the package's root: src/ in a checkout and dist/ in the package sit at the same depth */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function candidates(): string[] {
  const dirs: string[] = [];
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && xdg.startsWith('/')) dirs.push(join(xdg, 'penlab'));
  else {
    let home = '';
    try { home = homedir(); } catch { /* no home directory: skip it */ }
    if (home) dirs.push(join(home, '.cache', 'penlab'));
  }
  // installed: <project>/node_modules/penlab → <project>/node_modules/.cache/penlab
  const modules = basename(dirname(PACKAGE_ROOT)) === 'node_modules' ? dirname(PACKAGE_ROOT) : join(PACKAGE_ROOT, 'node_modules');
  dirs.push(join(modules, '.cache', 'penlab'));
  let user = 'user';
  try { user = String(userInfo().uid); } catch { /* keep the generic name */ }
  dirs.push(join(tmpdir(), `penlab-cache-${user}`));
  return dirs;
}

let chosen: string | undefined;

/** the first cache directory that exists or can be made, and can be written */
export function cacheRoot(): string {
  if (chosen) return chosen;
  const tried = candidates();
  for (const dir of tried) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return (chosen = dir);
    } catch { /* next candidate */ }
  }
  throw new SetupError(`no writable cache directory (tried ${tried.join(', ')}): set XDG_CACHE_HOME to one`);
}

/** hex digest naming a cache entry; parts are hashed with their lengths, so no two lists collide */
export function contentKey(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(`${typeof p === 'string' ? 's' : 'b'}${p.length}:`);
    h.update(p);
  }
  return h.digest('hex').slice(0, 24);
}

/**
 * The cached file `name` of entry `kind-key`, made by `produce(tmp)` when
 * missing. produce writes a temporary name that is renamed into place, so
 * concurrent makers (explore's worker threads, two processes) never see half
 * a file, and a failed build leaves nothing behind.
 */
export function cached(kind: string, key: string, name: string, produce: (tmp: string) => void): string {
  const dir = join(cacheRoot(), `${kind}-${key}`);
  const file = join(dir, name);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    produce(tmp);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return file;
}
