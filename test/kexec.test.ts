import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demo, formatDemo } from '../src/demo.js';
import { loadFirmware } from '../src/elf/elf.js';
import { vexpressA9 } from '../src/machine/board.js';
import { penlabMatchers } from '../src/testing/matchers.js';
import { fw, ROOT, run } from './helpers.js';

beforeAll(() => {
  expect.extend(penlabMatchers);
});

const delay = (variant: string) => `replay:${join(ROOT, 'firmware', 'kexec', `${variant}-delay.schedule`)}`;
const HANDOVER = ['old kernel: cpu1 online', 'kexec: stopping cpu1', 'kexec: cpu1 offline', 'kexec: Bye!', 'new kernel: booted', 'new kernel: cpu1 checked in'];

describe('kexec none (mainline 3.7): cpu1 spins in the old kernel', () => {
  it('is clobbered under rr and 20 random seeds, by relocate_new_kernel, with core 1 the victim', async () => {
    for (const schedule of ['rr', ...Array.from({ length: 20 }, (_, i) => `random:${i + 1}`)]) {
      const r = await run('kexec-none', { schedule });
      expect(r.outcome, schedule).toBe('clobber');
      expect(r).toClobber({ victim: 1, writer: 0, writerSymbol: 'relocate_' });
      const h = r.hazards[0]!;
      expect(h.writer.pc).toMatch(/^0x48/); // the control page in SRAM
      expect(Number(h.address)).toBeGreaterThanOrEqual(0x60000000);
      expect(h.instruction).toBeTruthy(); // the instruction the write destroyed, disassembled
    }
  });

  it('lists every hazard with --continue-after-hazard', async () => {
    const r = await run('kexec-none', { continueAfterHazard: true });
    expect(r.hazards.length).toBeGreaterThan(10);
    expect(new Set(r.hazards.map((h) => h.address)).size).toBe(r.hazards.length);
  });
});

describe('kexec notify (the RFC as posted)', () => {
  it('passes under rr with the whole hand-over on the console', async () => {
    const r = await run('kexec-notify');
    expect(r.outcome).toBe('pass');
    for (const line of HANDOVER) expect(r.console).toContain(line);
    expect(r).toHaveNoHazards();
  });

  it('is clobbered when cpu1 is delayed between going offline and reaching the pen', async () => {
    const r = await run('kexec-notify', { schedule: delay('notify') });
    expect(r.outcome).toBe('clobber');
    expect(r).toClobber({ victim: 1, writerSymbol: 'relocate_' });
    expect(r.hazards[0]!.victim.symbol).toMatch(/^cpu_stop_offline/);
    expect(r.cores[1]!.state).toBe('running');
  });

  it('restarts tracking where --safe says a core entered safe memory', async () => {
    const image = loadFirmware(fw('kexec-notify'), vexpressA9());
    const from = image.symbol('cpu_stop_offline')!.address;
    const plain = await run('kexec-notify', { schedule: delay('notify') });
    const safe = await run('kexec-notify', { schedule: delay('notify'), safe: [[image.symbol('ipi_cpu_stop')!.address, from + 0x100]] });
    expect(Number(plain.hazards[0]!.address)).toBeLessThan(image.symbol('ipi_cpu_stop')!.address);
    // boot code run before entering the declared safe range no longer counts
    expect(Number(safe.hazards[0]!.address)).toBeGreaterThanOrEqual(image.symbol('ipi_cpu_stop')!.address);
  });
});

describe.each(['notify-ack', 'cpu-kill'])('kexec %s', (variant) => {
  it('passes under rr, the delaying schedule and 100 random seeds', async () => {
    const transcripts = new Set<string>();
    for (const schedule of ['rr', delay(variant), ...Array.from({ length: 100 }, (_, i) => `random:${i + 1}`)]) {
      const r = await run(`kexec-${variant}`, { schedule, quantum: schedule.startsWith('random') ? 1 + (Number(schedule.slice(7)) % 4) : 1 });
      expect(r.outcome, schedule).toBe('pass');
      expect(r).toHaveNoHazards();
      transcripts.add(r.console);
    }
    expect(transcripts.size).toBe(1);
    const [console] = transcripts;
    for (const line of HANDOVER) expect(console).toContain(line);
    expect(console).toContain(variant === 'cpu-kill' ? 'kexec: cpu1 powered off' : 'kexec: cpu1 in the pen');
  });

  it('reports cpu1 as "pen" while it waits in the holding pen', async () => {
    const r = await run(`kexec-${variant}`, { maxSteps: 6000 });
    expect(r.outcome).toBe('timeout');
    if (variant === 'notify-ack') expect(r.cores[1]!.state).toBe('pen');
    else expect(r.cores[1]!.state).toBe('off');
  });

  it('also passes with --strict-code-sync (the pen synchronizes before running copied code)', async () => {
    const r = await run(`kexec-${variant}`, { strictCodeSync: true });
    expect(r.outcome).toBe('pass');
  });
});

describe('code written while it runs', () => {
  it('reports a copy loop that overwrites its own next instructions as stale code', async () => {
    const r = await run('copy-self');
    expect(r.outcome).toBe('stale-code');
    const h = r.hazards[0]!;
    expect(h.victim.core).toBe(0);
    expect(h.writer.core).toBe(0);
    expect(h.addressSymbol).toMatch(/^site2/); // site1 is patched and followed by an ISB: fine
  });

  it('does not call data written beside code a clobber', async () => {
    for (const schedule of ['rr', 'random:1', 'random:2', 'np']) {
      const r = await run('data-near-code', { schedule });
      expect(r.outcome, schedule).toBe('pass');
      expect(r).toHaveNoHazards();
    }
  });
});

describe('the demo', () => {
  it('prints the verdict table the README shows', async () => {
    const rows = await demo({ out: join(ROOT, 'out', 'test-demo') });
    expect(rows.map((r) => [r.variant, r.verdict])).toEqual([['none', 'unsafe'], ['notify', 'unsafe'], ['notify-ack', 'safe'], ['cpu-kill', 'safe']]);
    expect(rows.every((r) => r.expected)).toBe(true);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = formatDemo(rows).split('\n\n')[0]!;
    expect(readme).toContain(table);
  });
});
