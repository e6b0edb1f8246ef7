/**
 * Machine snapshots and the checkpoints exploration goes on from: restoring
 * a snapshot and going on is the same as running from reset to there — the
 * same machine state at the same decision, the same results, schedules,
 * verdicts and replay files.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initDisassembler } from '../src/disasm.js';
import { explore } from '../src/explore/explore.js';
import { dpor, freshDpor } from '../src/explore/dpor.js';
import { exhaustive } from '../src/explore/exhaustive.js';
import { LocalExecutor } from '../src/explore/pool.js';
import { ExploreSession, type RunRecord } from '../src/explore/session.js';
import { freshState } from '../src/explore/state.js';
import { disposeSnapshot, type Machine, type MachineSnapshot } from '../src/machine/machine.js';
import { saveState } from '../src/machine/state.js';
import { loadFirmware } from '../src/elf/elf.js';
import { vexpressA9 } from '../src/machine/board.js';
import { UC } from '../src/machine/native.js';
import { prepareMachine, runOn } from '../src/run.js';
import { earlyWakes } from '../src/scheduler/early-wake.js';
import { ChoicePolicy } from '../src/scheduler/policies/choices.js';
import type { LoopState } from '../src/scheduler/scheduler.js';
import { fw } from './helpers.js';

/** everything a run's future depends on, hashed: registers of every mode, RAM, reader bits, epochs, devices, detectors */
function fingerprint(m: Machine): string {
  const h = createHash('sha256');
  const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : x instanceof Map || x instanceof Set ? [...x] : typeof x === 'bigint' ? String(x) : x));
  for (const c of m.cores) {
    const regs = Array.from({ length: 16 }, (_, i) => c.reg(i));
    h.update(json([regs, c.cpsr, c.native.readCp15(1, 0, 0, 0), c.native.readCp15(12, 0, 0, 0)]));
  }
  const n = m.bus.native;
  for (const ram of m.bus.ram) h.update(ram.bytes);
  h.update(n.dirty.flags).update(n.readers.flags);
  for (let g = 0; g < n.readers.flags.length; g++) if (n.readers.has(g)) h.update(n.wordReaders.subarray(g * 1024, (g + 1) * 1024));
  h.update(json([n.epoch, n.seenEpoch, saveState(m), (m as unknown as { held: Parameters<typeof saveState>[0][] }).held.map(saveState)]));
  return h.digest('hex');
}

/** a choices run (exhaustive's policy) along `prefix`; the fingerprint at decision `at`, and a snapshot there if asked */
interface Taken { s: MachineSnapshot; loop: LoopState; points: ChoicePolicy['points'] }

function runTo(m: Machine, prefix: string[], at: number, snap = false, resume?: Taken) {
  const policy = new ChoicePolicy(prefix, earlyWakes(m));
  let print = '';
  let taken: Taken | undefined;
  if (resume) {
    m.restore(resume.s);
    policy.resumeAt(resume.points);
  }
  const { result, schedule } = runOn(m, policy, {}, {
    ...(resume ? { resume: resume.loop } : {}),
    atDecision: (d, _steps, save) => {
      if (d !== at) return;
      print = fingerprint(m);
      if (snap) taken = { s: m.snapshot(), loop: save(), points: policy.points.map((p) => ({ ...p })) };
    },
  });
  return { result, schedule: schedule().toString(), print, taken, points: policy.points };
}

describe('a machine snapshot is the run from reset to the same point', () => {
  const cases: [string, string[]][] = [
    ['kexec-notify-ack', ['0', '0', '1', '1', '0', '1', '0', '1', '1', '0', '1']],
    ['global-timer', ['1', '0', '1', '0', '1']],
    ['lost-wakeup', ['1', '0', '1', '1', '0', '0', '1']],
    ['sgi-pingpong', ['0', '1', '0', '1', '1', '0']],
  ];
  for (const [name, prefix] of cases) {
    it(`${name}: same state at a later decision, same result and schedule`, async () => {
      await initDisassembler();
      const session = new ExploreSession(fw(name), { checkpointSteps: 0 });
      const m = session.machine;
      try {
        const at = 3;
        const later = prefix.length;
        // from reset: the snapshot at `at`, then the fingerprint at `later`
        const first = runTo(m, prefix, at, true);
        expect(first.taken).toBeDefined();
        const straight = runTo(m, prefix, later);
        // from the snapshot: the same fingerprint at `later`, and the same ending
        const resumed = runTo(m, prefix, later, false, first.taken);
        expect(resumed.print).toBe(straight.print);
        expect(resumed.result).toEqual(straight.result);
        expect(resumed.schedule).toBe(straight.schedule);
        expect(resumed.points).toEqual(straight.points);
        // and restoring twice gives the same again (a snapshot is not consumed)
        const again = runTo(m, prefix, later, false, first.taken);
        expect(again.print).toBe(straight.print);
        disposeSnapshot(first.taken!.s);
      } finally {
        session.dispose();
      }
    });
  }

  it('a restore brings back SCTLR.A for the stepper too: the alignment fault after it is taken again', () => {
    // the stepper keeps SCTLR between runs; a restore must make it read it again
    const image = loadFirmware(fw('exceptions'), vexpressA9());
    const kinds: string[] = [];
    const m = prepareMachine(image, { observers: [{ event: (e) => { if (e.kind === 'exception-entry') kinds.push(e.exception); } }] });
    try {
      const load = image.symbol('align_insn')!.address;
      m.runCore(0, 100_000, false, load);
      expect(m.cores[0]!.pc).toBe(load);
      expect(m.cores[0]!.native.readCp15(1, 0, 0, 0) & 2).toBe(2);
      const s = m.snapshot();
      m.runCore(0, 100_000, false); // to the exit, which turns alignment checking off again
      expect(m.ending).toMatchObject({ outcome: 'exit', exitCode: 0 });
      expect(m.cores[0]!.native.readCp15(1, 0, 0, 0) & 2).toBe(0);
      kinds.length = 0;
      m.restore(s);
      m.runCore(0, 1, false);
      expect(kinds).toEqual(['dabt']);
      disposeSnapshot(s);
    } finally {
      m.dispose();
    }
  });

  it('the stepper starts a run where a register write or a restore put the PC, not where its last run ended', () => {
    // the stepper keeps each core's PC and CPSR from the end of its last run; both ways of changing them must reach it
    const image = loadFirmware(fw('exceptions'), vexpressA9());
    const m = prepareMachine(image, {});
    try {
      const main = image.symbol('main')!.address;
      const check = image.symbol('check')!.address;
      m.runCore(0, 100_000, false, main);
      const s = m.snapshot();
      m.runCore(0, 3, false);
      m.cores[0]!.jump(check);
      m.runCore(0, 1, false);
      expect(m.cores[0]!.native.readReg(UC.REG_PC)).toBe(check + 4);
      m.restore(s);
      m.runCore(0, 1, false);
      expect(m.cores[0]!.native.readReg(UC.REG_PC)).toBe(main + 4);
      disposeSnapshot(s);
    } finally {
      m.dispose();
    }
  });

  it('the fingerprint sees a register, a RAM byte, a device and the clock (the comparison can fail)', async () => {
    await initDisassembler();
    const session = new ExploreSession(fw('global-timer'), { checkpointSteps: 0 });
    const m = session.machine;
    try {
      const { taken } = runTo(m, ['1', '0', '1'], 2, true);
      const base = () => { m.restore(taken!.s); return fingerprint(m); };
      const ref = base();
      expect(base()).toBe(ref);
      const changed: string[] = [];
      const probe = (what: string, poke: () => void) => { base(); poke(); if (fingerprint(m) !== ref) changed.push(what); };
      probe('register', () => m.cores[1]!.setReg(4, m.cores[1]!.reg(4) + 1));
      probe('ram', () => { const r = m.bus.ram[1]!; r.bytes[0x1000] = r.bytes[0x1000]! ^ 1; });
      probe('device', () => { m.gic.distributor.write(0, 0, 4, 1); });
      probe('clock', () => { m.clock.idle += 5; });
      probe('core state', () => { m.cores[0]!.event = !m.cores[0]!.event; });
      expect(changed).toEqual(['register', 'ram', 'device', 'clock', 'core state']);
      disposeSnapshot(taken!.s);
    } finally {
      session.dispose();
    }
  });

  it('refuses a snapshot under --memory relaxed (store buffers are not held)', async () => {
    await initDisassembler();
    const session = new ExploreSession(fw('litmus-mp'), { memory: 'relaxed' });
    try {
      expect(session.checkpoints).toBeUndefined();
      session.machine.memoryModel = 'relaxed';
      session.machine.reset();
      expect(() => session.machine.snapshot()).toThrow(/sequentially consistent memory only/);
    } finally {
      session.dispose();
    }
  });
});

/** every record a search produced, in order, with and without checkpoints */
async function search(name: string, strategy: 'dpor' | 'exhaustive', checkpointSteps: number): Promise<{ records: string[]; resumed: number }> {
  await initDisassembler();
  const session = new ExploreSession(fw(name), { checkpointSteps });
  const exec = new LocalExecutor(session);
  const records: string[] = [];
  let n = 0;
  const tally = (r: RunRecord) => { n++; records.push(JSON.stringify([r.decisions, r.schedule, r.result, r.dpor, r.points, r.diverged])); return true; };
  try {
    if (strategy === 'dpor') await dpor(exec, freshDpor(), { cap: 100_000, cores: 2, tally, schedules: () => n, save: () => {} });
    else await exhaustive(exec, freshState('x', ''), { bound: 1, cap: 150, shard: 0, shards: 1, tally, save: () => {} });
    return { records, resumed: session.checkpoints?.resumed ?? 0 };
  } finally {
    session.dispose();
  }
}

describe('exploration goes on from checkpoints with the same results as from reset', () => {
  const cases: [string, 'dpor' | 'exhaustive'][] = [
    ['kexec-notify-ack', 'dpor'], ['kexec-notify', 'dpor'], ['lost-wakeup', 'dpor'], ['boot-secondary', 'dpor'],
    ['kexec-cpu-kill', 'exhaustive'], ['release-order', 'exhaustive'], ['sgi-pingpong', 'exhaustive'], ['timed-pen', 'exhaustive'], ['private-timer', 'exhaustive'],
  ];
  for (const [name, strategy] of cases) {
    it(`${strategy} on ${name}: every run's record identical`, async () => {
      const fromReset = await search(name, strategy, 0);
      const fromCheckpoints = await search(name, strategy, 50);
      expect(fromCheckpoints.resumed).toBeGreaterThan(0);
      expect(fromCheckpoints.records.length).toBe(fromReset.records.length);
      for (let i = 0; i < fromReset.records.length; i++) expect(fromCheckpoints.records[i], `run ${i}`).toBe(fromReset.records[i]);
    }, 120_000);
  }

  it('the verdict, the JSON and the replay files are the same (dpor finds the notify clobber either way)', async () => {
    const out = (k: string) => mkdtempSync(join(tmpdir(), `penlab-snap-${k}-`));
    const a = await explore(fw('kexec-notify'), { strategy: 'dpor', out: out('a'), run: { checkpointSteps: 0 } });
    const b = await explore(fw('kexec-notify'), { strategy: 'dpor', out: out('b'), run: { checkpointSteps: 50 } });
    expect(a.failures.length).toBeGreaterThan(0);
    const strip = (r: typeof a) => ({ ...r, failures: r.failures.map((f) => ({ ...f, replay: '', command: '' })) });
    expect(strip(b)).toEqual(strip(a));
    for (const [i, f] of a.failures.entries()) expect(readFileSync(b.failures[i]!.replay, 'utf8')).toBe(readFileSync(f.replay, 'utf8'));
  }, 120_000);
});
