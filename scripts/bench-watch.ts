/**
 * Edit→verdict: the real `penlab watch` over a copy of a holding pen
 * (firmware/tests/sysflags-pen.S), saved N times with a real change each
 * time (a new comment: the pen is re-assembled, its cache key changes);
 * each figure is wall time from the write to the watcher's status line.
 * `npm run bench` runs it; alone: `npx tsx scripts/bench-watch.ts [BIN]
 * [--json]` (BIN: a penlab.js, default the checkout's).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT as ROOT } from '../src/cache.js';

const SAVES = 7;
const args = process.argv.slice(2);
const json = args.includes('--json');
const bin = args.find((a) => a !== '--json') ?? join(ROOT, 'bin', 'penlab.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function saveToVerdict(command: string[]): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'penlab-bench-watch-'));
  const pen = join(dir, 'pen.S');
  copyFileSync(join(ROOT, 'firmware', 'tests', 'sysflags-pen.S'), pen);
  const text = readFileSync(pen, 'utf8');
  const child = spawn(process.execPath, [bin, 'watch', 'pen.S', '--', ...command], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let statuses = 0;
  let onStatus = () => {};
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    const n = err.split('\n').filter((l) => /^penlab watch: (exit|killed)/.test(l)).length;
    if (n > statuses) {
      statuses = n;
      onStatus();
    }
  });
  const status = () => new Promise<void>((resolve, reject) => {
    onStatus = resolve;
    child.once('exit', () => reject(new Error(`watch exited:\n${err}`)));
  });
  await status(); // the first run, at the start
  const ms: number[] = [];
  for (let i = 0; i < SAVES; i++) {
    const next = status();
    const t0 = performance.now();
    writeFileSync(`${pen}.tmp`, `${text}\n@ save ${i}\n`);
    renameSync(`${pen}.tmp`, pen);
    await next;
    ms.push(performance.now() - t0);
  }
  child.kill('SIGINT');
  if (!/exit [01] \(/.test(err)) throw new Error(`the pen did not run:\n${err}`);
  return ms;
}

const rows: [string, number][] = [];
for (const [label, command] of [
  ['run pen.S', ['run', 'pen.S']],
  ['explore pen.S --strategy pct --runs 100', ['explore', 'pen.S', '--strategy', 'pct', '--runs', '100', '--out', 'out']],
] as const) {
  rows.push([label, median(await saveToVerdict([...command]))]);
}
if (json) console.log(JSON.stringify(rows));
else for (const [label, ms] of rows) console.log(`save → verdict, penlab watch pen.S -- ${label}: median of ${SAVES}: ${ms.toFixed(0)} ms (target 2000 ms)`);
