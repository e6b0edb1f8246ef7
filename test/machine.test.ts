import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineEvent } from '../src/machine/events.js';
import { fw, run } from './helpers.js';

const PINGPONG = 'ping 1\npong 1\nping 2\npong 2\nping 3\npong 3\nping 4\npong 4\nping 5\npong 5\npingpong ok\n';

describe('SGI ping-pong through the GIC', () => {
  it('passes under rr', async () => {
    const r = await run('sgi-pingpong');
    expect(r.outcome).toBe('pass');
    expect(r.exitCode).toBe(0);
    expect(r.console).toBe(PINGPONG);
    expect(r.cores.map((c) => c.state)).toEqual(['halted', 'wfi']);
  });

  it('passes with the same transcript under 50 random seeds', async () => {
    const switches = new Set<number>();
    for (let seed = 1; seed <= 50; seed++) {
      const r = await run('sgi-pingpong', { schedule: `random:${seed}` });
      expect(r.outcome, `seed ${seed}`).toBe('pass');
      expect(r.console, `seed ${seed}`).toBe(PINGPONG);
      switches.add(r.switches);
    }
    // the seeds really schedule differently
    expect(switches.size).toBeGreaterThan(10);
  });

  it('delivers SGIs as IRQ exceptions and acknowledges them through IAR/EOIR', async () => {
    const events: MachineEvent[] = [];
    const r = await run('sgi-pingpong', { observers: [{ event: (e) => { events.push(e); } }] });
    expect(r.outcome).toBe('pass');
    const sgis = events.filter((e) => e.kind === 'sgi');
    const entries = events.filter((e) => e.kind === 'exception-entry' && e.exception === 'irq');
    const iars = events.filter((e) => e.kind === 'iar');
    const eois = events.filter((e) => e.kind === 'eoi');
    const returns = events.filter((e) => e.kind === 'exception-return');
    expect(returns.length).toBe(entries.length); // every handler returns (SUBS PC, LR, #4)
    expect(sgis).toHaveLength(10);
    expect(entries.length).toBeGreaterThanOrEqual(10);
    expect(iars).toHaveLength(10);
    expect(eois).toHaveLength(10);
    for (const e of iars) if (e.kind === 'iar') expect(e.source).toBe(1 - e.core); // source CPU in IAR[12:10]
  });
});

describe('GIC registers (firmware self-checks)', () => {
  it('reports IAR source bits, spurious 1023, active until EOI, priority masking and SGIR filters', async () => {
    const r = await run('gic-regs');
    expect(r.outcome).toBe('pass');
    for (const check of ['typer-cpus', 'iar-idle-spurious 0x000003ff', 'sgi-from-cpu1-iar 0x00000403', 'active-after-iar 0x00000001',
      'inactive-after-eoi 0x00000000', 'pmr-masked-iar-spurious 0x000003ff', 'pmr-masked-pending', 'pmr-open-hppir', 'pmr-open-iar',
      'filter-self-cpu0-iar', 'filter-others-cpu1-iar', 'filter-list-cpu0-iar', 'filter-list-cpu1-iar']) {
      expect(r.console).toContain(`ok ${check}`);
    }
    expect(r.console).not.toContain('FAIL');
  });
});

describe('events, sleep and wake', () => {
  it('WFE sleeps and SEV wakes it (event register)', async () => {
    const events: MachineEvent[] = [];
    const r = await run('wfe-sev', { observers: [{ event: (e) => { events.push(e); } }] });
    expect(r.outcome).toBe('pass');
    expect(r.console).toBe('go 1\nack 1\ngo 2\nack 2\ngo 3\nack 3\nwfe-sev ok\n');
    expect(events.some((e) => e.kind === 'sleep' && e.how === 'wfe')).toBe(true);
    expect(events.some((e) => e.kind === 'wake' && e.how === 'wfe' && e.why === 'event')).toBe(true);
    expect(events.filter((e) => e.kind === 'sev').length).toBeGreaterThanOrEqual(3);
  });

  it('WFI wakes on a pending interrupt even while CPSR.I masks it', async () => {
    const events: MachineEvent[] = [];
    const r = await run('wfi-masked', { observers: [{ event: (e) => { events.push(e); } }] });
    expect(r.outcome).toBe('pass');
    expect(r.console).toContain('cpu1 woke with irqs masked, iar 0x00000001');
    expect(events.some((e) => e.kind === 'wake' && e.core === 1 && e.how === 'wfi' && e.why === 'irq')).toBe(true);
    // masked: the wake is not an exception entry on core 1
    expect(events.some((e) => e.kind === 'exception-entry' && e.core === 1)).toBe(false);
  });

  it('detects a livelock at once when both cores poll words nothing will change', async () => {
    const r = await run('livelock', { maxSteps: 1_000_000 });
    expect(r.outcome).toBe('livelock');
    expect(r.steps).toBeLessThan(10_000);
  });

  it('detects a deadlock (not a timeout) when both cores WFI with nothing pending', async () => {
    const r = await run('deadlock', { maxSteps: 1_000_000 });
    expect(r.outcome).toBe('deadlock');
    expect(r.steps).toBeLessThan(10_000);
    expect(r.cores.map((c) => c.state)).toEqual(['wfi', 'wfi']);
  });
});

describe('cores', () => {
  it('gives each core its own MPIDR', async () => {
    const r = await run('mpidr');
    expect(r.outcome).toBe('pass');
    expect(r.console).toBe('cpu0 mpidr 0x80000000\ncpu1 mpidr 0x80000001\nmpidr ok\n');
  });

  it('runs Thumb-2 code (MRC, IT blocks, SVC 0xAB semihosting)', async () => {
    for (const schedule of ['rr', 'random:3', 'random:11']) {
      const r = await run('thumb2', { schedule });
      expect(r.outcome, schedule).toBe('pass');
      expect(r.console).toBe('thumb2: cpu0 mpidr ok\nthumb2: cpu1 mpidr ok\nthumb2 ok\n');
    }
  });

  it('keeps code coherent across cores: core 1 runs the instruction core 0 rewrote', async () => {
    const r = await run('smc-coherence', { noChecks: true });
    expect(r.outcome).toBe('pass');
    expect(r.console).toContain('cpu1 stores 2');
  });

  it('reports a failing semihosting exit, an undefined instruction under --fault-on-exception and an unmapped access', async () => {
    const fail = await run('exit-failure');
    expect(fail.outcome).toBe('exit-failure');
    expect(fail.exitCode).toBe(1);
    const undef = await run('fault-undef', { faultOnException: true });
    expect(undef.outcome).toBe('fault');
    expect(undef.message).toMatch(/core 0: undefined instruction 0xe7f000f0 at 0x[0-9a-f]{8} \(udf_insn\)/);
    const unmapped = await run('fault-unmapped');
    expect(unmapped.outcome).toBe('fault');
    expect(unmapped.message).toMatch(/UNMAPPED.*address 0x80000000/);
  });
});

describe('devices', () => {
  it('stops at an access to a register no device decodes, naming it and its address', async () => {
    const r = await run('undecoded');
    expect(r.outcome).toBe('fault');
    expect(r.message).toMatch(/^core 0: write of undecoded register GIC distributor \+0xf04 \(address 0x1e001f04\) at step \d+$/);
  });
});

describe('schedules', () => {
  it('replays a random run exactly from its saved schedule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'penlab-'));
    const file = join(dir, 'r.schedule');
    const a = await run('wfe-sev', { schedule: 'random:7', saveSchedule: file });
    expect(readFileSync(file, 'utf8')).toMatch(/^# penlab schedule v1/);
    const b = await run('wfe-sev', { schedule: `replay:${file}` });
    // the same run; only how it was asked for differs
    expect({ ...b, schedule: a.schedule, command: a.command }).toEqual(a);
    expect(b.command).toBe(`penlab run ${fw('wfe-sev')} --schedule replay:${file}`);
    expect(b.replayFile).toBe(file);
  });

  it('is deterministic: the same schedule gives the same result', async () => {
    const a = await run('sgi-pingpong', { schedule: 'random:99', quantum: 3 });
    const b = await run('sgi-pingpong', { schedule: 'random:99', quantum: 3 });
    expect(b).toEqual(a);
  });

  it('stops at the step budget with a timeout', async () => {
    const r = await run('sgi-pingpong', { maxSteps: 100 });
    expect(r.outcome).toBe('timeout');
    expect(r.steps).toBe(100);
  });
});
