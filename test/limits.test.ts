/**
 * Bounded memory and time: the console transcript, the decision log, the
 * wall clock, and steps through never-written RAM. Memory is measured on real
 * runs in child processes (peak RSS, generous bounds), never timed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/explore/explore.js';
import { DecisionLog } from '../src/scheduler/decision-log.js';
import { Schedule } from '../src/scheduler/schedule.js';
import { fw, penlab, penlabMeasured, run } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'penlab-limits-'));

describe('the console transcript', () => {
  it('keeps 1 MiB of 50 million characters and says how many were dropped, in bounded memory', () => {
    // chatter prints 64 KiB lines through semihosting: ~50 MB by this step
    const r = penlabMeasured(['run', fw('chatter'), '--max-steps', '270000', '--json'], { timeout: 120_000 });
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.outcome).toBe('timeout');
    expect(j.console.length).toBe(1 << 20);
    expect(j.consoleCores).toBe('0'.repeat(1 << 20));
    expect(j.console.length + j.consoleDropped).toBeGreaterThan(50_000_000);
    expect(r.maxRssKiB).toBeLessThan(600 * 1024); // one object per byte took ~5 GB
  }, 150_000);

  it('--console-limit sets the cap, and the human report marks what was dropped', async () => {
    const small = await run('sgi-pingpong', { consoleLimit: 10 });
    const whole = await run('sgi-pingpong');
    expect(whole.consoleDropped).toBeUndefined();
    expect(small.console).toBe(whole.console.slice(0, 10));
    expect(small.consoleDropped).toBe(whole.console.length - 10);
    const human = penlab('run', fw('sgi-pingpong'), '--console-limit', '10');
    expect(human.stdout).toContain(`[${whole.console.length - 10} more bytes dropped: over the console limit of 10 bytes (--console-limit)]`);
    expect(penlab('run', fw('sgi-pingpong'), '--console-limit', '-1').status).toBe(2);
  });
});

describe('the decision log', () => {
  it('folds lockstep alternation: 10^7 round-robin decisions take a handful of words', () => {
    const log = new DecisionLog();
    for (let i = 0; i < 5_000_000; i++) { log.run(0, 1); log.run(1, 1); }
    const s = log.toSchedule('np');
    expect(s.toString()).toBe('(0:1 1:1)*5000000');
    expect(s.switches).toBe(9_999_999);
    expect(log.switches).toBe(9_999_999);
  });

  it('keeps what does not repeat, and breaks a pattern exactly where it changes', () => {
    const log = new DecisionLog();
    const ds: [number, number][] = [];
    const add = (c: number, n: number) => { ds.push([c, n]); log.run(c, n); };
    for (let i = 0; i < 5; i++) { add(0, 1); add(1, 1); }
    add(1, 4); // merges into the last 1:1 of the pattern
    for (let i = 0; i < 7; i++) { add(0, i + 1); add(1, 2); } // no repeat
    log.wake(1);
    const s = log.toSchedule('np');
    expect(s.toString()).toBe('(0:1 1:1)*4 0:1 1:5 0:1 1:2 0:2 1:2 0:3 1:2 0:4 1:2 0:5 1:2 0:6 1:2 0:7 1:2 w1');
    const back = Schedule.parse(s.toFile(), 'log', 2);
    expect(back.toString()).toBe(s.toString());
    expect(back.switches).toBe(s.switches);
  });

  it('a saved rr schedule is small and replays to the same run', async () => {
    const saved = join(dir, 'rr.schedule');
    const rr = await run('bench-loop', { maxSteps: 200_000, saveSchedule: saved });
    const text = readFileSync(saved, 'utf8');
    expect(text.length).toBeLessThan(1000); // one token per step was 800 KB
    expect(text).toContain('(0:1 1:1)*100000');
    const again = await run('bench-loop', { maxSteps: 200_000, schedule: `replay:${saved}` });
    expect(again.steps).toBe(rr.steps);
    expect(again.cores).toEqual(rr.cores);
  });
});

describe('--timeout', () => {
  it('ends a run by wall clock and says which bound it was', async () => {
    const r = await run('bench-loop', { maxSteps: 1e12, timeout: 0.5 });
    expect(r.outcome).toBe('timeout');
    expect(r.message).toMatch(/^wall-clock bound of 0.5 s \(--timeout\) ran out after \d+ steps: core 0 at /);
    const steps = await run('bench-loop', { maxSteps: 1000, timeout: 60 });
    expect(steps.message).toMatch(/^step budget of 1000 ran out/);
    const cli = penlab('run', fw('bench-loop'), '--max-steps', '100000000000', '--timeout', '0.5', '--json');
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout).message).toMatch(/wall-clock bound of 0.5 s/);
    expect(penlab('run', fw('bench-loop'), '--timeout', '0').stderr).toMatch(/--timeout must be a positive number of seconds/);
  });

  it('bounds each schedule of an exploration', async () => {
    const r = await explore(fw('bench-loop'), { strategy: 'random', runs: 2, run: { maxSteps: 1e12, timeout: 0.3 }, shrink: false });
    expect(r.outcomes).toEqual({ timeout: 2 });
    expect(r.failures[0]!.message).toMatch(/wall-clock bound of 0.3 s/);
  }, 60_000);
});

describe('never-written RAM', () => {
  it('costs no more than any other step: 2 million lockstep steps in zeros stay within bounded memory', () => {
    // each step used to translate a fresh block: ~0.3 ms and 6-10 KB per step
    const r = penlabMeasured(['run', fw('zero-run'), '--max-steps', '2000000', '--json'], { timeout: 120_000 });
    const j = JSON.parse(r.stdout);
    expect(j.outcome).toBe('timeout');
    expect(j.steps).toBe(2_000_000);
    // zeros are `andeq r0, r0, r0`: each core moved on one word a step
    expect(j.cores.map((c: { pc: string }) => c.pc)).toEqual(['0x613d08b0', '0x643d08b4']);
    expect(r.maxRssKiB).toBeLessThan(500 * 1024);
  }, 150_000);

  it('in Thumb state too: zero halfwords are `movs r0, r0`, flags set as the architecture says, at the cost of any step', () => {
    const r = penlabMeasured(['run', fw('zero-run-thumb'), '--max-steps', '2000000', '--json'], { timeout: 120_000 });
    const j = JSON.parse(r.stdout);
    expect(j.outcome).toBe('timeout');
    expect(j.steps).toBe(2_000_000);
    // two bytes a step from 16 MiB into DRAM, after the few instructions that branch there
    for (const c of j.cores as { id: number; pc: string }[]) {
      const base = c.id === 0 ? 0x61000000 : 0x64000000;
      expect(Number(c.pc) - base).toBeGreaterThan(1_900_000);
      expect((Number(c.pc) - base) % 2).toBe(0);
    }
    expect(r.maxRssKiB).toBeLessThan(500 * 1024);
    // the first zero halfword sets N and clears Z (r0 = 0x80000000), keeping C from the cmp; each writes r0 with the value it holds
    const t = penlab('run', fw('zero-run-thumb'), '--max-steps', '200', '--trace', '-', '--trace-filter', 'core=0');
    expect(t.stdout).toMatch(/0x61000000 0000 T svc 0x61000000 : movs r0, r0 ; r0=0x80000000 cpsr=0xa00001f3\n/);
    expect(t.stdout).toMatch(/0x61000002 0000 T svc 0x61000002 : movs r0, r0 ; r0=0x80000000\n/);
  }, 150_000);

  it('is fetched like any code: writing over zeros another core ran is a clobber', async () => {
    const r = await run('zero-clobber');
    expect(r.outcome).toBe('clobber');
    expect(r.hazards[0]).toMatchObject({ address: '0x60100000', victim: { core: 1 }, writer: { core: 0 }, instruction: 'andeq r0, r0, r0' });
    // in the trace too: every zero word is a fetched instruction (core 1's cmp left Z set: it writes r0 with its own value)
    const traced = penlab('run', fw('zero-clobber'), '--trace', '-');
    expect(traced.stdout).toMatch(/^\d+ c1 IT 0x60100000 00000000 A svc \S+ : andeq r0, r0, r0 ; r0=0x00000001$/m);
  });
});

describe('explore() from the library', () => {
  it('writes replay files under a temporary directory unless given out, and returns their paths', async () => {
    const r = await explore(fw('lost-wakeup'), { strategy: 'random', runs: 30, seed: 2, shrink: false });
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) {
      expect(f.replay.startsWith(join(tmpdir(), 'penlab-explore-'))).toBe(true);
      expect(readFileSync(f.replay, 'utf8')).toMatch(/^# penlab schedule v1/);
    }
    await expect(explore(fw('lost-wakeup'), { runs: 2, resume: true })).rejects.toThrow(/--resume needs --out/);
  });
});
