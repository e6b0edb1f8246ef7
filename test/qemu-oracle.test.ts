/**
 * QEMU as an oracle: each deterministic firmware program must print the same
 * console transcript and exit with the same status on penlab and on
 * `qemu-system-arm -M vexpress-a9 -smp 2 -semihosting` (firmware/qemu-run.sh).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fw, ROOT, run } from './helpers.js';

const PROGRAMS: [string, { noChecks?: boolean }][] = [
  ['sgi-pingpong', {}], ['wfe-sev', {}], ['thumb2', {}], ['gic-regs', {}], ['wfi-masked', {}], ['mpidr', {}],
  // rewriting code another core runs is a clobber by definition; here it is the point
  ['smc-coherence', { noChecks: true }],
  ['sysflags-pen', {}], ['exit-failure', {}], ['exit-extended', {}],
  // the kexec hand-over itself (the variants QEMU can run: no penlab power controller).
  // QEMU runs straight past notify's window, as the round-robin run does
  ['kexec-notify', {}], ['kexec-notify-ack', {}],
  // time: every timer of the board on the virtual clock (transcripts print only ordering facts)
  ['timer-24mhz', {}], ['global-timer', {}], ['private-timer', {}], ['sp804', {}],
  ['pl310', {}],
  // exceptions entered through the firmware's own vectors
  ['exceptions', {}], ['fault-undef', {}],
  // a pen whose wait is bounded by the global timer, as udelay() bounds one
  ['timed-pen', {}],
];

function qemu(name: string): { status: number | null; stdout: string } {
  const r = spawnSync(join(ROOT, 'firmware', 'qemu-run.sh'), [fw(name)], { encoding: 'latin1', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout };
}

describe('penlab and QEMU vexpress-a9 agree', () => {
  it('has qemu-system-arm (make setup installs it)', () => {
    const v = spawnSync('qemu-system-arm', ['--version'], { encoding: 'utf8' });
    expect(v.status, 'qemu-system-arm missing: run make setup').toBe(0);
  });

  it.each(PROGRAMS)('%s prints the same transcript and exits the same', async (name, opts) => {
    const q = qemu(name);
    const p = await run(name, opts);
    expect(p.console).toBe(q.stdout);
    expect(p.exitCode).toBe(q.status);
    expect(p.outcome).toBe(q.status === 0 ? 'pass' : 'exit-failure');
  });
});
