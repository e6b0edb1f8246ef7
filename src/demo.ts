/**
 * The main job: every kexec hand-over variant, run the ways that matter —
 * round robin, the hand-written schedule that delays cpu1 right after it
 * goes offline, and a PCT search — with a verdict per variant.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explore } from './explore/explore.js';
import type { DemoRow, ExploreResult, RunResult } from './report/result.js';
import { prepareOutputDir } from './report/files.js';
import { runFirmware } from './run.js';

export { formatDemo } from './report/human.js';
export type { DemoRow } from './report/result.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const VARIANTS = [
  { name: 'none', expect: 'unsafe', what: 'mainline 3.7: cpu1 spins in old-kernel RAM' },
  { name: 'notify', expect: 'unsafe', what: 'the RFC: pen in SRAM, cpu0 waits only for "offline"' },
  { name: 'notify-ack', expect: 'safe', what: 'the pen acks from SRAM, cpu0 waits for the ack' },
  { name: 'cpu-kill', expect: 'safe', what: 'cpu1 powers itself off, cpu0 waits for power-off' },
] as const;

export interface DemoOptions {
  runs?: number;
  seed?: number;
  out?: string;
  jobs?: number;
}

function short(r: RunResult): string {
  return r.outcome;
}

function counts(e: ExploreResult): string {
  const bad = Object.entries(e.outcomes).filter(([k]) => k !== 'pass');
  if (!bad.length) return `pass ${e.schedules}/${e.schedules}`;
  return bad.map(([k, n]) => `${k} ${n}/${e.schedules}`).join(', ');
}

export async function demo(o: DemoOptions = {}): Promise<DemoRow[]> {
  const build = join(ROOT, 'firmware', 'build');
  const rows: DemoRow[] = [];
  // every output directory before the first run
  for (const v of VARIANTS) prepareOutputDir('--out', join(o.out ?? 'out', v.name));
  for (const v of VARIANTS) {
    const elf = join(build, `kexec-${v.name}.elf`);
    const rel = relative(process.cwd(), elf);
    const delay = join(ROOT, 'firmware', 'kexec', `${v.name === 'none' ? 'notify' : v.name}-delay.schedule`);
    const rr = await runFirmware(elf, { schedule: 'rr' });
    const delayed = existsSync(delay) ? await runFirmware(elf, { schedule: `replay:${delay}` }) : undefined;
    const pct = await explore(elf, { strategy: 'pct', depth: 2, runs: o.runs ?? 200, seed: o.seed ?? 1, out: join(o.out ?? 'out', v.name), jobs: o.jobs });
    const clobbered = [rr, delayed].some((r) => r && r.outcome !== 'pass' && r.outcome !== 'exit-failure') || pct.failures.some((f) => f.outcome !== 'exit-failure');
    const verdict = clobbered ? 'unsafe' : 'safe';
    const f = pct.failures[0];
    rows.push({
      variant: v.name, what: v.what,
      rr: short(rr), delayed: delayed ? short(delayed) : '-', pct: counts(pct),
      verdict, expected: verdict === v.expect,
      ...(f ? {
        failure: {
          replay: `penlab run ${rel} --schedule replay:${f.replay}`,
          summary: f.hazard
            ? `core ${f.hazard.writer.core} at ${f.hazard.writer.symbol} wrote ${f.hazard.address} (${f.hazard.addressSymbol}) while core ${f.hazard.victim.core} ran at ${f.hazard.victim.symbol}; ${f.switches ? `${f.switches} switch${f.switches === 1 ? '' : 'es'}: ${f.schedule}` : 'under any schedule'}`
            : `${f.outcome}: ${f.message ?? ''}`,
        },
      } : {}),
    });
  }
  return rows;
}
