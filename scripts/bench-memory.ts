/**
 * Memory over a long exploration, in a process of its own: `random` on an
 * ELF for RUNS schedules with JOBS worker threads, the process's RSS sampled
 * at every progress report. Prints one JSON line: schedules, seconds, peak
 * RSS (getrusage), and the growth of RSS over the second half of the run
 * (KiB per 1000 schedules; the first half holds start-up, JIT and engine
 * warm-up), which `npm run bench` extrapolates to 100,000 schedules.
 *   npx tsx scripts/bench-memory.ts ELF RUNS [JOBS]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explore } from '../src/explore/explore.js';
import { peakRssKiB } from './peak-rss.js';

const [elf, runsText, jobsText] = process.argv.slice(2);
const runs = Number(runsText);
const jobs = Number(jobsText ?? 1);
const samples: [number, number][] = [];
const t0 = performance.now();
const r = await explore(elf!, {
  strategy: 'random', runs, jobs, shrink: false, out: mkdtempSync(join(tmpdir(), 'penlab-bench-memory-')),
  ...(process.env.PENLAB_BLOCK_BUDGET ? { run: { engineBlockBudget: Number(process.env.PENLAB_BLOCK_BUDGET) } } : {}),
  onProgress: (done) => { samples.push([done, process.memoryUsage().rss / 1024]); },
});
const secs = (performance.now() - t0) / 1000;

/** least-squares slope of RSS (KiB) against schedules, over the samples past half the run */
function slope(points: [number, number][]): number {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}
const late = samples.filter(([done]) => done >= runs / 2);
/** peak RSS (MiB) in each quarter of the run: flat memory has the last no higher than the second */
const quarters = [0, 1, 2, 3].map((q) => Math.max(0, ...samples.filter(([done]) => done > (q * runs) / 4 && done <= ((q + 1) * runs) / 4).map(([, kib]) => kib)) / 1024);
process.stdout.write(`${JSON.stringify({
  schedules: r.schedules, runs: r.schedules + r.duplicates, secs, maxRssKiB: peakRssKiB(),
  lastRssKiB: samples.at(-1)?.[1] ?? 0, usage: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1048576)])), kibPer1000: late.length > 2 ? slope(late) * 1000 : 0, quarterPeaksMiB: quarters.map((m) => Math.round(m)), samples: samples.length,
})}\n`);
