/**
 * "Never run a schedule already run": random and PCT consult the trie of
 * earlier batches' schedules (scheduler/trie.ts). Random steers around
 * finished subtrees and stops when every schedule has run; PCT stops a run
 * as soon as it can only repeat one. Each check is also run with the trie
 * kept empty, where it fails.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initDisassembler } from '../src/disasm.js';
import { explore, runSeed } from '../src/explore/explore.js';
import { LocalExecutor } from '../src/explore/pool.js';
import { sample } from '../src/explore/sampling.js';
import { ExploreSession, type RunRecord } from '../src/explore/session.js';
import { DecisionHashes } from '../src/explore/seen.js';
import { freshState } from '../src/explore/state.js';
import { runOn } from '../src/run.js';
import { parsePolicy } from '../src/scheduler/parse.js';
import { fw } from './helpers.js';

interface Tally {
  /** decision hashes counted, in order */
  counted: string[];
  /** full runs that repeated a schedule of an earlier batch (what the trie exists to prevent) */
  crossBatch: number;
  /** runs stopped early as repeats */
  stoppedEarly: number;
  records: RunRecord[];
  stopped: string | undefined;
  /** paths the resume state keeps to rebuild the trie */
  kept: number;
}

/** random or PCT through the real driver on one session; `forget`: the sessions never learn (the trie stays empty) */
async function sampleWith(name: string, strategy: 'random' | 'pct', runs: number, forget = false): Promise<Tally> {
  await initDisassembler();
  const session = new ExploreSession(fw(name), {});
  const local = new LocalExecutor(session);
  let batch = 0;
  const t: Tally = { counted: [], crossBatch: 0, stoppedEarly: 0, records: [], stopped: undefined, kept: 0 };
  const firstBatch = new Map<string, number>();
  const exec = {
    info: local.info,
    run: async (specs: Parameters<LocalExecutor['run']>[0]) => {
      batch++;
      const rs = await local.run(specs);
      for (const r of rs) if (r.repeat) t.stoppedEarly++;
      return rs;
    },
    learn: (paths: Parameters<LocalExecutor['learn']>[0]) => { if (!forget) local.learn(paths); },
    close: () => local.close(),
  };
  const state = freshState('x', '');
  try {
    t.stopped = await sample(exec, state, {
      strategy, runs, seed: 1, depth: 2, cores: 2, k: session.info.contendedPoints, shard: 0, shards: 1, runSeed, save: () => {}, drawn: new DecisionHashes(),
      tally: (r) => {
        const b = firstBatch.get(r.decisions);
        if (b !== undefined) {
          if (b < batch) t.crossBatch++;
          return false;
        }
        firstBatch.set(r.decisions, batch);
        t.counted.push(r.decisions);
        t.records.push(r);
        state.schedules++;
        return true;
      },
    });
    t.kept = state.branches?.length ?? 0;
    return t;
  } finally {
    session.dispose();
  }
}

describe('random never runs a schedule an earlier batch ran, and knows when all have run', () => {
  it('por-sb: stops with every schedule run, as many as exhaustive search without a bound finds', async () => {
    const r = await sampleWith('por-sb', 'random', 5000);
    expect(r.stopped).toMatch(/random: every schedule has run \(20 distinct\)/);
    expect(r.crossBatch).toBe(0);
    const all = await explore(fw('por-sb'), { strategy: 'exhaustive', preemptions: 1000, runs: 5000, out: mkdtempSync(join(tmpdir(), 'penlab-repeats-')), shrink: false });
    expect(all.complete).toBe(true);
    expect(r.counted.length).toBe(all.schedules);
  }, 120_000);

  it('without the trie in the sessions it repeats earlier batches (the check can fail)', async () => {
    const r = await sampleWith('por-sb', 'random', 200, true);
    expect(r.crossBatch).toBeGreaterThan(0);
  }, 120_000);

  it('a steered run\'s spec parses back into the same run', async () => {
    const r = await sampleWith('por-mp', 'random', 5000);
    const steered = r.records.filter((x) => /^random-visible:\d+:/.test(x.result.schedule));
    expect(steered.length).toBeGreaterThan(0);
    const session = new ExploreSession(fw('por-mp'), {});
    try {
      for (const rec of steered) {
        const again = runOn(session.machine, parsePolicy(rec.result.schedule, { quantum: 1, cores: 2, machine: session.machine }), {});
        expect(again.result).toEqual(rec.result);
      }
    } finally {
      session.dispose();
    }
  }, 120_000);
});

describe('the resume state stops growing when the trie is full', () => {
  it('kexec-notify-ack: random runs past the trie\'s node bound are not kept (they would not change the rebuilt trie)', async () => {
    const t = await sampleWith('kexec-notify-ack', 'random', 600);
    expect(t.counted.length).toBe(600);
    // a run adds some 60 nodes: the 20,000-node trie is full after about 300 runs, and every later run was kept before
    expect(t.kept).toBeGreaterThan(100);
    expect(t.kept).toBeLessThan(450);
  }, 300_000);
});

describe('PCT stops a run as soon as it can only repeat one', () => {
  it('kexec-notify-ack: no full run repeats an earlier batch\'s, and the same schedules are counted as without stopping early', async () => {
    const withTrie = await sampleWith('kexec-notify-ack', 'pct', 120);
    const without = await sampleWith('kexec-notify-ack', 'pct', 120, true);
    // without the trie most repeats run to the end: the check can fail
    expect(without.crossBatch).toBeGreaterThan(0);
    expect(without.stoppedEarly).toBe(0);
    expect(withTrie.crossBatch).toBe(0);
    expect(withTrie.stoppedEarly).toBeGreaterThan(0);
    // stopping early is sound: every run stopped was a repeat, so the same schedules count, in the same order
    expect(withTrie.counted).toEqual(without.counted);
  }, 300_000);
});
