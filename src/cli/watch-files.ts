/**
 * Watching firmware sources for saves, for `penlab watch` and
 * `npm run test:watch`. Directories are watched, never the files themselves:
 * an editor that saves by writing a new file and renaming it over the old
 * one (vim, most IDEs) would leave a watch on the old inode deaf. A batch of
 * events ends after a quiet period, and only files whose bytes differ from
 * what was last seen count as changed, so a save that changes nothing, a
 * touch, or an editor's swap file runs nothing.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** files a firmware build reads: sources, includes, link scripts, schedule files, makefiles */
export const SOURCE_FILE = /\.(S|s|inc|ld|schedule)$|^(GNU)?[Mm]akefile$/;
/** a bound on the directories one watch may hold (each costs an inotify watch) */
const MAX_DIRECTORIES = 1000;

export interface WatchTarget {
  /** a directory to watch */
  dir: string;
  /** which files in it count */
  accepts: (path: string) => boolean;
}

/**
 * What to watch for `path`: a file is watched through its directory, with the
 * `.inc` files beside it (what its `.include`s usually name); a directory
 * with every subdirectory (but hidden ones and node_modules), for every
 * source file in them. Throws the fs error for a path that is neither.
 */
export function watchTargets(path: string): WatchTarget[] {
  const full = resolve(path);
  if (!statSync(full).isDirectory()) {
    return [{ dir: dirname(full), accepts: (p) => p === full || (dirname(p) === dirname(full) && p.endsWith('.inc')) }];
  }
  const dirs: string[] = [];
  const walk = (d: string) => {
    if (dirs.length >= MAX_DIRECTORIES) return;
    dirs.push(d);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(d, e.name));
    }
  };
  walk(full);
  return dirs.map((dir) => ({ dir, accepts: (p) => SOURCE_FILE.test(basename(p)) }));
}

function fingerprint(path: string): string {
  try {
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return 'absent';
  }
}

export interface ChangeBatch {
  /** the files whose bytes changed (or that appeared or went away) */
  files: string[];
  /** performance.now() of the batch's first event: the save */
  savedAt: number;
}

export class SourceWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly seen = new Map<string, string>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstEvent = 0;

  /**
   * Calls `onChange` once per batch of saves: `quietMs` after the last event
   * of a batch, or `10 × quietMs` after its first when events never stop.
   */
  constructor(targets: WatchTarget[], private readonly onChange: (batch: ChangeBatch) => void, private readonly quietMs = 100) {
    for (const t of targets) {
      for (const name of readdirSync(t.dir)) {
        const p = join(t.dir, name);
        if (t.accepts(p)) this.seen.set(p, fingerprint(p));
      }
      const w = watch(t.dir, { persistent: true }, (_event, name) => {
        if (name === null) return;
        const p = join(t.dir, name.toString());
        if (t.accepts(p)) this.note(p);
      });
      w.on('error', () => w.close()); // the directory went away: nothing more to see there
      this.watchers.push(w);
    }
  }

  /** how many files it watches now */
  get size(): number {
    return [...this.seen.values()].filter((f) => f !== 'absent').length;
  }

  private note(path: string): void {
    const now = performance.now();
    if (!this.pending.size) this.firstEvent = now;
    this.pending.add(path);
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.quietMs, this.firstEvent + 10 * this.quietMs - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    const files: string[] = [];
    for (const p of this.pending) {
      const f = fingerprint(p);
      if (this.seen.get(p) === f || (!this.seen.has(p) && f === 'absent')) continue;
      this.seen.set(p, f);
      files.push(p);
    }
    this.pending.clear();
    if (files.length) this.onChange({ files: files.sort(), savedAt: this.firstEvent });
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}

/** how long a stopped child gets to exit before SIGKILL */
const KILL_GRACE_MS = 2000;

export interface GroupChild {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** SIGTERM to its whole process group (make's or the assembler's children too), SIGKILL if it lingers */
  stop(): void;
}

/**
 * A command in a process group of its own: Ctrl-C at the terminal reaches
 * only the watcher, which decides what to stop. stdout is shared; stderr is
 * shared too, or kept (up to 64 KiB) for the caller to condense.
 */
export function spawnGroup(file: string, args: string[], keepStderr = false): GroupChild {
  const c = spawn(file, args, { stdio: ['ignore', 'inherit', keepStderr ? 'pipe' : 'inherit'], detached: true });
  let stderr = '';
  c.stderr?.on('data', (d: Buffer) => { if (stderr.length < 1 << 16) stderr += d.toString(); });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolveDone) => {
    c.on('error', (e) => resolveDone({ code: 127, signal: null, stderr: e.message }));
    c.on('close', (code, signal) => resolveDone({ code, signal, stderr }));
  });
  const signal = (s: NodeJS.Signals) => {
    try {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(-c.pid, s);
    } catch { /* already gone */ }
  };
  return { done, stop: () => { signal('SIGTERM'); setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref(); } };
}

/** saved files as a status line begins: `a.S, b.inc, c.ld and 2 more changed` */
export function describeChange(files: string[], show: (file: string) => string): string {
  return `${files.map(show).slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed`;
}

/** make's failure in one line: its first error, and how many more there were */
export function makeError(stderr: string, dir: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error/i.test(l) && !/^make(\[\d+\])?: \*\*\*/.test(l));
  const first = errors[0] ?? lines[0] ?? 'failed';
  return `make -C ${dir}: ${first}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
}

/**
 * One cycle at a time for a watcher. A save while a cycle runs stops the
 * cycle's child (its verdict is already stale) and queues the saved files;
 * when the cycle returns, the next runs for what was queued, plus the
 * cut-short cycle's own files, timed from the first save it waited for.
 * Ctrl-C and SIGTERM close the watcher and stop the child; `exited`
 * resolves with 130 or 143 once the cycle under way has returned.
 */
export class RerunLoop {
  readonly exited: Promise<number>;
  private resolveExit!: (status: number) => void;
  private child: GroupChild | undefined;
  private running: Promise<void> | undefined;
  private queued: string[] = [];
  private queuedAt: number | undefined;
  private stopping = false;

  /** `cycle` returns false when it was cut short (it asks `cutShort` after each child) */
  constructor(private readonly cycle: (files: string[], savedAt: number) => Promise<boolean>) {
    this.exited = new Promise((r) => { this.resolveExit = r; });
  }

  /** a child of the cycle under way, which a later save or Ctrl-C stops */
  spawn(file: string, args: string[], keepStderr = false): GroupChild['done'] {
    this.child = spawnGroup(file, args, keepStderr);
    return this.child.done;
  }

  /** a later save or Ctrl-C came while the child ran: the cycle should return at once */
  get cutShort(): boolean {
    return this.stopping || this.queuedAt !== undefined;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** files saved: a cycle for them now, or once the one under way has stopped */
  saved(files: string[], savedAt: number): void {
    if (this.stopping) return;
    if (!this.running) return this.start(files, savedAt);
    this.queued.push(...files);
    this.queuedAt ??= savedAt;
    this.child?.stop();
  }

  /** Ctrl-C (130) and SIGTERM (143) end the loop, and the watcher with it */
  stopOn(watcher: { close(): void }, say: (line: string) => void): void {
    const stop = (status: number) => () => {
      if (this.stopping) return;
      this.stopping = true;
      watcher.close();
      this.child?.stop();
      void (this.running ?? Promise.resolve()).then(() => {
        say('stopped');
        this.resolveExit(status);
      });
    };
    process.once('SIGINT', stop(130));
    process.once('SIGTERM', stop(143));
  }

  private start(files: string[], savedAt: number): void {
    this.running = this.cycle(files, savedAt).then((finished) => {
      this.running = undefined;
      this.child = undefined;
      const at = this.queuedAt;
      if (at === undefined || this.stopping) return;
      const next = [...new Set([...(finished ? [] : files), ...this.queued])].sort();
      this.queued = [];
      this.queuedAt = undefined;
      this.start(next, at);
    });
  }
}
