import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explore, type ExploreOptions } from '../src/explore/explore.js';
import type { Outcome, RunOptions } from '../src/run.js';
import { penlabMatchers } from '../src/testing/matchers.js';
import { fw, penlab, run } from './helpers.js';

beforeAll(() => {
  expect.extend(penlabMatchers);
});

const tmp = () => mkdtempSync(join(tmpdir(), 'penlab-matchers-'));
const go = (name: string, o: ExploreOptions) => explore(fw(name), { out: tmp(), ...o });

/** the message a failing matcher throws */
function failure(assertion: () => void): string {
  try {
    assertion();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the matcher passed');
}

/** the `penlab run …` command a message hands out, run as a user would paste it */
function rerun(message: string, label: string): { outcome: string } {
  const line = message.split('\n').find((l) => l.includes(label));
  expect(line, message).toBeDefined();
  const words = line!.slice(line!.indexOf('penlab run ') + 'penlab run '.length).split(' ');
  const cli = penlab('run', ...words, '--json');
  return JSON.parse(cli.stdout) as { outcome: string };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// one real firmware per failing outcome
const FAILING: [string, Outcome, RunOptions][] = [
  ['deadlock', 'deadlock', {}],
  ['livelock', 'livelock', {}],
  ['busy-wait', 'timeout', { maxSteps: 300 }],
  ['fault-undef', 'fault', { faultOnException: true }],
  ['fault-unmapped', 'fault', {}],
  ['exit-failure', 'exit-failure', {}],
  ['kexec-none', 'clobber', {}],
  ['copy-self', 'stale-code', {}],
];

describe.each(FAILING)('a run of %s (%s)', (name, outcome, options) => {
  it('fails every matcher that expects success, naming the outcome, the replay file and its command', async () => {
    const file = join(tmp(), `${name}.schedule`);
    const r = await run(name, { ...options, saveSchedule: file });
    expect(r.outcome).toBe(outcome);
    const messages = [
      failure(() => expect(r).toPass()),
      failure(() => expect(r).toHaveNoHazards()),
      failure(() => expect(r).toFindNoFailure()),
      failure(() => expect(r).toBeSafe()),
      failure(() => expect(r).toEndWith('pass')),
      failure(() => expect(r).not.toEndWith(outcome)),
      outcome === 'deadlock' ? failure(() => expect(r).not.toDeadlock()) : failure(() => expect(r).toDeadlock()),
      outcome === 'fault' ? failure(() => expect(r).not.toFault()) : failure(() => expect(r).toFault()),
    ];
    for (const m of messages) {
      expect(m).toMatch(new RegExp(`ended in ${escape(outcome)}`));
      expect(m).toContain(`replay file: ${file}`);
      expect(m).toContain(`replay with: penlab run ${fw(name)} --schedule replay:${file}`);
    }
    expect(r).toEndWith(outcome);
    expect(r).not.toPass();
    expect(r).not.toHaveNoHazards();
    // the command in the message replays the same failure
    expect(rerun(messages[0]!, 'replay with:').outcome).toBe(outcome);
  });

  it('without a saved schedule, says how to keep one and gives the exact command', async () => {
    const r = await run(name, options);
    const m = failure(() => expect(r).toHaveNoHazards());
    expect(m).toContain(outcome);
    expect(m).toContain('--save-schedule FILE');
    expect(m).toContain(`run again, exactly, with: penlab run ${fw(name)} --schedule rr`);
    expect(rerun(m, 'run again, exactly, with:').outcome).toBe(outcome);
  });

  it('an exploration that finds it fails toFindNoFailure, toBeSafe, toPass and toHaveNoHazards with each replay', async () => {
    const r = await go(name, { strategy: 'random', runs: 6, shrink: false, run: options });
    const f = r.failures.find((x) => x.outcome === outcome);
    expect(f, JSON.stringify(r.outcomes)).toBeDefined();
    expect(r).toEndWith(outcome);
    for (const assertion of [
      () => expect(r).toFindNoFailure(),
      () => expect(r).toBeSafe(),
      () => expect(r).toPass(),
      () => expect(r).toHaveNoHazards(),
    ]) {
      const m = failure(assertion);
      expect(m).toContain(`- ${outcome}`);
      expect(m).toContain(`replay file: ${f!.replay}`);
      expect(m).toContain(`replay with: ${f!.command}`);
    }
    expect(rerun(failure(() => expect(r).toFindNoFailure()), `replay with: penlab run`).outcome).toBe(r.failures[0]!.outcome);
  });
});

describe('a passing run', () => {
  it('passes toPass, toHaveNoHazards, toEndWith("pass"), and fails their negations with its command', async () => {
    const r = await run('boot-secondary', { schedule: 'np' });
    expect(r).toPass();
    expect(r).toHaveNoHazards();
    expect(r).toFindNoFailure();
    expect(r).toBeSafe();
    expect(r).toEndWith('pass');
    expect(r).not.toDeadlock();
    expect(r).not.toFault();
    const m = failure(() => expect(r).not.toPass());
    expect(m).toContain('ended in pass');
    expect(m).toContain(`penlab run ${fw('boot-secondary')} --schedule np`);
  });

  it('is no proof: toBeSafe({ complete: true }) fails on a single run', async () => {
    const r = await run('boot-secondary', { schedule: 'np' });
    expect(failure(() => expect(r).toBeSafe({ complete: true }))).toMatch(/a single run is a sample/);
  });

  it('toEndWith refuses an outcome that does not exist', async () => {
    const r = await run('boot-secondary', { schedule: 'np' });
    expect(() => expect(r).toEndWith('passed' as Outcome)).toThrow(/unknown outcome "passed"; expected one of pass, /);
  });
});

describe('explorations and completeness', () => {
  it('a complete clean exploration is safe, complete', async () => {
    const r = await go('kexec-notify-ack', { strategy: 'exhaustive', preemptions: 1 });
    expect(r).toBeSafe({ complete: true });
    expect(r).toFindNoFailure();
    expect(r).toHaveNoHazards();
    expect(r).toPass();
  });

  it('a clean sample is safe, but not complete', async () => {
    const r = await go('kexec-notify-ack', { strategy: 'random', runs: 20 });
    expect(r).toBeSafe();
    expect(failure(() => expect(r).toBeSafe({ complete: true }))).toMatch(/not complete \(complete: undefined\).*a sample/);
  });

  it('an exploration cut short by --runs is not complete', async () => {
    const r = await go('kexec-notify-ack', { strategy: 'exhaustive', preemptions: 2, runs: 5 });
    expect(r.complete).toBe(false);
    expect(failure(() => expect(r).toBeSafe({ complete: true }))).toMatch(/not complete \(complete: false\)/);
  });

  it('a deadlock found in some schedules fails toHaveNoHazards by name (lost-wakeup)', async () => {
    const r = await go('lost-wakeup', { strategy: 'pct', runs: 200 });
    expect(r).toDeadlock();
    const m = failure(() => expect(r).toHaveNoHazards());
    const f = r.failures.find((x) => x.outcome === 'deadlock')!;
    expect(m).toContain(`- deadlock: ${f.message}`);
    expect(m).toContain(`replay file: ${f.replay}`);
    expect(rerun(m, 'replay with:').outcome).toBe('deadlock');
  });

  it('toClobber names the clobber and its replay under .not', async () => {
    const r = await go('kexec-notify', { strategy: 'pct', runs: 200, seed: 1 });
    expect(r).toClobber({ victim: 1 });
    const m = failure(() => expect(r).not.toClobber({ victim: 1 }));
    const f = r.failures.find((x) => x.outcome === 'clobber')!;
    expect(m).toContain(`replay file: ${f.replay}`);
    expect(m).toContain(f.command);
  });
});
