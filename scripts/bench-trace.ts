/**
 * Child of scripts/bench.ts: writes the trace of a 10 M-instruction run of
 * bench-loop (rr, quantum 100) and prints, as JSON, its size, time and this
 * process's peak RSS — the writer's memory bound, measured apart from the
 * benchmark's own heap.
 */
import { statSync } from 'node:fs';
import { runFirmware } from '../src/run.js';
import { diffTraces } from '../src/trace/diff.js';
import { peakRssKiB } from './peak-rss.js';

const [fw, out, steps, diffWith] = process.argv.slice(2);
const t0 = performance.now();
if (diffWith) {
  const r = await diffTraces(out!, diffWith);
  if (!r.same) throw new Error('a trace differs from itself');
} else {
  await runFirmware(fw!, { trace: out, maxSteps: Number(steps), quantum: 100, noChecks: true });
}
const secs = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ secs, bytes: statSync(out!).size, maxRssMiB: peakRssKiB() / 1024 }) + '\n');
