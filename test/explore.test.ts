import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explore, type ExploreOptions } from '../src/explore/explore.js';
import { ExploreSession, type RunRecord } from '../src/explore/session.js';
import { Schedule } from '../src/scheduler/schedule.js';
import { penlabMatchers } from '../src/testing/matchers.js';
import { fw, penlab, run } from './helpers.js';

beforeAll(() => {
  expect.extend(penlabMatchers);
});

const tmp = () => mkdtempSync(join(tmpdir(), 'penlab-explore-'));
const go = (name: string, o: ExploreOptions) => explore(fw(name), { out: tmp(), ...o });

/** an exploration of lost-wakeup stopped by an error once `at` schedules have run: where it saved, and what */
async function interruptedAt(at: number, o: ExploreOptions) {
  const out = tmp();
  await expect(explore(fw('lost-wakeup'), { ...o, out, onProgress: (done) => { if (done >= at) throw new Error('interrupted'); } })).rejects.toThrow('interrupted');
  const path = join(out, 'explore-state.json');
  return { out, path, saved: JSON.parse(readFileSync(path, 'utf8')) as { seen: string; drawn: string; schedules: number } };
}

describe('finding the RFC window in kexec-notify', () => {
  // 200 distinct schedules take about 4 times as many PCT runs here (the rest repeat one): a longer guard than the default
  it('PCT finds the clobber within 200 distinct schedules for at least 9 of 10 seeds', async () => {
    let found = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = await go('kexec-notify', { strategy: 'pct', depth: 2, runs: 200, seed, shrink: false });
      if (r.failures.some((f) => f.outcome === 'clobber')) found++;
    }
    expect(found).toBeGreaterThanOrEqual(9);
  }, 600_000);

  it('hands back a replay file that reproduces it, shrunk to at most 2 context switches', async () => {
    const r = await go('kexec-notify', { strategy: 'pct', runs: 200, seed: 1 });
    expect(r).toClobber({ victim: 1, writerSymbol: 'relocate_' });
    const f = r.failures.find((x) => x.outcome === 'clobber')!;
    expect(f.switches).toBeLessThanOrEqual(2);
    expect(Schedule.parse(readFileSync(f.replay, 'utf8'), f.replay, 2).switches).toBe(f.switches);
    expect(f.lastInstructions.map((c) => c.lines.length)).toEqual([6, 6]);
    // from the command line, exactly as reported, every time
    for (let i = 0; i < 3; i++) {
      const cli = penlab('run', fw('kexec-notify'), '--schedule', `replay:${f.replay}`, '--json');
      expect(cli.status).toBe(1);
      const replayed = JSON.parse(cli.stdout);
      expect(replayed.outcome).toBe('clobber');
      expect(replayed.hazards[0]).toEqual(f.hazard);
    }
  });

  it('exhaustive search with one preemption finds it too, and says it covered the space', async () => {
    const r = await go('kexec-notify', { strategy: 'exhaustive', preemptions: 1 });
    expect(r.complete).toBe(true);
    expect(r.outcomes.clobber).toBeGreaterThan(0);
    expect(r.failures[0]!.switches).toBe(1);
  });
});

describe.each(['notify-ack', 'cpu-kill'])('kexec %s under exploration', (variant) => {
  it('exhaustive with 2 preemptions covers the bounded space with no failure', async () => {
    const r = await go(`kexec-${variant}`, { strategy: 'exhaustive', preemptions: 2, jobs: 2 });
    expect(r.complete).toBe(true);
    expect(r.schedules).toBeGreaterThan(1000);
    expect(r.outcomes).toEqual({ pass: r.schedules });
    expect(r).toHaveNoHazards();
  });

  it('5000 PCT runs are clean', async () => {
    const r = await go(`kexec-${variant}`, { strategy: 'pct', runs: 5000, jobs: 2, seed: 7 });
    expect(r.outcomes).toEqual({ pass: r.schedules });
    expect(r.distinct).toBe(r.schedules);
  });
});

describe('bugs of other kinds', () => {
  it('finds the lost wake-up (IRQs on between the check and WFI) as a deadlock', async () => {
    expect((await run('lost-wakeup')).outcome).toBe('pass'); // rr misses it
    for (const strategy of ['pct', 'exhaustive', 'random'] as const) {
      const r = await go('lost-wakeup', { strategy, runs: 1000 });
      const f = r.failures.find((x) => x.outcome === 'deadlock');
      expect(f, strategy).toBeDefined();
      expect(f!.switches).toBeLessThanOrEqual(strategy === 'random' ? 20 : 1);
      expect((await run('lost-wakeup', { schedule: `replay:${f!.replay}` })).outcome).toBe('deadlock');
    }
  });

  it('finds a release published before its entry address', async () => {
    expect((await run('release-order')).outcome).toBe('pass'); // exact wake rules run straight past it
    const r = await go('release-order', { strategy: 'exhaustive', preemptions: 2 });
    const f = r.failures.find((x) => x.outcome === 'fault')!;
    expect(f.message).toMatch(/core 1: .*FETCH_UNMAPPED.*0x00000000/);
    expect((await run('release-order', { schedule: `replay:${f.replay}` })).outcome).toBe('fault');
  });

  it('ends a WFE early when the schedule says so: WFE is only a hint', async () => {
    const dir = tmp();
    const asleep = '1@pen 1:1 1@pen 1:1 0@release_stored'; // cpu1 asleep in the pen, cpu0 past the release store
    writeFileSync(join(dir, 'early.schedule'), `# penlab schedule v1\n${asleep} w1 1:10\n`);
    writeFileSync(join(dir, 'exact.schedule'), `# penlab schedule v1\n${asleep} 1:10\n`);
    const early = await run('release-order', { schedule: `replay:${join(dir, 'early.schedule')}` });
    expect(early.outcome).toBe('fault');
    expect(early.message).toMatch(/core 1: .*FETCH_UNMAPPED.*0x00000000/);
    // without the early wake cpu1 cannot run there: the replay does not fit, bad input
    await expect(run('release-order', { schedule: `replay:${join(dir, 'exact.schedule')}` })).rejects.toThrow(/core 1 is not ready/);
  });

  it('never reports a correct busy-wait', async () => {
    for (const strategy of ['pct', 'random'] as const) {
      const r = await go('busy-wait', { strategy, runs: 300 });
      expect(r.outcomes, strategy).toEqual({ pass: r.schedules });
      expect(r.distinct).toBe(r.schedules);
    }
    const x = await go('busy-wait', { strategy: 'exhaustive', runs: 300 });
    expect(x.outcomes).toEqual({ pass: x.schedules });
    for (const schedule of ['rr', 'np', 'pct:2:1', 'pct:3:9', 'random:4']) expect((await run('busy-wait', { schedule })).outcome, schedule).toBe('pass');
  });
});

describe('never the same schedule twice', () => {
  it('random and pct count only new schedules, and stop when they cannot make one', async () => {
    // two stores to one word: a handful of schedules exist, far fewer than asked for
    for (const strategy of ['random', 'pct'] as const) {
      const r = await go('por-ww', { strategy, runs: 200, seed: 3 });
      expect(r.distinct, strategy).toBe(r.schedules);
      expect(r.duplicates, strategy).toBeGreaterThan(0);
      expect(r.schedules, strategy).toBeLessThan(10);
      expect(r.stopped, strategy).toMatch(new RegExp(`^${strategy}: `));
      expect(r.outcomes, strategy).toEqual({ deadlock: r.schedules });
    }
  });

  it('PCT takes early WFE wakes: it finds the release published before its entry address', async () => {
    const r = await go('release-order', { strategy: 'pct', runs: 1000, seed: 1 });
    const f = r.failures.find((x) => x.outcome === 'fault');
    expect(f, JSON.stringify(r.outcomes)).toBeDefined();
    expect((await run('release-order', { schedule: `replay:${f!.replay}` })).outcome).toBe('fault');
  });
});

describe('exploration is deterministic and resumable', () => {
  it('gives the same results whatever --jobs', async () => {
    const strip = (r: Awaited<ReturnType<typeof explore>>) => ({ ...r, failures: r.failures.map((f) => ({ ...f, replay: f.replay.split('/').pop(), command: f.command.replace(f.replay, '') })) });
    for (const strategy of ['random', 'exhaustive'] as const) {
      const one = await go('lost-wakeup', { strategy, runs: 300, seed: 5 });
      const two = await go('lost-wakeup', { strategy, runs: 300, seed: 5, jobs: 2 });
      expect(strip(two)).toEqual(strip(one));
    }
  });

  // a session keeps its engines (and what they translated) from run to run: nothing of that may reach a result
  it('a run\'s record does not depend on what its session ran before', () => {
    const record = (r: RunRecord) => JSON.stringify({ schedule: r.schedule, decisions: r.decisions, result: r.result });
    for (const name of ['kexec-notify', 'kexec-notify-ack']) {
      const long = new ExploreSession(fw(name), {});
      const after = Array.from({ length: 40 }, (_, i) => record(long.run({ kind: 'random', seed: i + 1 })));
      long.dispose();
      for (const seed of [40, 25, 10]) {
        const fresh = new ExploreSession(fw(name), {});
        expect(record(fresh.run({ kind: 'random', seed })), `${name} seed ${seed}`).toBe(after[seed - 1]);
        fresh.dispose();
      }
    }
  });

  it('splits one exploration into shards that add up', async () => {
    const whole = await go('lost-wakeup', { strategy: 'random', runs: 200, seed: 3 });
    const a = await go('lost-wakeup', { strategy: 'random', runs: 200, seed: 3, shard: [0, 2] });
    const b = await go('lost-wakeup', { strategy: 'random', runs: 200, seed: 3, shard: [1, 2] });
    expect(a.schedules + b.schedules).toBe(200);
    for (const k of Object.keys(whole.outcomes)) expect((a.outcomes[k] ?? 0) + (b.outcomes[k] ?? 0)).toBe(whole.outcomes[k]);
  });

  it('keeps what it found when interrupted and --resume finishes the same exploration', async () => {
    const out = tmp();
    const whole = await go('lost-wakeup', { strategy: 'random', runs: 300, seed: 9 });
    await expect(explore(fw('lost-wakeup'), {
      strategy: 'random', runs: 300, seed: 9, out,
      onProgress: (done) => { if (done >= 100) throw new Error('interrupted'); },
    })).rejects.toThrow('interrupted');
    expect(existsSync(join(out, 'explore-state.json'))).toBe(true);
    const resumed = await explore(fw('lost-wakeup'), { strategy: 'random', runs: 300, seed: 9, out, resume: true });
    expect(resumed.outcomes).toEqual(whole.outcomes);
    expect(resumed.failures.map((f) => f.foundBy)).toEqual(whole.failures.map((f) => f.foundBy));
  });

  it('keeps the hashes of the schedules run as one string, and resumes a state that kept a list of them', async () => {
    const whole = await go('lost-wakeup', { strategy: 'random', runs: 300, seed: 9 });
    const { out, path, saved } = await interruptedAt(100, { strategy: 'random', runs: 300, seed: 9 });
    expect(saved.seen).toMatch(/^[0-9a-f]+$/);
    expect(saved.seen.length).toBe(16 * saved.schedules);
    // the list states saved before this form
    writeFileSync(path, JSON.stringify({ ...saved, seen: saved.seen.match(/.{16}/g) }));
    const resumed = await explore(fw('lost-wakeup'), { strategy: 'random', runs: 300, seed: 9, out, resume: true });
    expect(resumed.outcomes).toEqual(whole.outcomes);
    expect(resumed.distinct).toBe(whole.distinct);
    writeFileSync(path, JSON.stringify({ ...saved, seen: `${saved.seen}abc` }));
    await expect(explore(fw('lost-wakeup'), { strategy: 'random', runs: 300, seed: 9, out, resume: true })).rejects.toThrow(/not an exploration state of this penlab version .*at seen/);
  });

  it('keeps pct\'s draws as hashes in one string, resumes from it, and still reads the draws states kept before', async () => {
    const whole = await go('lost-wakeup', { strategy: 'pct', runs: 200, seed: 4 });
    const { out, path, saved } = await interruptedAt(60, { strategy: 'pct', runs: 200, seed: 4 });
    expect(saved.drawn).toMatch(/^[0-9a-f]+$/);
    expect(saved.drawn.length % 16).toBe(0);
    expect(saved.drawn.length).toBeGreaterThan(0);
    const resumed = await explore(fw('lost-wakeup'), { strategy: 'pct', runs: 200, seed: 4, out, resume: true });
    expect(resumed.outcomes).toEqual(whole.outcomes);
    expect(resumed.distinct).toBe(whole.distinct);
    // a list of draws (the form before) is read and hashed; a broken string is refused
    writeFileSync(path, JSON.stringify({ ...saved, drawn: ['10@3,7'] }));
    await explore(fw('lost-wakeup'), { strategy: 'pct', runs: 200, seed: 4, out, resume: true });
    writeFileSync(path, JSON.stringify({ ...saved, drawn: `${saved.drawn}abc` }));
    await expect(explore(fw('lost-wakeup'), { strategy: 'pct', runs: 200, seed: 4, out, resume: true })).rejects.toThrow(/at drawn/);
  });

  it('refuses to resume with other options', async () => {
    const out = tmp();
    await explore(fw('lost-wakeup'), { strategy: 'random', runs: 20, out });
    await expect(explore(fw('lost-wakeup'), { strategy: 'pct', runs: 20, out, resume: true })).rejects.toThrow(/other exploration options/);
  });
});

describe('explore command', () => {
  it('prints the JSON shape of docs/cli.md and exits 1 when a failure was found', () => {
    const out = tmp();
    const r = penlab('explore', fw('lost-wakeup'), '--strategy', 'pct', '--runs', '300', '--out', out, '--json');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.distinct).toBe(j.schedules);
    // fewer distinct PCT schedules exist than asked for: it says so instead of repeating them
    if (j.schedules < 300) expect(j.stopped).toMatch(/^pct: /);
    expect(j.outcomes.deadlock).toBeGreaterThan(0);
    expect(j.failures[0]).toMatchObject({ outcome: 'deadlock', replay: expect.stringContaining(out) });
  });

  it('exits 0 when every schedule passed, 2 on bad options', () => {
    expect(penlab('explore', fw('wfe-sev'), '--strategy', 'exhaustive', '--out', tmp()).status).toBe(0);
    const bad = penlab('explore', fw('wfe-sev'), '--strategy', 'guess', '--out', tmp());
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--strategy guess/);
    expect(penlab('explore', fw('wfe-sev'), '--shard', '3/2').status).toBe(2);
  });
});
