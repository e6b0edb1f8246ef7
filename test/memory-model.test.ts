/**
 * --memory relaxed (docs/memory-model.md) on real firmware: litmus tests,
 * a spin-table pen, an SGI announcing a mailbox, a hotplug path and a kexec
 * new kernel, each failing only where the architecture allows the failure,
 * with replays that are exact.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initDisassembler } from '../src/disasm.js';
import { explore } from '../src/explore/explore.js';
import { ExploreSession } from '../src/explore/session.js';
import { Schedule } from '../src/scheduler/schedule.js';
import { fw, penlab, run } from './helpers.js';

const out = () => mkdtempSync(join(tmpdir(), 'penlab-relaxed-'));
const exhaustive = (name: string, memory: 'sc' | 'relaxed') =>
  explore(fw(name), { strategy: 'exhaustive', out: out(), run: { memory } });

describe('litmus tests, explored exhaustively (2 preemptions)', () => {
  it('MP: the weak outcome (y seen, x not) appears under relaxed only, with the missing DMB named', async () => {
    const sc = await exhaustive('litmus-mp', 'sc');
    expect(sc.memory).toBe('sc');
    expect(sc.complete).toBe(true);
    expect(sc.failures).toEqual([]);
    const relaxed = await exhaustive('litmus-mp', 'relaxed');
    expect(relaxed.memory).toBe('relaxed');
    const f = relaxed.failures[0]!;
    expect(f.outcome).toBe('exit-failure');
    expect(f.reorderings?.[0]).toMatch(/^store to y at main\+0x14 became visible before store to x at main\+0x10; a DMB between them forbids this$/m);
    const replay = await run('litmus-mp', { schedule: `replay:${f.replay}` });
    expect(replay.console).toContain('MP: weak outcome seen');
    expect(replay.memory).toBe('relaxed'); // the replay file says so
  });

  it('SB: the weak outcome (both loads 0) appears under relaxed only', async () => {
    expect((await exhaustive('litmus-sb', 'sc')).failures).toEqual([]);
    expect((await run('litmus-sb', { memory: 'sc' })).console).toContain('SB: weak outcome not seen');
    const relaxed = await run('litmus-sb', { memory: 'relaxed', schedule: 'np' });
    expect(relaxed.console).toContain('SB: weak outcome seen');
  });

  it('PCT takes drains as change points: it finds MP under relaxed (a store overtaking an older one), never MP+DMBs', async () => {
    const mp = await explore(fw('litmus-mp'), { strategy: 'pct', runs: 60, out: out(), run: { memory: 'relaxed' } });
    const f = mp.failures[0]!;
    expect(f.reorderings?.[0]).toMatch(/^store to y at main\+0x14 became visible before store to x at main\+0x10/);
    expect((await run('litmus-mp', { schedule: `replay:${f.replay}` })).console).toContain('MP: weak outcome seen');
    const dmb = await explore(fw('litmus-mp-dmb'), { strategy: 'pct', runs: 60, out: out(), run: { memory: 'relaxed' } });
    expect(dmb.failures).toEqual([]);
  });

  it('MP and SB with a DMB on each side never show it, under either model', async () => {
    for (const name of ['litmus-mp-dmb', 'litmus-sb-dmb']) {
      for (const memory of ['sc', 'relaxed'] as const) {
        const r = await exhaustive(name, memory);
        expect(r.complete, `${name} ${memory}`).toBe(true);
        expect(r.failures, `${name} ${memory}`).toEqual([]);
      }
    }
  });
});

describe('which drains exploration offers', () => {
  it('every drainable store, not only the oldest and newest of a core; never one a DMB holds back', async () => {
    await initDisassembler();
    const copy = new ExploreSession(fw('kexec-notify-ack'), { memory: 'relaxed' });
    try {
      const points = copy.run({ kind: 'choices', prefix: [] }).points!;
      // the relocation loop buffers many stores to distinct words: all of them may drain
      expect(Math.max(...points.map((p) => p.options.filter((o) => o.startsWith('d0.')).length))).toBeGreaterThan(30);
    } finally {
      copy.dispose();
    }
    const mp = new ExploreSession(fw('litmus-mp-dmb'), { memory: 'relaxed' });
    try {
      const points = mp.run({ kind: 'choices', prefix: [] }).points!;
      const both = points.filter((p) => p.options.filter((o) => o.startsWith('d0.')).length >= 2);
      // x and y are core 0's stores with a DMB between: y is never offered while x waits
      expect(points.some((p) => p.options.some((o) => o.startsWith('d0.')))).toBe(true);
      expect(both).toEqual([]);
    } finally {
      mp.dispose();
    }
  });
});

describe('a spin-table pen (arm64 style)', () => {
  it('without the DSB before SEV: relaxed deadlocks and names the DSB; sc passes', async () => {
    const relaxed = await run('spin-table-nodsb', { memory: 'relaxed', schedule: 'np' });
    expect(relaxed.outcome).toBe('deadlock');
    expect(relaxed.reorderings?.join('\n')).toMatch(/SEV at main\+0x\w+ by core 0 went ahead of its store to cpu_release_addr .*a DSB before it forbids this/);
    expect((await run('spin-table-nodsb', { memory: 'sc', schedule: 'np' })).outcome).toBe('pass');
  });

  it('with a DMB where the DSB belongs (dmb; sev): relaxed explores to a deadlock whose replay is exact; sc passes', async () => {
    const relaxed = await exhaustive('spin-table-dmb', 'relaxed');
    const f = relaxed.failures.find((x) => x.outcome === 'deadlock')!;
    expect(f.reorderings?.join('\n')).toMatch(/SEV at main\+0x\w+ by core 0 went ahead of its store to cpu_release_addr .*a DSB before it forbids this \(the DMB after the store orders memory accesses only\)/);
    const dir = out();
    for (const t of ['a', 'b']) {
      const r = await run('spin-table-dmb', { schedule: `replay:${f.replay}`, trace: join(dir, t) });
      expect(r.outcome).toBe('deadlock');
    }
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe(readFileSync(join(dir, 'a'), 'utf8'));
    const sc = await exhaustive('spin-table-dmb', 'sc');
    expect(sc.complete).toBe(true);
    expect(sc.failures).toEqual([]);
  });

  it('with the DSB: passes under both, in every explored schedule', async () => {
    for (const memory of ['sc', 'relaxed'] as const) expect((await exhaustive('spin-table', memory)).failures).toEqual([]);
  });

  it('replays a relaxed failure exactly: the same trace, byte for byte', async () => {
    const dir = out();
    await run('spin-table-nodsb', { memory: 'relaxed', schedule: 'np', saveSchedule: join(dir, 's') });
    expect(readFileSync(join(dir, 's'), 'utf8')).toMatch(/^memory: relaxed$/m);
    for (const t of ['a', 'b']) await run('spin-table-nodsb', { schedule: `replay:${join(dir, 's')}`, trace: join(dir, t) });
    const a = readFileSync(join(dir, 'a'), 'utf8');
    expect(a).toMatch(/ visible core=0 store=\d+ addr=0x\w+ addrSym="cpu_release_addr"/);
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe(a);
  });
});

describe('an SGI announcing a mailbox (gic_raise_softirq)', () => {
  const sgir = (dmb: boolean) => new RegExp(
    `^the write to GICD_SGIR at sgir by core 0 went ahead of its store to mailbox at main\\+0x\\w+, not yet visible; a DSB before it forbids this${
      dmb ? ' \\(the DMB after the store orders the register write, not the SGI it raises\\)' : ''}$`, 'm');

  for (const [name, dmb] of [['sgi-mailbox-dmb', true], ['sgi-mailbox-nobarrier', false]] as const) {
    it(`${name}: relaxed exhaustive and dpor find the handler reading a stale mailbox, name the SGIR write, replay it exactly; sc passes`, async () => {
      for (const strategy of ['exhaustive', 'dpor'] as const) {
        const r = await explore(fw(name), { strategy, out: out(), run: { memory: 'relaxed' } });
        const f = r.failures.find((x) => x.outcome === 'exit-failure')!;
        expect(f, strategy).toBeDefined();
        expect(f.reorderings?.join('\n'), strategy).toMatch(sgir(dmb));
        const dir = out();
        for (const t of ['a', 'b']) {
          const replay = await run(name, { schedule: `replay:${f.replay}`, trace: join(dir, t) });
          expect(replay.outcome, strategy).toBe('exit-failure');
          expect(replay.console, strategy).toContain('cpu1: mailbox stale, the SGI came first');
        }
        expect(readFileSync(join(dir, 'b'), 'utf8'), strategy).toBe(readFileSync(join(dir, 'a'), 'utf8'));
        const sc = await explore(fw(name), { strategy, out: out(), run: { memory: 'sc' } });
        expect(sc.complete, `${strategy} sc`).toBe(true);
        expect(sc.failures, `${strategy} sc`).toEqual([]);
      }
    });
  }

  it('with the DSB before the SGIR write: passes under both, and dpor covers every class', async () => {
    for (const memory of ['sc', 'relaxed'] as const) {
      expect((await exhaustive('sgi-mailbox', memory)).failures, memory).toEqual([]);
      const dpor = await explore(fw('sgi-mailbox'), { strategy: 'dpor', out: out(), run: { memory } });
      expect(dpor.complete, memory).toBe(true);
      expect(dpor.failures, memory).toEqual([]);
    }
    expect((await run('sgi-mailbox', { memory: 'relaxed' })).console).toContain('cpu1: mailbox 0x5a5a0001');
  });

  it('a note names a GIC register by its register map, another device register by its address and region', () => {
    const session = new ExploreSession(fw('sgi-mailbox'), { memory: 'relaxed' });
    try {
      const bus = session.machine.bus;
      expect(bus.deviceRegister(0x1e001f00)).toBe('GICD_SGIR');
      expect(bus.deviceRegister(0x1e001104)).toBe('GICD_ISENABLER1');
      expect(bus.deviceRegister(0x1e000110)).toBe('GICC_EOIR');
      expect(bus.deviceRegister(0x1e001ffc)).toBe('device register 0x1e001ffc (gic)'); // no register there
      expect(bus.deviceRegister(0x10009000)).toBe('device register 0x10009000 (uart0)');
    } finally {
      session.dispose();
    }
  });
});

describe('hotplug: leaving the coherency domain (vexpress cpu_enter_lowpower)', () => {
  it('with the flush after clearing ACTLR.SMP: relaxed finds the context lost; sc passes', async () => {
    expect((await exhaustive('hotplug-late-flush', 'sc')).failures).toEqual([]);
    const r = await exhaustive('hotplug-late-flush', 'relaxed');
    const lost = r.failures.find((f) => f.outcome === 'exit-failure')!;
    expect(lost.reorderings?.join('\n')).toMatch(/cache wrote back its store to offline .* before its store to context .*outside the coherency domain/);
    expect((await run('hotplug-late-flush', { schedule: `replay:${lost.replay}` })).console).toContain('context lost');
  });

  it('with the flush first: passes under both', async () => {
    for (const memory of ['sc', 'relaxed'] as const) expect((await exhaustive('hotplug', memory)).failures).toEqual([]);
  });
});

describe("a non-coherent core's loads: its own stale lines until it invalidates them", () => {
  it('polling with the D-cache on outside the domain: relaxed deadlocks on the stale copy, exactly replayed; sc passes', async () => {
    const r = await exhaustive('stale-poll', 'relaxed');
    const f = r.failures.find((x) => x.outcome === 'deadlock')!;
    expect(f.reorderings?.join('\n')).toMatch(/core 1 read pen_release at secondary_main\+0x\w+ from a stale line of its own cache.*invalidate the line \(DCIMVAC\)/);
    const dir = out();
    for (const t of ['a', 'b']) expect((await run('stale-poll', { schedule: `replay:${f.replay}`, trace: join(dir, t) })).outcome).toBe('deadlock');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe(readFileSync(join(dir, 'a'), 'utf8'));
    expect((await exhaustive('stale-poll', 'sc')).failures).toEqual([]);
  });

  it('with DCIMVAC before each read: passes under both', async () => {
    for (const memory of ['sc', 'relaxed'] as const) {
      const r = await exhaustive('stale-poll-inval', memory);
      expect(r.complete, memory).toBe(true);
      expect(r.failures, memory).toEqual([]);
    }
  });
});

describe('kexec: a new kernel with no barrier between pen_entry and pen_release', () => {
  // found by `explore --strategy exhaustive --memory relaxed`; written here so the test stays fast
  const schedule = (extra: string) => `# penlab schedule v1\nthen: np\nmemory: relaxed\n${extra}\n`;

  it('fails under relaxed when the release drains first and the pen wakes early, naming the missing barrier', async () => {
    const dir = out();
    const probe = await run('kexec-notify-ack-nodmb', { memory: 'relaxed', schedule: 'np', trace: join(dir, 'np') });
    expect(probe.outcome).toBe('pass');
    // the two buffered stores of the new kernel, by number, from the trace of the default run
    const stores = [...readFileSync(join(dir, 'np'), 'utf8').matchAll(/visible core=0 store=(\d+) addr=\S+ addrSym="(pen_entry|pen_release)"/g)];
    const release = stores.find((m) => m[2] === 'pen_release')![1];
    const entry = stores.find((m) => m[2] === 'pen_entry')![1];
    expect(Number(entry)).toBeLessThan(Number(release!));
    // run np until cpu0 waits at the DSB after both stores, then drain the release first and let the pen look again
    const dsb = await run('kexec-notify-ack-nodmb', { memory: 'relaxed', schedule: 'np', saveSchedule: join(dir, 'full') });
    expect(dsb.outcome).toBe('pass');
    const decisions = Schedule.parse(readFileSync(join(dir, 'full'), 'utf8'), 'full', 2).decisions;
    const at = decisions.findIndex((d) => 'drain' in d && d.store === Number(entry));
    const prefix = new Schedule(decisions.slice(0, at)).toString();
    // the pen had read pen_release just before: it runs to its WFE (3 steps), which ends early
    writeFileSync(join(dir, 'bad'), schedule(`${prefix} d0.${release} 1:3 w1`));
    const r = await run('kexec-notify-ack-nodmb', { schedule: `replay:${join(dir, 'bad')}`, trace: join(dir, 't1') });
    expect(r.outcome).not.toBe('pass');
    expect(r.reorderings?.join('\n')).toMatch(/^store to pen_release at \S+ became visible before store to pen_entry at \S+; a DMB between them forbids this$/m);
    await run('kexec-notify-ack-nodmb', { schedule: `replay:${join(dir, 'bad')}`, trace: join(dir, 't2') });
    expect(readFileSync(join(dir, 't2'), 'utf8')).toBe(readFileSync(join(dir, 't1'), 'utf8'));
    // the same decisions cannot be taken on the correct firmware: its DSB drained pen_entry already
    expect(await run('kexec-notify-ack-nodmb', { memory: 'sc', schedule: 'np' }).then((x) => x.outcome)).toBe('pass');
  });

  it('the correct notify-ack passes a relaxed PCT sample and a relaxed random sample', async () => {
    for (const strategy of ['pct', 'random'] as const) {
      const r = await explore(fw('kexec-notify-ack'), { strategy, runs: 30, out: out(), run: { memory: 'relaxed' } });
      expect(r.failures, strategy).toEqual([]);
    }
  });
});

describe('--memory on the command line', () => {
  it('says which model a verdict holds under, and refuses an unknown one', () => {
    const ok = penlab('run', fw('litmus-sb'), '--memory', 'relaxed', '--schedule', 'np', '--json');
    expect(JSON.parse(ok.stdout).memory).toBe('relaxed');
    expect(JSON.parse(penlab('run', fw('litmus-sb'), '--json').stdout).memory).toBe('sc');
    const bad = penlab('run', fw('litmus-sb'), '--memory', 'tso');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--memory tso/);
  });

  it('parses and prints drain tokens, plain and as switches', () => {
    const s = Schedule.parse('0:3 d1.4 0#12>d0.2 w1', 'x', 2);
    expect(s.toString()).toBe('0:3 d1.4 0#12>d0.2 w1');
    expect(() => Schedule.parse('d2.1', 'x', 2)).toThrow(/no core 2/);
  });
});
