/**
 * The board's time and exceptions: the virtual clock, timers on it, WFI
 * skipping to the next timer event, and synchronous exceptions entered
 * through the firmware's vectors (or ending the run with faultOnException).
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../src/explore/explore.js';
import type { MachineEvent } from '../src/machine/events.js';
import { fw, run } from './helpers.js';

describe('virtual clock', () => {
  it('a bounded wait on the global timer runs under rr, np and exploration', async () => {
    for (const schedule of ['rr', 'np', 'random:5']) {
      const r = await run('timed-pen', { schedule });
      expect(r.outcome, schedule).toBe('pass');
      expect(r.console).toBe('cpu1 released\ntimed pen ok\n');
    }
    const e = await explore(fw('timed-pen'), { strategy: 'pct', runs: 10, out: '/tmp/penlab-timed-pen' });
    expect(e.outcomes).toEqual({ pass: 10 });
  });

  it('--clock-hz sets how fast time passes: the same wait times out on a slow clock', async () => {
    const r = await run('timed-pen', { clockHz: 1000 });
    expect(r.outcome).toBe('exit-failure');
    expect(r.console).toBe('cpu1 timed out\n');
  });

  it('timer interrupts arrive at the same steps in a replay with differently cut turns', async () => {
    const entries = async (schedule: string) => {
      const seen: MachineEvent[] = [];
      await run('private-timer', { schedule, observers: [{ event: (e) => { if (e.kind === 'exception-entry' || e.kind === 'iar') seen.push(e); } }] });
      return seen;
    };
    const a = await entries('rr');
    expect(a.filter((e) => e.kind === 'iar').length).toBeGreaterThanOrEqual(5);
    expect(await entries('rr')).toEqual(a);
  });

  it('WFI with a timer armed skips to the timer event instead of declaring deadlock', async () => {
    // three 1 ms comparator events take 300,000 cycles; the run retires far fewer instructions
    const r = await run('global-timer');
    expect(r.outcome).toBe('pass');
    expect(r.steps).toBeLessThan(10_000);
  });

  it('a sleeping board with no timer armed is still a deadlock', async () => {
    expect((await run('deadlock')).outcome).toBe('deadlock');
  });
});

describe('exceptions', () => {
  it('enters the firmware vectors for UDF, coprocessor, Thumb UDF, SVC, BKPT and alignment, in the event stream', async () => {
    const kinds: string[] = [];
    const r = await run('exceptions', { observers: [{ event: (e) => { if (e.kind === 'exception-entry') kinds.push(e.exception); } }] });
    expect(r.outcome).toBe('pass');
    expect(kinds).toEqual(['undef', 'undef', 'undef', 'svc', 'pabt', 'dabt']);
  });

  it('--fault-on-exception ends the run at the first one instead', async () => {
    const r = await run('exceptions', { faultOnException: true });
    expect(r.outcome).toBe('fault');
    expect(r.message).toMatch(/^core 0: undefined instruction 0xe7f000f0 at 0x[0-9a-f]{8} \(udf_arm\)$/);
  });

  it('an exception with no usable vector is a fault naming the vector', async () => {
    const r = await run('vectorless');
    expect(r.outcome).toBe('fault');
    expect(r.message).toMatch(/undefined instruction .*: no usable undef vector, 0x00000004 is not RAM/);
  });
});

describe('the private watchdog in watchdog mode', () => {
  it.each(['rr', 'np'])('ends a run that never services it as a fault naming the watchdog (%s)', async (schedule) => {
    const r = await run('watchdog', { schedule });
    expect(r.outcome).toBe('fault');
    expect(r.message).toMatch(/^core 0: watchdog expired in watchdog mode at cycle \d+: the core would be reset$/);
    expect(r.console).toBe('watchdog armed\n');
  });
});
