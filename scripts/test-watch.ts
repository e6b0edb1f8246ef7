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
import { describeChange, makeError, RerunLoop, SOURCE_FILE, SourceWatcher, type WatchTarget } from '../src/cli/watch-files.js';

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

/** one cycle per batch of saves: false when a later save or Ctrl-C cut it short */
const loop = new RerunLoop(async (files, savedAt) => {
  say(describeChange(files, (p) => relative(ROOT, p)));
  const tests = new Set(files.filter((f) => f.endsWith('.test.ts')));
  const sources = files.filter((f) => /\/src\/.*\.ts$/.test(f));
  if (files.some(isFirmware)) {
    const before = elfHashes();
    const m = await loop.spawn('make', ['-s', '-C', FIRMWARE], true);
    if (loop.cutShort) return false;
    if (m.code !== 0) {
      say(`${makeError(m.stderr, 'firmware')}; waiting for changes`);
      return true;
    }
    const after = elfHashes();
    const changed = [...after.keys()].filter((n) => after.get(n) !== before.get(n)).sort();
    say(changed.length ? `rebuilt ${changed.map((n) => `${n}.elf`).join(', ')}` : 'no firmware program changed');
    for (const t of testsNaming(changed)) tests.add(t);
    if (changed.length && !tests.size && !sources.length) say(`no test names ${changed.join(', ')}; waiting for changes`);
  }
  const runs: string[][] = [];
  if (tests.size) runs.push(['run', ...[...tests].map((p) => relative(ROOT, p)).sort()]);
  if (sources.length) runs.push(['related', '--run', ...sources.map((p) => relative(ROOT, p))]);
  for (const args of runs) {
    say(`vitest ${args.join(' ')}`);
    const r = await loop.spawn(VITEST, args);
    if (loop.cutShort) return false;
    say(`vitest ${r.code === 0 ? 'passed' : `exit ${r.code ?? r.signal}`}, ${((performance.now() - savedAt) / 1000).toFixed(1)} s after the save; waiting for changes`);
  }
  return true;
});

const watcher = new SourceWatcher(targets, ({ files, savedAt }) => loop.saved(files, savedAt));
say(`watching firmware/, src/ and test/ (${watcher.size} files); Ctrl-C stops`);
loop.stopOn(watcher, say);
process.exitCode = await loop.exited;
