/**
 * `npm run test:watch`: vitest's watch mode knows TypeScript imports, not
 * that a test runs firmware/build/NAME.elf built from a changed `.S`. This
 * watches firmware/, src/ and test/ and, per save:
 *   - firmware sources: `make -s -C firmware`, then the tests that name an
 *     ELF whose bytes changed (`'NAME'`, `NAME.elf`, or a `'PREFIX-${`
 *     template such as `kexec-${variant}`);
 *   - src/*.ts: `vitest related --run` on them;
 *   - test files: those files.
 * A save during a run stops it and starts the new one; a make error is one
 * line; Ctrl-C stops it (exit status 130).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { PACKAGE_ROOT as ROOT } from '../src/cache.js';
import { SOURCE_FILE, SourceWatcher, spawnGroup, type GroupChild, type WatchTarget } from '../src/cli/watch-files.js';

const FIRMWARE = join(ROOT, 'firmware');
const BUILD = join(FIRMWARE, 'build');
const VITEST = join(ROOT, 'node_modules', '.bin', 'vitest');
const say = (line: string) => process.stderr.write(`test:watch: ${line}\n`);

function dirsBelow(dir: string, skip: (name: string) => boolean = () => false): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !skip(e.name))
    .flatMap((e) => dirsBelow(join(dir, e.name), skip))];
}

const isFirmware = (p: string) => p.startsWith(`${FIRMWARE}/`);
const targets: WatchTarget[] = [
  ...dirsBelow(FIRMWARE, (n) => n === 'build' || n === 'expected').map((dir) => ({ dir, accepts: (p: string) => SOURCE_FILE.test(basename(p)) })),
  ...[...dirsBelow(join(ROOT, 'src')), ...dirsBelow(join(ROOT, 'test'), (n) => n === 'golden')].map((dir) => ({ dir, accepts: (p: string) => /\.(ts|mjs)$/.test(p) })),
];

function elfHashes(): Map<string, string> {
  const m = new Map<string, string>();
  for (const n of existsSync(BUILD) ? readdirSync(BUILD) : []) {
    if (n.endsWith('.elf')) m.set(n.slice(0, -4), createHash('sha1').update(readFileSync(join(BUILD, n))).digest('hex'));
  }
  return m;
}

function testFiles(): string[] {
  return dirsBelow(join(ROOT, 'test')).flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.test.ts')).map((n) => join(d, n))).filter((p) => statSync(p).isFile());
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** the test files that name one of these firmware programs */
function testsNaming(names: string[]): string[] {
  const patterns = names.flatMap((name) => {
    const prefixes = [...name.matchAll(/-/g)].map((m) => name.slice(0, m.index + 1));
    return [new RegExp(`['"\`/]${esc(name)}(\\.elf)?['"\`]`), ...prefixes.map((p) => new RegExp(`['"\`/]${esc(p)}\\$\\{`))];
  });
  return testFiles().filter((f) => {
    const text = readFileSync(f, 'utf8');
    return patterns.some((re) => re.test(text));
  });
}

let child: GroupChild | undefined;
let running: Promise<void> | undefined;
let queued: string[] = [];
let stopping = false;

/** false when a save or Ctrl-C cut it short */
async function cycle(files: string[], savedAt: number): Promise<boolean> {
  const rel = (p: string) => relative(ROOT, p);
  say(`${files.map(rel).slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed`);
  const tests = new Set(files.filter((f) => f.endsWith('.test.ts')));
  const sources = files.filter((f) => /\/src\/.*\.ts$/.test(f));
  if (files.some(isFirmware)) {
    const before = elfHashes();
    child = spawnGroup('make', ['-s', '-C', FIRMWARE], true);
    const m = await child.done;
    if (stopping || queued.length) return false;
    if (m.code !== 0) {
      const errors = m.stderr.split('\n').filter((l) => /error/i.test(l) && !/\*\*\*/.test(l));
      say(`make: ${errors[0] ?? m.stderr.trim().split('\n')[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}; waiting for changes`);
      return true;
    }
    const after = elfHashes();
    const changed = [...after.keys()].filter((n) => after.get(n) !== before.get(n)).sort();
    say(changed.length ? `rebuilt ${changed.map((n) => `${n}.elf`).join(', ')}` : 'no firmware program changed');
    for (const t of testsNaming(changed)) tests.add(t);
    if (changed.length && !tests.size && !sources.length) say(`no test names ${changed.join(', ')}; waiting for changes`);
  }
  const runs: string[][] = [];
  if (tests.size) runs.push(['run', ...[...tests].map(rel).sort()]);
  if (sources.length) runs.push(['related', '--run', ...sources.map(rel)]);
  for (const args of runs) {
    say(`vitest ${args.join(' ')}`);
    child = spawnGroup(VITEST, args);
    const r = await child.done;
    if (stopping || queued.length) return false;
    say(`vitest ${r.code === 0 ? 'passed' : `exit ${r.code ?? r.signal}`}, ${((performance.now() - savedAt) / 1000).toFixed(1)} s after the save; waiting for changes`);
  }
  return true;
}

function start(files: string[], savedAt: number): void {
  running = cycle(files, savedAt).then((finished) => {
    running = undefined;
    child = undefined;
    if (queued.length && !stopping) {
      // what the cut-short run was for still needs running
      const next = [...new Set([...(finished ? [] : files), ...queued])].sort();
      queued = [];
      start(next, performance.now());
    }
  });
}

const watcher = new SourceWatcher(targets, ({ files, savedAt }) => {
  if (stopping) return;
  if (running) {
    queued.push(...files);
    child?.stop();
  } else start(files, savedAt);
});
say(`watching firmware/, src/ and test/ (${watcher.size} files); Ctrl-C stops`);
const stop = (status: number) => () => {
  if (stopping) return;
  stopping = true;
  watcher.close();
  child?.stop();
  void (running ?? Promise.resolve()).then(() => {
    say('stopped');
    process.exitCode = status;
  });
};
process.once('SIGINT', stop(130));
process.once('SIGTERM', stop(143));
