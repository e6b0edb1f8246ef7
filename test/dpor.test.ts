import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDisassembler } from '../src/disasm.js';
import { dpor, freshDpor } from '../src/explore/dpor.js';
import { explore, type ExploreOptions } from '../src/explore/explore.js';
import type { Executor } from '../src/explore/pool.js';
import { ExploreSession, type RunRecord } from '../src/explore/session.js';
import { fw, penlab, run } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'penlab-dpor-'));
const go = (name: string, o: ExploreOptions = {}) => explore(fw(name), { out: tmp(), strategy: 'dpor', ...o });

/**
 * The class of a run under sequential consistency, from the shared-word
 * accesses the machine reports: which write each read read from, and the
 * order of the writes to each word. Two schedules are equivalent exactly
 * when these agree.
 */
function classes(session: ExploreSession) {
  const words = new Set<number>();
  for (const [a, n] of session.shared) for (let i = 0; i < n; i++) words.add(a + 4 * i);
  let counts: number[] = [];
  let lastWrite = new Map<number, string>();
  let rf: string[] = [];
  let co = new Map<number, string[]>();
  const id = (core: number) => `${core}:${(counts[core] = (counts[core] ?? 0) + 1)}`;
  session.machine.events.subscribe({
    read: (core, _s, address) => {
      if (!words.has(address & ~3)) return;
      rf.push(`${id(core)}<-${lastWrite.get(address & ~3) ?? 'init'}`);
    },
    write: (core, _s, address) => {
      const w = address & ~3;
      if (!words.has(w)) return;
      const me = id(core);
      lastWrite.set(w, me);
      co.set(w, [...(co.get(w) ?? []), me]);
    },
  });
  return {
    reset: () => { counts = []; lastWrite = new Map(); rf = []; co = new Map(); },
    key: () => JSON.stringify([[...rf].sort(), [...co].sort((a, b) => a[0] - b[0])]),
  };
}

/**
 * The class of a run under --memory relaxed: a read reads its core's own
 * newest buffered store to the word if there is one, else the store last
 * made visible; the writes to each word are ordered by when they became
 * visible (their drains).
 */
function relaxedClasses(session: ExploreSession) {
  const words = new Set<number>();
  for (const [a, n] of session.shared) for (let i = 0; i < n; i++) words.add(a + 4 * i);
  let counts: number[] = [];
  let stores: number[] = [];
  let byStore = new Map<string, { me: string; w: number }>();
  let pending = new Map<string, string[]>();
  let lastVisible = new Map<number, string>();
  let rf: string[] = [];
  let co = new Map<number, string[]>();
  const id = (core: number) => `${core}:${(counts[core] = (counts[core] ?? 0) + 1)}`;
  session.machine.events.subscribe({
    read: (core, _s, address) => {
      const w = address & ~3;
      if (!words.has(w)) return;
      const own = pending.get(`${core}:${w}`);
      rf.push(`${id(core)}<-${own?.length ? own[own.length - 1] : lastVisible.get(w) ?? 'init'}`);
    },
    write: (core, _s, address) => {
      const w = address & ~3;
      if (!words.has(w)) return;
      const me = id(core);
      stores[core] = (stores[core] ?? 0) + 1;
      byStore.set(`${core}.${stores[core]}`, { me, w });
      pending.set(`${core}:${w}`, [...(pending.get(`${core}:${w}`) ?? []), me]);
    },
    event: (e) => {
      if (e.kind !== 'visible') return;
      const { me, w } = byStore.get(`${e.core}.${e.store}`)!;
      lastVisible.set(w, me);
      co.set(w, [...(co.get(w) ?? []), me]);
      pending.set(`${e.core}:${w}`, pending.get(`${e.core}:${w}`)!.filter((x) => x !== me));
    },
  });
  return {
    reset: () => { counts = []; stores = []; byStore = new Map(); pending = new Map(); lastVisible = new Map(); rf = []; co = new Map(); },
    key: () => JSON.stringify([[...rf].sort(), [...co].sort((a, b) => a[0] - b[0])]),
  };
}

type Classifier = (session: ExploreSession) => { reset(): void; key(): string };

/** Every interleaving of the visible operations (and, relaxed, every drain order), run on the machine: the distinct classes among them. */
function bruteForce(session: ExploreSession, classify: Classifier = classes): { runs: number; classes: Set<string> } {
  const c = classify(session);
  const seen = new Set<string>();
  const todo: string[][] = [[]];
  let runs = 0;
  while (todo.length) {
    const prefix = todo.pop()!;
    c.reset();
    const rec = session.run({ kind: 'choices', prefix });
    runs++;
    seen.add(c.key());
    rec.points!.forEach((p, i) => {
      if (i < prefix.length) return;
      const before = rec.points!.slice(0, i).map((x) => x.chosen);
      for (const opt of p.options) if (opt !== p.chosen) todo.push([...before, opt]);
    });
  }
  return { runs, classes: seen };
}

/** DPOR on the same session, with the class of every schedule it counts */
async function dporClasses(session: ExploreSession, classify: Classifier = classes): Promise<{ keys: string[]; complete: boolean }> {
  const c = classify(session);
  const keys: string[] = [];
  const exec: Executor = {
    info: session.info,
    run: async (specs) => specs.map((s) => {
      c.reset();
      const r: RunRecord = session.run(s);
      if (!r.blocked) keys.push(c.key());
      return r;
    }),
    learn: () => {},
    close: async () => {},
  };
  let n = 0;
  const r = await dpor(exec, freshDpor(), { cap: 10_000, cores: 2, tally: () => { n++; }, schedules: () => n, save: () => {} });
  return { keys, complete: r.complete };
}

describe('DPOR runs one schedule per class, as many as brute force finds', () => {
  const sessions: ExploreSession[] = [];
  beforeAll(async () => { await initDisassembler(); });
  afterAll(() => { for (const s of sessions) s.dispose(); });

  it.each([
    ['por-private', 1],
    ['por-ww', 2],
    ['por-sb', 3],
    ['por-mp', 3],
  ])('%s: %i classes', async (name, expected) => {
    const session = new ExploreSession(fw(name), {});
    sessions.push(session);
    const brute = bruteForce(session);
    expect(brute.classes.size).toBe(expected);
    const d = await dporClasses(session);
    expect(d.complete).toBe(true);
    expect(d.keys.length).toBe(expected);
    expect(new Set(d.keys).size).toBe(d.keys.length); // no two explored schedules equivalent
    expect(new Set(d.keys)).toEqual(brute.classes);
    if (expected > 1) expect(brute.runs).toBeGreaterThan(expected); // the enumeration really ran more interleavings
  });
});

describe('under --memory relaxed too, with drains in the conflict relation', () => {
  const sessions: ExploreSession[] = [];
  beforeAll(async () => { await initDisassembler(); });
  afterAll(() => { for (const s of sessions) s.dispose(); });

  it.each([
    ['por-private', 1],
    ['por-ww', 2],
    ['por-sb', 4],
    ['por-mp', 4],
    ['por-mp-dmb', 3],
  ])('%s: %i classes (the reorderings sc cannot show among them)', async (name, expected) => {
    const session = new ExploreSession(fw(name), { memory: 'relaxed' });
    sessions.push(session);
    const brute = bruteForce(session, relaxedClasses);
    expect(brute.classes.size).toBe(expected);
    const d = await dporClasses(session, relaxedClasses);
    expect(d.complete).toBe(true);
    expect(d.keys.length).toBe(expected);
    expect(new Set(d.keys).size).toBe(d.keys.length);
    expect(new Set(d.keys)).toEqual(brute.classes);
  });
});

describe('dpor under --memory relaxed on the kexec new kernel', () => {
  it('finds the missing barrier between pen_entry and pen_release, replayed exactly, and proves the correct one complete', async () => {
    const bad = await go('kexec-notify-ack-nodmb', { run: { memory: 'relaxed' } });
    expect(bad.complete).toBe(true);
    const f = bad.failures.find((x) => x.outcome === 'fault')!;
    expect(f.reorderings?.join('\n')).toMatch(/store to pen_release at \S+ became visible before store to pen_entry at \S+; a DMB between them forbids this/);
    const dir = tmp();
    for (const t of ['a', 'b']) expect((await run('kexec-notify-ack-nodmb', { schedule: `replay:${f.replay}`, trace: join(dir, t) })).outcome).toBe('fault');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe(readFileSync(join(dir, 'a'), 'utf8'));
    const good = await go('kexec-notify-ack', { run: { memory: 'relaxed' } });
    expect(good.memory).toBe('relaxed');
    expect(good.complete).toBe(true);
    expect(good.failures).toEqual([]);
  });

  it('says a non-coherent core\'s clean makes the search incomplete (its write-backs are not reordered)', async () => {
    const r = await go('hotplug-late-flush', { run: { memory: 'relaxed' } });
    expect(r.complete).toBe(false);
    expect(r.incomplete).toMatch(/a clean wrote a non-coherent core's lines back in program order/);
  });
});

describe('dpor finds each failure, or proves there is none', () => {
  it.each([
    ['lost-wakeup', 'deadlock'],
    ['release-order', 'fault'],
    ['deadlock', 'deadlock'],
    ['kexec-notify', 'clobber'],
    ['kexec-none', 'clobber'],
    // the clobber lies between core 1's last visible operation and its entry into the SRAM pen
    ['safe-entry', 'clobber'],
  ])('%s: %s, complete, replayed exactly', async (name, outcome) => {
    const r = await go(name);
    expect(r.complete).toBe(true);
    const f = r.failures.find((x) => x.outcome === outcome);
    expect(f, JSON.stringify(r.outcomes)).toBeDefined();
    const replayed = await run(name, { schedule: `replay:${f!.replay}` });
    expect(replayed.outcome).toBe(outcome);
    if (f!.hazard) expect(replayed.hazards[0]).toEqual(f!.hazard);
  });

  it('sync-early: stale code under --strict-code-sync, where the store lands between the reader\'s ISB and its call', async () => {
    const r = await go('sync-early', { run: { strictCodeSync: true } });
    expect(r.complete).toBe(true);
    const f = r.failures.find((x) => x.outcome === 'stale-code');
    expect(f, JSON.stringify(r.outcomes)).toBeDefined();
    const replayed = await run('sync-early', { schedule: `replay:${f!.replay}`, strictCodeSync: true });
    expect(replayed.outcome).toBe('stale-code');
    expect(replayed.hazards[0]).toEqual(f!.hazard);
  });

  it.each(['kexec-notify-ack', 'kexec-cpu-kill', 'busy-wait'])('%s: safe, complete', async (name) => {
    const r = await go(name);
    expect(r.complete).toBe(true);
    expect(r.failures).toEqual([]);
    expect(r.outcomes).toEqual({ pass: r.schedules });
  });

  it('says why it is not complete when --runs or --preemptions cut it', async () => {
    const capped = await go('release-order', { runs: 3 });
    expect(capped.complete).toBe(false);
    expect(capped.incomplete).toMatch(/--runs 3/);
    expect(capped.schedules).toBe(3);
    const bounded = await go('release-order', { preemptions: 0 });
    expect(bounded.complete).toBe(false);
    expect(bounded.incomplete).toMatch(/--preemptions 0 left out \d+ branches/);
  });

  it('--resume continues an interrupted search to the same verdict', async () => {
    const out = tmp();
    const whole = await go('release-order', { shrink: false });
    await expect(explore(fw('release-order'), {
      strategy: 'dpor', out, shrink: false, onProgress: (done) => { if (done >= 20) throw new Error('interrupted'); },
    })).rejects.toThrow('interrupted');
    const resumed = await explore(fw('release-order'), { strategy: 'dpor', out, shrink: false, resume: true });
    expect(resumed.complete).toBe(true);
    expect(resumed.outcomes).toEqual(whole.outcomes);
    expect(resumed.failures.map((f) => f.foundBy)).toEqual(whole.failures.map((f) => f.foundBy));
  });

  it('from the command line: the clobber in kexec-notify, replayed by penlab run', () => {
    const out = tmp();
    const cli = penlab('explore', fw('kexec-notify'), '--strategy', 'dpor', '--out', out, '--json');
    expect(cli.status).toBe(1);
    const r = JSON.parse(cli.stdout);
    expect(r.complete).toBe(true);
    const f = r.failures.find((x: { outcome: string }) => x.outcome === 'clobber');
    const replay = penlab('run', fw('kexec-notify'), '--schedule', `replay:${f.replay}`, '--json');
    expect(replay.status).toBe(1);
    expect(JSON.parse(replay.stdout).hazards[0]).toEqual(f.hazard);
  });
});
