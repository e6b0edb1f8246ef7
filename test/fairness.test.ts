import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/explore/explore.js';
import { ExploreSession } from '../src/explore/session.js';
import { runOn } from '../src/run.js';
import { PctPolicy } from '../src/scheduler/policies/pct.js';
import { RandomVisible } from '../src/scheduler/policies/random-visible.js';
import { isContended, type Policy } from '../src/scheduler/policy.js';
import { fw, run } from './helpers.js';

// boot-secondary.S waits up to 0x40000 udelay() passes: far more than this
// budget, so a scheduler that lets the wait run its course times out
const maxSteps = 2_000_000;

describe("Linux 3.6 boot_secondary: a bounded wait whose clock lives in memory", () => {
  it('passes under np: the wait hands its turn to the secondary instead of spending its bound', async () => {
    const r = await run('boot-secondary', { schedule: 'np', maxSteps });
    expect(r.outcome, r.message).toBe('pass');
    expect(r.console).toBe('CPU1: booted\nboot-secondary ok\n');
    expect(r.steps).toBeLessThan(5_000);
  });

  it.each(['rr', 'pct:2:1', 'pct:3:9', 'random:4'])('passes under %s', async (schedule) => {
    expect((await run('boot-secondary', { schedule, maxSteps })).outcome).toBe('pass');
  });

  it('takes no contended decision inside the wait once it has re-read pen_release', () => {
    const session = new ExploreSession(fw('boot-secondary'), { maxSteps });
    try {
      const m = session.machine;
      const sym = (name: string) => m.firmware.symbol(name)!.address;
      const [from, to] = [sym('boot_wait'), sym('boot_wait_end')];
      const penRelease = sym('pen_release');
      // decisions that could go more than one way while core 0 is in the wait,
      // has ended a turn there at least twice (it has re-read pen_release) and
      // the secondary has not answered: each pass would be one if the wait counted as work
      const late = (inner: Policy, counts: number[]): Policy => {
        let passes = 0;
        return {
          spec: inner.spec, untilVisible: true,
          next: (v) => {
            const pc = m.cores[0]!.pc;
            const inWait = pc >= from && pc < to && m.bus.readU32(penRelease) === 1;
            if (v.last === 0 && inWait) passes++;
            if (isContended(v) && inWait && passes >= 2) counts[counts.length - 1]!++;
            return inner.next(v);
          },
        };
      };
      const counts: number[] = [];
      for (let seed = 1; seed <= 20; seed++) {
        for (const inner of [new RandomVisible(seed, session.oracle), new PctPolicy(3, seed, 2, session.info.contendedPoints)]) {
          counts.push(0);
          expect(runOn(m, late(inner, counts), session.options).result.outcome).toBe('pass');
        }
      }
      expect(counts).toEqual(counts.map(() => 0));
      // and the probe's count of contended decisions (PCT's k) stays small
      expect(session.info.contendedPoints).toBeLessThan(20);
    } finally {
      session.dispose();
    }
  });

  it.each(['random', 'pct', 'exhaustive'] as const)('explores clean with %s', async (strategy) => {
    const r = await explore(fw('boot-secondary'), { strategy, runs: 300, out: mkdtempSync(join(tmpdir(), 'penlab-fair-')), run: { maxSteps } });
    expect(r.outcomes).toEqual({ pass: r.schedules });
    expect(r.contendedPoints).toBeLessThan(20);
    if (strategy === 'exhaustive') expect(r.complete).toBe(true);
  });
});

describe('progress is a write another core can observe', () => {
  // seen-writes.S: core 0 polls a word nobody sets, first storing a pass count
  // on its own stack (quiet_poll), then in a word core 1 has read (loud_poll)
  it('a poll that writes only its own stack is waiting', async () => {
    const r = await run('seen-writes', { schedule: 'np', maxSteps: 3_000 });
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/core 0 at quiet_poll\S* \(waiting\)/);
  });

  it('a poll that writes a word another core has read is working', async () => {
    const r = await run('seen-writes', { schedule: 'np', maxSteps: 20_000 });
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/core 0 at loud_poll\S*,/);
    expect(r.message).not.toMatch(/core 0 at \S+ \(waiting\)/);
  });
});
