import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync, ftruncateSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FirmwareImage, loadFirmware, parseFirmware } from '../src/elf/elf.js';
import { InputError } from '../src/errors.js';
import { vexpressA9 } from '../src/machine/board.js';
import { fw, penlab } from './helpers.js';

const board = vexpressA9();
const dir = mkdtempSync(join(tmpdir(), 'penlab-elf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const P = 'fw.elf';
const elf = (name: string) => Buffer.from(readFileSync(fw(name)));

/** the same layout the parser reads, for building bad files */
const phoff = (b: Buffer) => b.readUInt32LE(28);
const shoff = (b: Buffer) => b.readUInt32LE(32);
const ph = (b: Buffer, i: number) => phoff(b) + 32 * i;
const sh = (b: Buffer, i: number) => shoff(b) + 40 * i;
function sectionIndex(b: Buffer, type: number): number {
  for (let i = 0; i < b.readUInt16LE(48); i++) if (b.readUInt32LE(sh(b, i) + 4) === type) return i;
  throw new Error(`no section of type ${type}`);
}

/** the InputError parseFirmware/loadFirmware throws: one line, starting with the path */
function refusal(f: () => unknown, path = P): string {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InputError);
  const m = (caught as InputError).message;
  expect(m.startsWith(`${path}: `)).toBe(true);
  expect(m).not.toContain('\n');
  return m;
}
const refuse = (b: Buffer) => refusal(() => parseFirmware(P, b, board));

describe('ELF header refusals', () => {
  it('refuses short, foreign and non-executable files', () => {
    const g = () => elf('sgi-pingpong');
    expect(refuse(Buffer.alloc(0))).toBe(`${P}: not an ELF file (0 bytes, shorter than an ELF32 header)`);
    expect(refuse(g().subarray(0, 20))).toBe(`${P}: not an ELF file (20 bytes, shorter than an ELF32 header)`);
    expect(refuse(Buffer.from('#!/bin/sh\necho this is a shell script, not firmware\n'))).toBe(`${P}: not an ELF file (bad magic)`);
    expect(refuse(Buffer.from('ab'))).toMatch(/not an ELF file \(2 bytes/);
    const set = (off: number, v: number, w: 1 | 2 | 4 = 1) => { const b = g(); b.writeUIntLE(v, off, w); return b; };
    expect(refuse(set(4, 2))).toBe(`${P}: ELF class 64 is not supported: penlab runs ELF32 ARM images`);
    expect(refuse(set(4, 0))).toMatch(/ELF class 0 \(invalid\) is not supported/);
    expect(refuse(set(5, 2))).toBe(`${P}: big-endian ELF is not supported: penlab runs little-endian ARM images`);
    expect(refuse(set(5, 9))).toMatch(/ELF data encoding 9 is invalid/);
    expect(refuse(set(6, 0))).toBe(`${P}: ELF identification version 0 is not 1 (EI_VERSION)`);
    expect(refuse(set(18, 3, 2))).toBe(`${P}: ELF machine 3 is not ARM (40)`);
    expect(refuse(set(16, 1, 2))).toBe(`${P}: ELF type 1 is not an executable (ET_EXEC): link the firmware first`);
    expect(refuse(set(40, 64, 2))).toMatch(/e_ehsize 64 is not 52/);
    expect(refuse(set(42, 56, 2))).toMatch(/e_phentsize 56 is not 32/);
    expect(refuse(set(46, 64, 2))).toMatch(/e_shentsize 64 is not 40/);
    expect(refuse(set(50, 99, 2))).toBe(`${P}: section name table index e_shstrndx 99 is out of range (e_shnum 15)`);
    expect(refuse(set(44, 0, 2))).toBe(`${P}: no program headers: nothing to load`);
  });

  it('refuses a real relocatable object', () => {
    expect(refuse(Buffer.from(readFileSync(fw('tests/bench-loop').replace(/\.elf$/, '.o'))))).toMatch(/ELF type 1 is not an executable \(ET_EXEC\)/);
  });

  it('refuses header tables past the end of the file, naming the fields', () => {
    const b = elf('sgi-pingpong');
    expect(refuse(b.subarray(0, 60))).toBe(`${P}: program header table runs past the end of the file (e_phoff 0x34 + 1 x 32 bytes > 0x3c bytes): truncated or corrupt`);
    const s = shoff(b);
    expect(refuse(b.subarray(0, s + 100))).toBe(`${P}: section header table runs past the end of the file (e_shoff ${'0x' + s.toString(16)} + 15 x 40 bytes > ${'0x' + (s + 100).toString(16)} bytes): truncated or corrupt`);
  });
});

describe('program header refusals', () => {
  it('refuses a segment whose file bytes run past the end', () => {
    const b = elf('sgi-pingpong').subarray(0, 0x1100); // the segment starts at 0x1000 and has 0x5a4 bytes
    expect(refuse(b)).toBe(`${P}: program header 0 (PT_LOAD) runs past the end of the file (p_offset 0x1000 + p_filesz 0x5a4 > 0x1100 bytes): truncated or corrupt`);
    const c = elf('kexec-notify');
    c.writeUInt32LE(0x7fff0000, ph(c, 2) + 4);
    expect(refuse(c)).toMatch(/: program header 2 \(PT_LOAD\) runs past the end of the file \(p_offset 0x7fff0000 \+ p_filesz 0x1000 > 0x[0-9a-f]+ bytes\)/);
  });

  it('refuses p_filesz larger than p_memsz', () => {
    const b = elf('release-order');
    b.writeUInt32LE(0x10, ph(b, 0) + 20);
    expect(refuse(b)).toBe(`${P}: program header 0 (PT_LOAD): p_filesz 0x24 exceeds p_memsz 0x10`);
  });

  it('refuses a segment outside the board RAM, naming SRAM and DRAM', () => {
    const b = elf('release-order');
    b.writeUInt32LE(0x80000000, ph(b, 1) + 12);
    expect(refuse(b)).toBe(`${P}: segment 1 at 0x80000000-0x800054f0 is outside the board's RAM (SRAM 0x48000000-0x4a000000, DRAM 0x60000000-0x68000000)`);
    const c = elf('release-order'); // starts in SRAM, runs off its end
    c.writeUInt32LE(0x49fffff0, ph(c, 0) + 12);
    expect(refuse(c)).toMatch(/segment 0 at 0x49fffff0-0x4a000014 is outside the board's RAM/);
  });

  it('refuses overlapping PT_LOAD segments, naming both', () => {
    const b = elf('release-order');
    b.writeUInt32LE(0x60000010, ph(b, 0) + 12);
    expect(refuse(b)).toBe(`${P}: segment 0 at 0x60000010-0x60000034 overlaps segment 1 at 0x60000000-0x600054f0`);
    const c = elf('kexec-notify'); // the kexec image's last page moved onto the old kernel's .bss
    c.writeUInt32LE(0x60005000, ph(c, 2) + 12);
    expect(refuse(c)).toBe(`${P}: segment 1 at 0x60000000-0x60005768 overlaps segment 2 at 0x60005000-0x60006000`);
    const d = elf('kexec-notify'); // touching is not overlapping
    d.writeUInt32LE(0x60005768, ph(d, 2) + 12);
    d.writeUInt32LE(0x60005768, 24);
    expect(parseFirmware(P, d, board).segments).toHaveLength(3);
  });

  it('refuses an entry point outside every executable segment', () => {
    const b = elf('release-order');
    b.writeUInt32LE(0x70000000, 24);
    expect(refuse(b)).toBe(`${P}: entry point 0x70000000 is not inside an executable segment (executable: 0x48000000-0x48000024, 0x60000000-0x600054f0)`);
    const c = elf('release-order'); // the pen segment made data-only, the entry moved into it
    c.writeUInt32LE(4 | 2, ph(c, 0) + 24);
    c.writeUInt32LE(0x48000000, 24);
    expect(refuse(c)).toBe(`${P}: entry point 0x48000000 is not inside an executable segment (executable: 0x60000000-0x600054f0)`);
    const d = elf('sgi-pingpong');
    d.writeUInt32LE(4 | 2, ph(d, 0) + 24);
    expect(refuse(d)).toMatch(/entry point 0x60000000 is not inside an executable segment \(no segment is executable\)/);
    const e = elf('sgi-pingpong'); // a Thumb entry (bit 0 set) inside the segment is fine
    e.writeUInt32LE(0x60000001, 24);
    expect(parseFirmware(P, e, board).entry).toBe(0x60000001);
  });

  it('refuses a file with no loadable segment', () => {
    const b = elf('sgi-pingpong');
    b.writeUInt32LE(4, ph(b, 0)); // PT_NOTE
    expect(refuse(b)).toMatch(/no loadable segment \(no PT_LOAD program header with p_memsz > 0\)/);
  });
});

describe('section header and symbol table refusals', () => {
  it('refuses section data past the end of the file, naming the section', () => {
    const b = elf('sgi-pingpong');
    const i = sectionIndex(b, 3); // .strtab, the first string table
    b.writeUInt32LE(0x100000, sh(b, i) + 16);
    expect(refuse(b)).toMatch(new RegExp(`: section ${i} \\(\\.strtab\\) runs past the end of the file \\(sh_offset 0x100000 \\+ sh_size 0x278 > 0x[0-9a-f]+ bytes\\)`));
    const c = elf('sgi-pingpong'); // .bss is SHT_NOBITS: its size is memory, not file
    c.writeUInt32LE(0x7fffffff, sh(c, 4) + 20);
    expect(() => parseFirmware(P, c, board)).not.toThrow();
  });

  it('checks the symbol table entry size, its string table link and every name offset', () => {
    const g = () => elf('sgi-pingpong');
    const st = sectionIndex(g(), 2);
    const b = g();
    b.writeUInt32LE(24, sh(b, st) + 36);
    expect(refuse(b)).toBe(`${P}: section ${st} (.symtab): sh_entsize 24 is not 16, the size of an ELF32 symbol`);
    const c = g();
    c.writeUInt32LE(c.readUInt32LE(sh(c, st) + 20) - 4, sh(c, st) + 20);
    expect(refuse(c)).toMatch(/section 12 \(\.symtab\): sh_size 0x5fc is not a whole number of 16-byte symbols/);
    const d = g();
    d.writeUInt32LE(200, sh(d, st) + 24);
    expect(refuse(d)).toBe(`${P}: section ${st} (.symtab): string table link sh_link 200 is out of range (e_shnum 15)`);
    const e = g();
    e.writeUInt32LE(1, sh(e, st) + 24);
    expect(refuse(e)).toBe(`${P}: section ${st} (.symtab): string table link sh_link 1 names section 1 (.text), not a string table (SHT_STRTAB)`);
    const f = g();
    f.writeUInt32LE(0x12345, f.readUInt32LE(sh(f, st) + 16) + 16 * 5);
    expect(refuse(f)).toBe(`${P}: section ${st} (.symtab) symbol 5: name offset st_name 0x12345 is past the end of section 13 (.strtab) (0x278 bytes)`);
    const h = g();
    const strtab = sh(h, st + 1);
    h[h.readUInt32LE(strtab + 16) + h.readUInt32LE(strtab + 20) - 1] = 0x41;
    expect(refuse(h)).toBe(`${P}: section 13 (.strtab): string table does not end with a NUL byte`);
  });

  it('names sections by type when the section name table is unusable', () => {
    const b = elf('sgi-pingpong');
    b.writeUInt16LE(0, 50); // e_shstrndx SHN_UNDEF: no names
    b.writeUInt32LE(24, sh(b, 12) + 36);
    expect(refuse(b)).toMatch(/: section 12 \(SHT_SYMTAB\): sh_entsize 24/);
  });
});

describe('loadFirmware refuses what is not a firmware file, before reading it', () => {
  it('refuses a missing file, a directory, /dev/zero and a FIFO', () => {
    expect(refusal(() => loadFirmware(join(dir, 'nope.elf'), board), join(dir, 'nope.elf'))).toMatch(/cannot read firmware \(ENOENT\)/);
    expect(refusal(() => loadFirmware(dir, board), dir)).toBe(`${dir}: not a regular file (a directory): firmware must be an ELF file`);
    expect(refusal(() => loadFirmware('/dev/zero', board), '/dev/zero')).toBe('/dev/zero: not a regular file (a character device): firmware must be an ELF file');
    const fifo = join(dir, 'fifo.elf');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(() => loadFirmware(fifo, board), fifo)).toMatch(/not a regular file \(a FIFO\)/);
  });

  it('refuses a file over 64 MiB without reading it (a sparse file)', () => {
    const big = join(dir, 'big.elf');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 64 * 1024 * 1024 + 1);
    closeSync(fd);
    expect(refusal(() => loadFirmware(big, board), big)).toBe(`${big}: 67108865 bytes is over the 64 MiB limit for a firmware image`);
  });

  it('penlab run /dev/zero fails fast with exit 2', () => {
    const t = Date.now();
    const r = penlab('run', '/dev/zero');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['penlab: /dev/zero: not a regular file (a character device): firmware must be an ELF file']);
    expect(Date.now() - t).toBeLessThan(60_000);
  });
});

describe('symbols', () => {
  it('names pen code by its label, not by the __sram_start linker symbol at the same address', () => {
    for (const name of ['sysflags-pen', 'release-order']) {
      const b = elf(name);
      expect(parseFirmware(P, b, board).symbolize(0x48000008)).toBe('pen+0x8');
      // the same file with __sram_start moved ahead of pen in the symbol table: the label still wins
      const st = sectionIndex(b, 2);
      const image = parseFirmware(P, b, board);
      const at = (n: string) => {
        const strtab = sh(b, b.readUInt32LE(sh(b, st) + 24));
        const base = b.readUInt32LE(sh(b, st) + 16);
        for (let o = base; o < base + b.readUInt32LE(sh(b, st) + 20); o += 16) {
          const s = b.readUInt32LE(strtab + 16) + b.readUInt32LE(o);
          if (b.toString('latin1', s, b.indexOf(0, s)) === n) return o;
        }
        throw new Error(n);
      };
      const [pen, sram] = [at('pen'), at('__sram_start')];
      const first = Math.min(pen, sram);
      const second = Math.max(pen, sram);
      const lo = Buffer.from(b.subarray(first, first + 16));
      b.copy(b, first, second, second + 16);
      lo.copy(b, second);
      const swapped = parseFirmware(P, b, board);
      expect(swapped.symbolize(0x48000008)).toBe('pen+0x8');
      expect(swapped.symbolize(0x48000000)).toBe('pen');
      expect(image.symbol('__sram_start')?.address).toBe(0x48000000);
    }
  });

  it('ranks functions, then objects and labels, then linker-script symbols', () => {
    const k = loadFirmware(fw('kexec-notify'), board);
    expect(k.symbolize(0x48000000)).toBe('relocate_new_kernel'); // FUNC over __sram_start
    expect(k.symbolize(0x48000068)).toBe('kexec_pen'); // FUNC over __penlab_pen_start
    expect(k.symbolize(0x48000144)).toBe('kexec_ind_list_end'); // a label over __sram_end
    expect(k.symbolize(0x4800006c)).toBe('pen_wait');
    // a linker symbol still names an address nothing else names
    expect(loadFirmware(fw('sgi-pingpong'), board).symbolize(0x48000004)).toMatch(/^__sram_(start|end)\+0x4$/);
    expect(k.symbolize(0x10)).toBe('0x00000010');
    expect(k.ranges('__penlab_pen')).toEqual([[0x48000068, 0x48000094]]);
  });

  it('tells Thumb from ARM code by the mapping symbols', () => {
    const t = loadFirmware(fw('thumb2'), board);
    expect(t.isThumbAt(0x60000000)).toBe(false);
    expect(t.isThumbAt(0x60000194)).toBe(true);
    expect(t.isThumbAt(0x60000230)).toBe(true);
    expect(t.isThumbAt(0x60000280)).toBe(false);
    expect(t.isThumbAt(0x10)).toBeUndefined();
    expect(t.symbolize(0x60000196)).toBe('t_entry+0x2');
  });
});

/** mulberry32: a small seeded PRNG, so every run makes the same mutants */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz: every mutant parses or is refused with one line naming the file', () => {
  for (const name of ['sgi-pingpong', 'kexec-notify']) {
    it(`mutants of ${name}.elf`, () => {
      const good = elf(name);
      const rand = prng(name === 'sgi-pingpong' ? 1 : 2);
      const int = (n: number) => Math.floor(rand() * n);
      const ph0 = phoff(good);
      const phn = good.readUInt16LE(44);
      const sh0 = shoff(good);
      const shn = good.readUInt16LE(48);
      const st = sectionIndex(good, 2);
      const symOff = good.readUInt32LE(sh(good, st) + 16);

      // where headers are: the bytes worth flipping, the fields worth overwriting
      const regions: [number, number][] = [[0, 52], [ph0, ph0 + 32 * phn], [sh0, sh0 + 40 * shn], [symOff, symOff + 16 * 16]];
      const fields: [number, 2 | 4][] = [];
      for (const o of [16, 18, 20, 24, 28, 32, 36]) fields.push([o, o < 20 ? 2 : 4]);
      for (const o of [40, 42, 44, 46, 48, 50]) fields.push([o, 2]);
      for (let i = 0; i < phn; i++) for (let f = 0; f < 32; f += 4) fields.push([ph0 + 32 * i + f, 4]);
      for (let i = 0; i < shn; i++) for (let f = 0; f < 40; f += 4) fields.push([sh0 + 40 * i + f, 4]);
      for (let i = 1; i < 16; i++) for (const f of [0, 4, 8]) fields.push([symOff + 16 * i + f, 4]);
      fields.push(...Array.from({ length: 15 }, (_, i) => [symOff + 16 * (i + 1) + 14, 2] as [number, 2]));
      const interesting = [0, 1, 2, 15, 16, 31, 32, 39, 40, 52, 0x7f, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
        0xfffffff0, good.length, good.length - 1, good.length + 1, 0x48000000, 0x60000000, 0x4a000000, 0x68000000, 0x5ffffff0];

      const mutants: [string, Buffer][] = [];
      // truncations at every interesting offset
      const cuts = new Set<number>();
      for (let o = 0; o <= 64; o++) cuts.add(o);
      for (let o = ph0 - 2; o <= ph0 + 32 * phn + 2; o++) cuts.add(o);
      for (let i = 0; i < phn; i++) {
        const o = good.readUInt32LE(ph0 + 32 * i + 4);
        const n = good.readUInt32LE(ph0 + 32 * i + 16);
        for (const c of [o - 1, o, o + 1, o + n - 1, o + n, o + n + 1]) cuts.add(c);
      }
      for (let i = 0; i <= shn; i++) for (const d of [-1, 0, 1, 20]) cuts.add(sh0 + 40 * i + d);
      for (let i = 0; i < shn; i++) {
        const o = good.readUInt32LE(sh(good, i) + 16);
        const n = good.readUInt32LE(sh(good, i) + 20);
        for (const c of [o - 1, o, o + 1, o + n - 1, o + n, o + n + 1]) cuts.add(c);
      }
      for (const c of cuts) if (c >= 0 && c < good.length) mutants.push([`cut at ${c}`, good.subarray(0, c)]);
      // random byte flips in the headers
      for (let k = 0; k < 1200; k++) {
        const b = Buffer.from(good);
        const what: string[] = [];
        for (let n = 1 + int(4); n > 0; n--) {
          const [lo, hi] = regions[int(regions.length)]!;
          const o = lo + int(hi - lo);
          const v = int(256);
          b[o] = v;
          what.push(`[${o}]=${v}`);
        }
        mutants.push([`bytes ${what.join(' ')}`, b]);
      }
      // random values in header fields, sometimes on top of a truncation
      for (let k = 0; k < 1500; k++) {
        let b = Buffer.from(good);
        const what: string[] = [];
        for (let n = 1 + int(3); n > 0; n--) {
          const [o, w] = fields[int(fields.length)]!;
          const pick = rand() < 0.6 ? interesting[int(interesting.length)]! : int(2 ** 32);
          const v = w === 2 ? pick & 0xffff : pick >>> 0;
          b.writeUIntLE(v, o, w);
          what.push(`@${o}=${v}`);
        }
        if (rand() < 0.15) {
          const c = int(good.length);
          b = b.subarray(0, c);
          what.push(`cut ${c}`);
        }
        mutants.push([`fields ${what.join(' ')}`, b]);
      }

      const failures: string[] = [];
      const messages = new Set<string>();
      let parsed = 0;
      for (const [what, b] of mutants) {
        let image: FirmwareImage | undefined;
        try {
          image = parseFirmware(P, b, board);
        } catch (e) {
          if (!(e instanceof InputError)) failures.push(`${what}: ${e instanceof Error ? e.stack : String(e)}`);
          else if (!e.message.startsWith(`${P}: `) || e.message.includes('\n')) failures.push(`${what}: bad message ${JSON.stringify(e.message)}`);
          else messages.add(e.message.replace(/0x[0-9a-f]+|\d+/g, 'N'));
          continue;
        }
        parsed++;
        // what reports do with an image must not throw either
        try {
          for (const s of image.segments) {
            for (const a of [s.address, s.address + 1, s.address + s.memSize - 1, s.address + s.memSize]) {
              image.symbolize(a);
              image.isThumbAt(a);
            }
          }
          image.ranges('__penlab_pen');
          image.symbol('_start');
        } catch (e) {
          failures.push(`${what}: using the image: ${e instanceof Error ? e.stack : String(e)}`);
        }
      }
      expect(failures.slice(0, 5)).toEqual([]);
      expect(mutants.length).toBeGreaterThan(2500);
      // the mutants reach both sides and many different refusals
      expect(parsed).toBeGreaterThan(50);
      expect(messages.size).toBeGreaterThan(20);
    });
  }
});
