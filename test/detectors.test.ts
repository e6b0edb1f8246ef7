/**
 * The detectors' fast paths against the cases they must not skip: an
 * instruction fetched again after its core entered a safe region, or after a
 * clobber of it was reported; a core's own code fetched again after it wrote
 * it. And the cached answers (the safe-region span, the early-wake read
 * words) against the rules they stand for.
 */
import { describe, expect, it } from 'vitest';
import { safePredicate } from '../src/checks/checks.js';
import { loadFirmware } from '../src/elf/elf.js';
import { vexpressA9 } from '../src/machine/board.js';
import { prepareMachine } from '../src/run.js';
import { WordSet } from '../src/scheduler/early-wake.js';
import { fw, run } from './helpers.js';

describe('instructions fetched again (firmware/tests/refetch.S)', () => {
  const image = loadFirmware(fw('refetch'), vexpressA9());
  const at = (name: string) => `0x${image.symbol(name)!.address.toString(16).padStart(8, '0')}`;

  const detour: [number, number] = [image.symbol('detour')!.address, image.symbol('detour_end')!.address];

  it('a clobber of code run again after a safe region, and again after the report; none of code run only before it', async () => {
    const r = await run('refetch', { continueAfterHazard: true, safe: [detour] });
    expect(r.outcome).toBe('clobber');
    expect(r.hazards.map((h) => [h.kind, h.address, h.victim.core, h.writer.core])).toEqual([
      ['clobber', at('spin'), 1, 0],
      ['clobber', at('spin'), 1, 0],
      ['stale-code', at('again'), 0, 0],
    ]);
    expect(r.hazards.map((h) => h.instruction)).toEqual(['mov r0, #8', 'mov r0, #8', 'mov r0, #0']);
  });

  it('without the safe region, code run only before the detour is clobbered too (the comparison can fail)', async () => {
    const r = await run('refetch', { continueAfterHazard: true });
    expect(r.hazards.map((h) => [h.kind, h.address])).toEqual([
      ['clobber', at('once')], ['clobber', at('spin')], ['clobber', at('spin')], ['stale-code', at('again')],
    ]);
  });

  it('the first clobber ends a run without --continue-after-hazard, under several schedules', async () => {
    for (const schedule of ['rr', 'np', 'random:1', 'random:2', 'random:3']) {
      const r = await run('refetch', { schedule, safe: [detour] });
      expect(r.outcome, schedule).toBe('clobber');
      expect(r.hazards.map((h) => h.address), schedule).toEqual([at('spin')]);
    }
  });
});

describe('the safe-region predicate keeps the span of its last answer', () => {
  it('answers as the rule says for addresses around every edge, asked in any order', () => {
    const machine = prepareMachine(loadFirmware(fw('refetch'), vexpressA9()));
    try {
      const extra: [number, number][] = [[0x60000100, 0x60000180], [0x60000170, 0x60000200], [0x60010000, 0x60010001]];
      const safe = safePredicate(machine, extra);
      const { base, size } = machine.board.dram;
      const rule = (a: number) => a < base || a >= base + size || extra.some(([s, e]) => a >= s && a < e);
      const edges = [base, base + size, ...extra.flat(), 0, 0xfffffffc, 0x48000000];
      const probes = edges.flatMap((e) => [e - 1, e, e + 1, e + 0x40]);
      // ascending, descending and shuffled: each order leaves a different span cached before each question
      let x = 7;
      const shuffled = probes.map((p) => [(x = (x * 1103515245 + 12345) >>> 0), p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
      for (const order of [[...probes].sort((a, b) => a - b), [...probes].sort((a, b) => b - a), shuffled]) {
        for (const a of order) expect(safe(a), `0x${a.toString(16)}`).toBe(rule(a));
      }
    } finally {
      machine.dispose();
    }
  });
});

describe('early wake: the words a core has read', () => {
  it('holds what was added, up to 4096 words, including words with the top bit set and word 0', () => {
    const s = new WordSet();
    const words = Array.from({ length: 5000 }, (_, i) => ((0x60000000 + i * 4096 * 4) ^ (i % 3 === 0 ? 0x80000000 : 0)) & ~3);
    words[1] = 0;
    for (const w of words) s.add(w | 0);
    expect(s.size).toBe(4096);
    for (const w of words.slice(0, 4096)) expect(s.has(w | 0), `0x${w.toString(16)}`).toBe(true);
    for (const w of words.slice(4096)) expect(s.has(w | 0), `0x${w.toString(16)}`).toBe(false);
    s.add(words[0]! | 0);
    expect(s.size).toBe(4096);
    expect(s.has(4)).toBe(false);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.has(words[0]! | 0)).toBe(false);
  });
});
