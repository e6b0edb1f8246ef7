/**
 * Every failing firmware, found by every strategy, and each failure replayed
 * exactly by `penlab run --schedule replay:FILE` (dpor's own, with its
 * completeness, are in dpor.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore, type Strategy } from '../src/explore/explore.js';
import { fw, run } from './helpers.js';

const FAILING: [string, string][] = [
  ['lost-wakeup', 'deadlock'],
  ['release-order', 'fault'],
  ['deadlock', 'deadlock'],
  ['kexec-none', 'clobber'],
  ['kexec-notify', 'clobber'],
];
const STRATEGIES: Strategy[] = ['random', 'pct', 'exhaustive', 'dpor'];

/**
 * Random walk is the one exception: the notify clobber needs core 1 held
 * between "offline" and its jump to the pen while core 0 runs a long stretch,
 * and a coin flip at every visible step practically never does that (0 in
 * 2000 runs for seeds 1-3). PCT and dpor exist for such bugs.
 */
const MISSES = new Set(['random:kexec-notify']);

describe.each(STRATEGIES)('%s finds every failing firmware\'s failure', (strategy) => {
  it.each(FAILING.filter(([name]) => !MISSES.has(`${strategy}:${name}`)))('%s: %s, replayed exactly', async (name, outcome) => {
    const r = await explore(fw(name), { strategy, runs: 400, seed: 1, out: mkdtempSync(join(tmpdir(), 'penlab-strategies-')) });
    const f = r.failures.find((x) => x.outcome === outcome);
    expect(f, `${strategy} on ${name}: ${JSON.stringify(r.outcomes)}`).toBeDefined();
    expect(r.distinct).toBe(r.schedules);
    const replayed = await run(name, { schedule: `replay:${f!.replay}` });
    expect(replayed.outcome).toBe(outcome);
    if (f!.hazard) expect(replayed.hazards[0]).toEqual(f!.hazard);
  }, 300_000);
});
