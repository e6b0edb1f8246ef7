/**
 * Traces as a CI regression signal (docs/traces.md): register deltas from the
 * stepper, both formats byte-identical run to run, gzip, filters and the
 * window, golden traces per kexec variant, and `trace diff` localising a
 * one-instruction edit of the pen.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { explore } from '../src/explore/explore.js';
import { diffTraces } from '../src/trace/diff.js';
import { render } from '../src/trace/formats.js';
import { readTrace } from '../src/trace/reader.js';
import type { InsnRecord, TraceRecord } from '../src/trace/record.js';
import { runFirmware, type RunOptions } from '../src/run.js';
import { fw, penlab, ROOT, run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'penlab-trace-'));
const at = (name: string) => join(tmp, name);
const read = (p: string) => readFileSync(p, 'utf8');

async function records(path: string): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  for await (const r of readTrace(path)) out.push(r.record);
  return out;
}

/** kexec.S with one edit, assembled and linked as firmware/Makefile does */
function editedKexec(name: string, variant: number, edit: (src: string) => string): string {
  const src = read(join(ROOT, 'firmware', 'kexec', 'kexec.S'));
  const changed = edit(src);
  expect(changed).not.toBe(src);
  const s = at(`${name}.S`);
  writeFileSync(s, changed);
  const lib = ['gic', 'print', 'start', 'sync', 'vectors'].map((l) => join(ROOT, 'firmware', 'build', 'lib', `${l}.o`));
  execFileSync('arm-none-eabi-as', ['-march=armv7-a', '-mcpu=cortex-a9', '-g', '--strip-local-absolute', '-I', join(ROOT, 'firmware', 'lib'),
    '--defsym', `VARIANT=${variant}`, '-o', at(`${name}.o`), s]);
  execFileSync('arm-none-eabi-ld', ['-T', join(ROOT, 'firmware', 'kexec', 'kexec.ld'), '-L', join(ROOT, 'firmware'), '-o', at(`${name}.elf`), at(`${name}.o`), ...lib], { cwd: join(ROOT, 'firmware') });
  return at(`${name}.elf`);
}

describe('trace records', () => {
  it('carry every register each instruction writes, also with the value it held, and none for a failed condition', async () => {
    await run('kexec-notify-ack', { trace: at('writes.trace') });
    const text = read(at('writes.trace'));
    // core 0 has r4 = 0: MLA writes r0 with the value it already held
    expect(text).toMatch(/\n4 c0 IT 0x60000008 .* ; r0=0x60000080 ; R4/);
    expect(text).toContain('\n14 c0 IT 0x6000001c e0200491 A svc _start+0x1c : mla r0, r1, r4, r0 ; r0=0x600007c0\n');
    // writeback and implicit writes: PUSH writes sp, BL lr; a failed condition writes nothing
    expect(text).toMatch(/: push \{r4, lr\} ; sp=0x[0-9a-f]{8} ; W4 /);
    expect(text).toMatch(/: bl #0x[0-9a-f]+ ; lr=0x[0-9a-f]{8}\n/);
    expect(text).toMatch(/: pop \{r4, pc\} ; r4=0x[0-9a-f]{8} sp=0x[0-9a-f]{8} ; R4 /);
    expect(text).toContain(' A svc _start+0x3c : addne r0, pc, #0x12c\n');
  });

  it('carry the registers each instruction changed, from the stepper and from trapped instructions', async () => {
    await run('kexec-notify-ack', { trace: at('ack.trace') });
    const text = read(at('ack.trace'));
    expect(text.split('\n')[0]).toBe('# penlab trace v1 text');
    // MRC MPIDR is trapped and executed in TypeScript; AND runs on the engine
    expect(text).toContain('1 c1 IT 0x60000000 ee104fb0 A svc _start : mrc p15, #0, r4, c0, c0, #5 ; r4=0x80000001');
    expect(text).toContain('3 c1 IT 0x60000004 e2044003 A svc _start+0x4 : and r4, r4, #3 ; r4=0x00000001');
    // a mode change shows in cpsr and in the next instruction's mode column
    expect(text).toMatch(/cps #0x12 ; sp=0x[0-9a-f]{8} cpsr=0x[0-9a-f]{6}d2\n.*\n?\d+ c\d IT \S+ \S+ A irq /);
    expect(text).toMatch(/ ; R4 0x60000060=0x60000080 dram\n/);
    expect(text).toMatch(/\d+ EV sgi core=0 targets=\[1\] id=6\n/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^# end records=\d+$/);
  });

  it('list device register accesses among the memory accesses, in their region', async () => {
    await run('kexec-cpu-kill', { trace: at('dev.jsonl'), traceFilter: ['addr=0x1e000000-0x1fffffff'] });
    const insns = (await records(at('dev.jsonl'))).filter((r): r is InsnRecord => r.kind === 'insn');
    const accesses = insns.flatMap((r) => (r.mem ?? []).map((m) => `${m.rw} ${m.addr}=${m.value} ${m.region}`));
    // GICD_SGIR: SGI 6 to core 1; the target's GICC_IAR read and GICC_EOIR write; the power controller
    expect(accesses).toContain('w 0x1e001f00=0x00020006 gic');
    expect(accesses).toContain('r 0x1e00010c=0x00000006 gic');
    expect(accesses).toContain('w 0x1e000110=0x00000006 gic');
    expect(accesses.some((a) => / 0x1f0000[0-9a-f]{2}=.* power$/.test(a))).toBe(true);
    // everything the address filter kept touched a device: no RAM-only instruction
    expect(insns.every((r) => r.mem?.some((m) => m.region !== 'dram' && m.region !== 'sram'))).toBe(true);
  });

  it('are byte-identical run to run, in both formats, and gzip round-trips', async () => {
    for (const [name, o] of [['t1.trace', {}], ['t2.trace', {}], ['j1.jsonl', {}], ['j2.jsonl', {}], ['j.jsonl.gz', {}]] as const) {
      await run('kexec-notify', { schedule: 'random:5', trace: at(name), ...o });
    }
    expect(read(at('t1.trace'))).toBe(read(at('t2.trace')));
    expect(read(at('j1.jsonl'))).toBe(read(at('j2.jsonl')));
    const gz = readFileSync(at('j.jsonl.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(gz).toString('utf8')).toBe(read(at('j1.jsonl')));
    // the same records, whichever format they were read from
    expect(await records(at('j.jsonl.gz'))).toEqual(await records(at('t1.trace')));
    const first = read(at('j1.jsonl')).split('\n')[1]!;
    expect(first).toMatch(/^\{"kind":"insn","step":0,"core":[01],"pc":"0x60000000","sym":"_start","mode":"svc","isa":"arm","bytes":"ee104fb0","asm":"mrc p15, #0, r4, c0, c0, #5","regs":\{"r4":"0x8000000[01]"\}\}$/);
    expect((await diffTraces(at('t1.trace'), at('j.jsonl.gz'))).same).toBe(true);
  });

  it('are written byte for byte as the record model renders them, in both formats', async () => {
    // the writer encodes instructions itself (encode.ts); formats.ts's render is the reference
    for (const name of ['m.trace', 'm.jsonl']) {
      await run('kexec-notify-ack', { schedule: 'random:3', trace: at(name) });
      const lines = read(at(name)).split('\n').slice(1, -2);
      const format = name.endsWith('.jsonl') ? 'jsonl' : 'text';
      expect((await records(at(name))).map((r) => render(format, r))).toEqual(lines);
    }
  });

  it('do not depend on --jobs: explore finds the same replay files with 1 and 2 jobs, and their traces are byte-identical', async () => {
    const dirs = [1, 2].map((jobs) => at(`jobs-${jobs}`));
    for (const [i, out] of dirs.entries()) {
      await explore(fw('kexec-notify'), { strategy: 'pct', runs: 200, seed: 1, jobs: i + 1, out });
    }
    const replays = dirs.map((d) => readdirSync(d).filter((f) => f.endsWith('.schedule')).sort());
    expect(replays[0]!.length).toBeGreaterThan(0);
    expect(replays[1]).toEqual(replays[0]);
    for (const file of replays[0]!) {
      for (const ext of ['trace', 'jsonl', 'jsonl.gz']) {
        const traces = dirs.map((d) => join(d, `${file}.${ext}`));
        for (const [i, d] of dirs.entries()) await runFirmware(fw('kexec-notify'), { schedule: `replay:${join(d, file)}`, trace: traces[i] });
        const [one, two] = traces.map((t) => readFileSync(t));
        expect(one!.length).toBeGreaterThan(10_000);
        expect(two!.equals(one!)).toBe(true);
        if (ext === 'trace') expect(one!.toString('utf8')).toMatch(/ EV hazard hazard="clobber"/);
      }
    }
  }, 240_000);

  it('filter by core, symbol, address and kind, and window by step and symbol', async () => {
    await run('kexec-notify-ack', { trace: at('c1.jsonl'), traceFilter: ['core=1', 'symbol=*pen*'] });
    const c1 = await records(at('c1.jsonl'));
    expect(c1.length).toBeGreaterThan(5);
    expect(c1.every((r) => r.core === 1 && typeof r.sym === 'string' && /pen/.test(r.sym as string))).toBe(true);
    await run('kexec-notify-ack', { trace: at('addr.trace'), traceFilter: ['addr=0x48000000-0x49ffffff', 'kind=insn'] });
    const addr = (await records(at('addr.trace'))) as InsnRecord[];
    expect(addr.length).toBeGreaterThan(5);
    expect(addr.every((r) => r.kind === 'insn' && (r.pc.startsWith('0x48') || (r.mem ?? []).some((m) => m.region === 'sram')))).toBe(true);
    await run('kexec-notify-ack', { trace: at('sgi.trace'), traceFilter: ['kind=sgi', 'kind=iar'] });
    expect((await records(at('sgi.trace'))).map((r) => r.kind)).toEqual(['sgi', 'iar']);
    await run('kexec-notify-ack', { trace: at('win.trace'), traceFrom: '100', traceTo: '109' });
    expect((await records(at('win.trace'))).filter((r) => r.kind === 'insn').map((r) => r.step)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    await run('kexec-notify-ack', { trace: at('sym.trace'), traceFrom: 'smp_send_stop', traceTo: 'machine_kexec' });
    const sym = await records(at('sym.trace'));
    expect(sym[0]).toMatchObject({ kind: 'insn', sym: 'smp_send_stop' });
    expect(sym.some((r) => r.sym === 'machine_kexec')).toBe(false);
    for (const [o, msg] of [
      [{ traceFilter: ['core=x'] }, /--trace-filter core=x/],
      [{ traceFilter: ['colour=red'] }, /--trace-filter colour=red/],
      [{ traceFilter: ['addr=9-1'] }, /LO <= HI/],
      [{ traceFilter: ['kind=nope'] }, /kind must be/],
      [{ traceFrom: 'no_such_symbol' }, /--trace-from no_such_symbol: no such symbol/],
      [{ traceFormat: 'xml' as never }, /--trace-format xml/],
    ] as const) {
      await expect(run('kexec-notify-ack', { trace: at('bad.trace'), ...(o as RunOptions) })).rejects.toThrow(msg);
    }
  });
});

describe('golden traces (vitest -u updates them)', () => {
  for (const v of ['none', 'notify', 'notify-ack', 'cpu-kill']) {
    it(`kexec-${v} under rr, from smp_send_stop to machine_kexec`, async () => {
      await run(`kexec-${v}`, { schedule: 'rr', trace: at(`golden-${v}.trace`), traceFrom: 'smp_send_stop', traceTo: 'machine_kexec' });
      await expect(read(at(`golden-${v}.trace`))).toMatchFileSnapshot(`golden/kexec-${v}.trace`);
    });
  }
});

describe('penlab trace diff', () => {
  it('localises one inserted instruction and re-aligns', async () => {
    const elf = editedKexec('nop', 2, (s) => s.replace('\t.endif\n\tldr\tr1, =pen_release', '\t.endif\n\tnop\n\tldr\tr1, =pen_release'));
    await run('kexec-notify-ack', { trace: at('orig.trace') });
    await runFirmware(elf, { trace: at('nop.trace') });
    const d = await diffTraces(at('orig.trace'), at('nop.trace'));
    expect(d.same).toBe(false);
    const first = d.hunks[0]!;
    expect(first.stream).toBe('core 1');
    expect(d.hunks.some((h) => h.stream === 'core 1' && h.inserted.some((l) => /: nop$/.test(l)))).toBe(true);
    const core1 = d.streams.find((s) => s.stream === 'core 1')!;
    expect(core1.inserted).toBeLessThanOrEqual(3);
    expect(core1.deleted).toBeLessThanOrEqual(2);
    const lines = d.hunks.reduce((n, h) => n + h.deleted.length + h.inserted.length, 0);
    expect(lines).toBeLessThan(60); // the rest of an 11,000-line trace lines up again
    // the CLI: exit 1, the first divergence first
    const cli = penlab('trace', 'diff', at('orig.trace'), at('nop.trace'), '--context', '2');
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/^first divergence, core 1: /);
    expect(cli.stdout.trimEnd().split('\n').at(-1)).toBe('different');
    expect(penlab('trace', 'diff', at('orig.trace'), at('orig.trace')).status).toBe(0);
  });

  it('localises one removed barrier', async () => {
    const elf = editedKexec('nodmb', 2, (s) => s.replace('1:\tdmb\t\t\t\t\t@ the release read', '1:\t\t\t\t\t@ the release read'));
    await run('kexec-notify-ack', { trace: at('orig2.trace') });
    await runFirmware(elf, { trace: at('nodmb.trace') });
    const d = await diffTraces(at('orig2.trace'), at('nodmb.trace'), { context: 1 });
    expect(d.same).toBe(false);
    const h = d.hunks.find((x) => x.deleted.some((l) => /: dmb sy$/.test(l)))!;
    expect(h.stream).toBe('core 1');
    expect(h.context).toHaveLength(1);
    const core1 = d.streams.find((s) => s.stream === 'core 1')!;
    expect(core1.deleted + core1.inserted).toBeLessThanOrEqual(14);
  });

  it('--ignore-interleaving: two schedules of a race-free run are the same; a changed core is not', async () => {
    await run('kexec-notify-ack', { schedule: 'rr', trace: at('rr.trace') });
    await run('kexec-notify-ack', { schedule: 'random:3', trace: at('rnd.jsonl') });
    expect((await diffTraces(at('rr.trace'), at('rnd.jsonl'))).same).toBe(false);
    expect((await diffTraces(at('rr.trace'), at('rnd.jsonl'), { ignoreInterleaving: true })).same).toBe(true);
    const elf = editedKexec('nop3', 2, (s) => s.replace('\t.endif\n\tldr\tr1, =pen_release', '\t.endif\n\tnop\n\tldr\tr1, =pen_release'));
    await runFirmware(elf, { schedule: 'random:3', trace: at('nop3.trace') });
    const d = await diffTraces(at('rr.trace'), at('nop3.trace'), { ignoreInterleaving: true });
    expect(d.same).toBe(false);
    expect(new Set(d.hunks.map((h) => h.stream))).toEqual(new Set(['core 1']));
  });

  it('refuses bad input with one line naming the file and line, exit 2', async () => {
    await run('kexec-notify-ack', { trace: at('good.trace') });
    await run('kexec-notify-ack', { trace: at('good.jsonl.gz') });
    const good = read(at('good.trace'));
    const lines = good.split('\n');
    writeFileSync(at('empty.trace'), '');
    writeFileSync(at('garbage.trace'), 'hello\nworld\n');
    writeFileSync(at('truncated.trace'), lines.slice(0, 500).join('\n') + '\n');
    writeFileSync(at('mixed.trace'), [...lines.slice(0, 10), '{"kind":"sev","step":9,"core":0}', ...lines.slice(10)].join('\n'));
    writeFileSync(at('badline.trace'), [...lines.slice(0, 10), '12 c0 IT nonsense', ...lines.slice(10)].join('\n'));
    writeFileSync(at('cut.jsonl.gz'), readFileSync(at('good.jsonl.gz')).subarray(0, 3000));
    for (const [file, msg] of [
      ['missing.trace', /missing\.trace: cannot read \(ENOENT\)/],
      ['empty.trace', /empty\.trace: empty file/],
      ['garbage.trace', /garbage\.trace:1: not a penlab trace/],
      ['truncated.trace', /truncated\.trace:500: truncated/],
      ['mixed.trace', /mixed\.trace:11: a JSON Lines line in a text trace/],
      ['badline.trace', /badline\.trace:11: not a text trace line/],
      ['cut.jsonl.gz', /cut\.jsonl\.gz:\d+: cannot read \(corrupt or truncated gzip\)/],
    ] as const) {
      const e = await diffTraces(at('good.trace'), at(file)).catch((x: unknown) => x);
      expect(e, file).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(msg);
    }
    const cli = penlab('trace', 'diff', at('good.trace'), at('truncated.trace'));
    expect(cli.status).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stdout).toBe('');
    expect(penlab('trace', 'diff', at('good.trace')).status).toBe(2);
  });
});
