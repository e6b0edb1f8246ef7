import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fw, penlab } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'penlab-cli-'));
const good = readFileSync(fw('mpidr'));

function variant(name: string, patch: (b: Buffer) => Buffer): string {
  const b = patch(Buffer.from(good));
  const p = join(dir, `${name}.elf`);
  writeFileSync(p, b);
  return p;
}
const phoff = good.readUInt32LE(28);

const BAD: [string, string, RegExp][] = [
  ['missing', join(dir, 'nope.elf'), /cannot read firmware \(ENOENT\)/],
  ['garbage', variant('garbage', () => Buffer.from('this is not an ELF file at all, not even close to one........')), /not an ELF file \(bad magic\)/],
  ['short', variant('short', (b) => b.subarray(0, 20)), /shorter than an ELF32 header/],
  ['64-bit', variant('elf64', (b) => { b[4] = 2; return b; }), /ELF class 64 is not supported/],
  ['big-endian', variant('be', (b) => { b[5] = 2; return b; }), /big-endian ELF is not supported/],
  ['x86', variant('x86', (b) => { b.writeUInt16LE(3, 18); return b; }), /ELF machine 3 is not ARM/],
  ['relocatable', variant('rel', (b) => { b.writeUInt16LE(1, 16); return b; }), /not an executable/],
  ['truncated', variant('trunc', (b) => b.subarray(0, phoff + 32 + 100)), /truncated/],
  ['outside RAM', variant('outside', (b) => { b.writeUInt32LE(0x80000000, phoff + 12); b.writeUInt32LE(0x80000000, phoff + 8); return b; }), /segment 0 at 0x80000000-0x[0-9a-f]+ is outside the board's RAM/],
  ['bad entry', variant('entry', (b) => { b.writeUInt32LE(0x70000000, 24); return b; }), /entry point 0x70000000 is not inside an executable segment/],
];

describe('bad input is refused with one line and exit code 2', () => {
  for (const [what, path, message] of BAD) {
    it(`refuses a ${what} firmware file`, () => {
      const r = penlab('run', path, '--json');
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(path);
      expect(lines[0]).toMatch(message);
    });
  }

  it.each([
    [['--quantum', '0'], /--quantum/],
    [['--schedule', 'bogus'], /--schedule bogus: unknown policy/],
    [['--schedule', 'random:x'], /SEED must be/],
    [['--cores', '9'], /--cores 9: must be 1 to 4/],
    [['--max-steps', 'many'], /--max-steps must be an integer/],
    [['--safe', '0x2:0x1'], /START:END/],
    [['--schedule', `replay:${join(dir, 'missing.schedule')}`], /missing.schedule: cannot read schedule/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('refuses %j', (args, message) => {
    const r = penlab('run', fw('mpidr'), ...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('refuses output paths it cannot write, without hanging', () => {
    const t = penlab('run', fw('mpidr'), '--trace', '/nonexistent-dir/x.trace');
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/--trace \/nonexistent-dir\/x.trace: no directory/);
    const e = penlab('explore', fw('mpidr'), '--out', '/proc/penlab-nope', '--runs', '2');
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/--out \/proc\/penlab-nope: cannot create/);
  });

  it('refuses a replay schedule that names a core the board lacks', () => {
    const p = join(dir, 'bad.schedule');
    writeFileSync(p, '# penlab schedule v1\n0:10 7:5\n');
    const r = penlab('run', fw('mpidr'), '--schedule', `replay:${p}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad schedule token '7:5'/);
  });
});

describe('run command', () => {
  it('prints the JSON shape of docs/cli.md and exits 0 on pass', () => {
    const r = penlab('run', fw('sgi-pingpong'), '--schedule', 'random:7', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ outcome: 'pass', exitCode: 0, schedule: 'random:7', hazards: [] });
    expect(typeof j.steps).toBe('number');
    expect(j.cores).toHaveLength(2);
    expect(j.cores[0]).toEqual({ id: 0, pc: expect.stringMatching(/^0x[0-9a-f]{8}$/), symbol: expect.any(String), state: 'halted' });
  });

  it('exits 1 when a property fails and documents every option in --help', () => {
    expect(penlab('run', fw('deadlock')).status).toBe(1);
    const help = penlab('run', '--help');
    expect(help.status).toBe(0);
    for (const opt of ['--cores', '--schedule', '--quantum', '--max-steps', '--trace', '--json', '--safe', '--strict-code-sync', '--continue-after-hazard', '--save-schedule']) {
      expect(help.stdout).toContain(opt);
    }
  });

  it('writes a deterministic trace', () => {
    const a = join(dir, 'a.trace');
    const b = join(dir, 'b.trace');
    expect(penlab('run', fw('wfe-sev'), '--schedule', 'random:4', '--trace', a).status).toBe(0);
    expect(penlab('run', fw('wfe-sev'), '--schedule', 'random:4', '--trace', b).status).toBe(0);
    const ta = readFileSync(a, 'utf8');
    expect(ta).toBe(readFileSync(b, 'utf8'));
    expect(ta).toMatch(/^# penlab trace v1 text\n0 c[01] IT 0x60000000 [0-9a-f]{8} A svc _start : mrc p15, #0, r., c0, c0, #5 ; r.=0x8000000[01]\n/);
    expect(ta).toContain(' EV ');
    expect(ta).toContain(' sev ');
  });

  it('replays a run to a byte-identical trace, however its turns are merged', () => {
    const a = join(dir, 'kexec.trace');
    const b = join(dir, 'kexec-replay.trace');
    const s = join(dir, 'kexec.schedule');
    expect(penlab('run', fw('kexec-notify-ack'), '--schedule', 'random:2', '--quantum', '3', '--trace', a, '--save-schedule', s).status).toBe(0);
    expect(penlab('run', fw('kexec-notify-ack'), '--schedule', `replay:${s}`, '--trace', b).status).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
  });
});
