/**
 * Firmware images: ELF32, little-endian ARM executables. Everything is checked
 * here, before any byte reaches native code, and every refusal is one line
 * naming the file and the structural reason (InputError, exit code 2).
 *
 * One small parser: the ELF header, the program headers (what gets loaded),
 * the section headers and the symbol table (names for reports). No field is
 * used before the bytes it lives in, and the bytes it points at, are known to
 * be inside the file.
 */
import { InputError } from '../errors.js';
import { assemblePen, isAssemblySource } from './assemble.js';
import { hex } from '../format.js';
import { readRegularFile } from '../input.js';

export interface Segment {
  address: number;
  data: Uint8Array;
  memSize: number;
  executable: boolean;
}

export interface ElfSymbol {
  name: string;
  address: number;
  size: number;
  kind: 'func' | 'object' | 'label';
}

type MappingState = 'a' | 't' | 'd';

export class FirmwareImage {
  /** sorted by address, the preferred name first at each address; ARM mapping symbols ($a/$t/$d) kept apart */
  readonly symbols: ElfSymbol[];
  private readonly mapping: { address: number; state: MappingState }[];
  /** distinct symbol addresses, ascending, and the name symbolize() uses at each */
  private readonly namedAt: number[] = [];
  private readonly preferred: ElfSymbol[] = [];
  private readonly byName = new Map<string, ElfSymbol>();
  private readonly rangeCache = new Map<string, [number, number][]>();

  constructor(
    readonly path: string,
    readonly entry: number,
    readonly segments: Segment[],
    symbols: ElfSymbol[],
    mapping: { address: number; state: MappingState }[],
    readonly bytes: Uint8Array,
  ) {
    // Array.prototype.sort is stable: equal ranks keep symbol-table order
    this.symbols = symbols.sort((a, b) => a.address - b.address || rank(a) - rank(b));
    this.mapping = mapping.sort((a, b) => a.address - b.address);
    for (const s of this.symbols) {
      if (this.namedAt[this.namedAt.length - 1] !== s.address) {
        this.namedAt.push(s.address);
        this.preferred.push(s);
      }
      if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
  }

  symbol(name: string): ElfSymbol | undefined {
    return this.byName.get(name);
  }

  /** `name+0xoff` of the nearest symbol at or below address, or the hex address */
  symbolize(address: number): string {
    const a = address >>> 0;
    const i = lastAtOrBelow(this.namedAt, a);
    const best = i < 0 ? undefined : this.preferred[i];
    if (!best || a - best.address > 0x100000) return hex(a);
    const off = a - best.address;
    return off ? `${best.name}+0x${off.toString(16)}` : best.name;
  }

  /** whether the code at address was assembled as Thumb, from the mapping symbols */
  isThumbAt(address: number): boolean | undefined {
    const a = address >>> 0;
    let lo = 0;
    let hi = this.mapping.length - 1;
    let state: MappingState | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.mapping[mid]!;
      if (m.address <= a) { state = m.state; lo = mid + 1; } else hi = mid - 1;
    }
    return state === undefined || state === 'd' ? undefined : state === 't';
  }

  /** [start, end) pairs from `<prefix>_start` / `<prefix>_end` symbol pairs (e.g. __penlab_safe) */
  ranges(prefix: string): [number, number][] {
    let out = this.rangeCache.get(prefix);
    if (!out) {
      out = [];
      for (const s of this.symbols) {
        if (!s.name.startsWith(prefix) || !s.name.endsWith('_start')) continue;
        const end = this.symbol(s.name.slice(0, -'_start'.length) + '_end');
        if (end && end.address > s.address) out.push([s.address, end.address]);
      }
      this.rangeCache.set(prefix, out);
    }
    return out.map(([s, e]) => [s, e]);
  }
}

/** index of the last element <= a in an ascending array, or -1 */
function lastAtOrBelow(sorted: number[], a: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= a) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** linker-script names besides the `__` ones: section boundaries, not code */
const LINKER_NAMES = new Set(['_etext', 'etext', '_edata', 'edata', '_end', 'end', '_stack', '_estack', '_sbss', '_ebss', '_sdata', '_sidata']);

/**
 * Which name a report shows when several share an address: functions, then
 * objects, then ordinary labels, and last the section-boundary and
 * linker-script symbols (`__sram_start`, `__bss_end`, `_etext`), which
 * name a place in the layout rather than the code there.
 */
function rank(s: ElfSymbol): number {
  if (s.kind === 'func') return 0;
  if (s.kind === 'object') return 1;
  return s.name.startsWith('__') || LINKER_NAMES.has(s.name) ? 3 : 2;
}

/** larger files are refused before they are read: no firmware image is this big */
export const MAX_FIRMWARE_BYTES = 64 * 1024 * 1024;

/** The RAM a firmware image may load into (a board satisfies it). */
export interface LoadableRam {
  readonly sram: { readonly name: string; readonly base: number; readonly size: number };
  readonly dram: { readonly name: string; readonly base: number; readonly size: number };
}

/** Reads an ELF, or assembles and links a `.S`/`.s` pen first (src/elf/assemble.ts). */
export function loadFirmware(path: string, board: LoadableRam): FirmwareImage {
  if (isAssemblySource(path)) return loadFirmware(assemblePen([path]), board);
  const file = readRegularFile(path, 'firmware', MAX_FIRMWARE_BYTES, {
    mustBe: 'firmware must be an ELF file',
    limitText: `${MAX_FIRMWARE_BYTES / 1024 / 1024} MiB limit for a firmware image`,
    allowEmpty: true, // the parser says it is shorter than an ELF header
  });
  return parseFirmware(path, file, board);
}

// ELF constants (System V ABI, ARM ELF supplement)
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const PT_LOAD = 1;
const PF_X = 1;
const SHT_NULL = 0;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHN_ABS = 0xfff1;

const PT_NAMES: Record<number, string> = {
  0: 'PT_NULL', 1: 'PT_LOAD', 2: 'PT_DYNAMIC', 3: 'PT_INTERP', 4: 'PT_NOTE', 5: 'PT_SHLIB', 6: 'PT_PHDR', 7: 'PT_TLS',
  0x6474e550: 'PT_GNU_EH_FRAME', 0x6474e551: 'PT_GNU_STACK', 0x6474e552: 'PT_GNU_RELRO',
  0x70000000: 'PT_ARM_ARCHEXT', 0x70000001: 'PT_ARM_EXIDX',
};
const SHT_NAMES: Record<number, string> = {
  0: 'SHT_NULL', 1: 'SHT_PROGBITS', 2: 'SHT_SYMTAB', 3: 'SHT_STRTAB', 4: 'SHT_RELA', 5: 'SHT_HASH', 6: 'SHT_DYNAMIC',
  7: 'SHT_NOTE', 8: 'SHT_NOBITS', 9: 'SHT_REL', 11: 'SHT_DYNSYM', 14: 'SHT_INIT_ARRAY', 15: 'SHT_FINI_ARRAY',
  16: 'SHT_PREINIT_ARRAY', 17: 'SHT_GROUP', 0x70000001: 'SHT_ARM_EXIDX', 0x70000003: 'SHT_ARM_ATTRIBUTES',
};

/** a file offset or size */
const x = (n: number) => `0x${n.toString(16)}`;

interface ProgramHeader { type: number; offset: number; paddr: number; filesz: number; memsz: number; flags: number }
interface SectionHeader { name: number; type: number; offset: number; size: number; link: number; entsize: number }

export function parseFirmware(path: string, bytes: Uint8Array, board: LoadableRam): FirmwareImage {
  // a Uint8Array in the signature: the package's types must not need @types/node
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new InputError(`${path}: ${why}`);
  const size = file.length;
  /** [offset, offset + length) lies inside the file */
  const inFile = (offset: number, length: number) => offset + length <= size;
  const pastEnd = (what: string, fields: string) =>
    bad(`${what} runs past the end of the file (${fields} > ${x(size)} bytes): truncated or corrupt`);

  // ELF header
  if (size >= 4 && file.readUInt32BE(0) !== 0x7f454c46) throw bad('not an ELF file (bad magic)');
  if (size < EHDR_SIZE) throw bad(`not an ELF file (${size} bytes, shorter than an ELF32 header)`);
  const elfClass = file[4]!;
  if (elfClass !== 1) throw bad(`ELF class ${elfClass === 2 ? '64' : `${elfClass} (invalid)`} is not supported: penlab runs ELF32 ARM images`);
  const data = file[5]!;
  if (data === 2) throw bad('big-endian ELF is not supported: penlab runs little-endian ARM images');
  if (data !== 1) throw bad(`ELF data encoding ${data} is invalid: penlab runs little-endian (EI_DATA 1) ARM images`);
  if (file[6] !== 1) throw bad(`ELF identification version ${file[6]} is not 1 (EI_VERSION)`);
  const type = file.readUInt16LE(16);
  const machine = file.readUInt16LE(18);
  if (machine !== 40) throw bad(`ELF machine ${machine} is not ARM (40)`);
  if (type !== 2) throw bad(`ELF type ${type} is not an executable (ET_EXEC): link the firmware first`);
  const entry = file.readUInt32LE(24);
  const phoff = file.readUInt32LE(28);
  const shoff = file.readUInt32LE(32);
  const ehsize = file.readUInt16LE(40);
  const phentsize = file.readUInt16LE(42);
  const phnum = file.readUInt16LE(44);
  const shentsize = file.readUInt16LE(46);
  const shnum = file.readUInt16LE(48);
  const shstrndx = file.readUInt16LE(50);
  if (ehsize !== EHDR_SIZE) throw bad(`ELF header size e_ehsize ${ehsize} is not ${EHDR_SIZE}, the size of an ELF32 header`);
  if (phnum === 0) throw bad('no program headers: nothing to load');
  if (phentsize !== PHDR_SIZE) throw bad(`program header size e_phentsize ${phentsize} is not ${PHDR_SIZE}, the size of an ELF32 program header`);
  if (!inFile(phoff, phnum * PHDR_SIZE)) throw pastEnd('program header table', `e_phoff ${x(phoff)} + ${phnum} x ${PHDR_SIZE} bytes`);
  if (shnum > 0) {
    if (shentsize !== SHDR_SIZE) throw bad(`section header size e_shentsize ${shentsize} is not ${SHDR_SIZE}, the size of an ELF32 section header`);
    if (shstrndx >= shnum) throw bad(`section name table index e_shstrndx ${shstrndx} is out of range (e_shnum ${shnum})`);
  }

  // program headers: what gets loaded, where
  const phdrs: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    phdrs.push({
      type: file.readUInt32LE(o), offset: file.readUInt32LE(o + 4), paddr: file.readUInt32LE(o + 12),
      filesz: file.readUInt32LE(o + 16), memsz: file.readUInt32LE(o + 20), flags: file.readUInt32LE(o + 24),
    });
  }
  const rams = [board.sram, board.dram];
  const ramList = rams.map((r) => `${r.name.toUpperCase()} ${hex(r.base)}-${hex(r.base + r.size)}`).join(', ');
  const segments: (Segment & { index: number })[] = [];
  for (const [i, h] of phdrs.entries()) {
    const what = `program header ${i} (${PT_NAMES[h.type] ?? `type ${x(h.type)}`})`;
    if (h.filesz > 0 && !inFile(h.offset, h.filesz)) throw pastEnd(what, `p_offset ${x(h.offset)} + p_filesz ${x(h.filesz)}`);
    if (h.type !== PT_LOAD) continue;
    if (h.filesz > h.memsz) throw bad(`${what}: p_filesz ${x(h.filesz)} exceeds p_memsz ${x(h.memsz)}`);
    if (h.memsz === 0) continue;
    const start = h.paddr;
    if (!rams.some((r) => start >= r.base && start + h.memsz <= r.base + r.size)) {
      throw bad(`segment ${i} at ${hex(start)}-${hex(start + h.memsz)} is outside the board's RAM (${ramList})`);
    }
    segments.push({
      index: i, address: start, data: new Uint8Array(file.subarray(h.offset, h.offset + h.filesz)),
      memSize: h.memsz, executable: (h.flags & PF_X) !== 0,
    });
  }
  if (!segments.length) throw bad('no loadable segment (no PT_LOAD program header with p_memsz > 0)');
  const byAddress = [...segments].sort((a, b) => a.address - b.address);
  for (let k = 1; k < byAddress.length; k++) {
    const p = byAddress[k - 1]!;
    const q = byAddress[k]!;
    if (q.address < p.address + p.memSize) {
      const [first, second] = p.index < q.index ? [p, q] : [q, p];
      throw bad(`segment ${first.index} at ${hex(first.address)}-${hex(first.address + first.memSize)} `
        + `overlaps segment ${second.index} at ${hex(second.address)}-${hex(second.address + second.memSize)}`);
    }
  }
  const entryAddr = (entry & ~1) >>> 0;
  if (!segments.some((s) => s.executable && entryAddr >= s.address && entryAddr < s.address + s.memSize)) {
    const exec = segments.filter((s) => s.executable).map((s) => `${hex(s.address)}-${hex(s.address + s.memSize)}`);
    throw bad(`entry point ${hex(entry)} is not inside an executable segment (${exec.length ? `executable: ${exec.join(', ')}` : 'no segment is executable'})`);
  }

  // section headers: only the symbol table is used, but every one must make sense
  if (!inFile(shoff, shnum * SHDR_SIZE)) throw pastEnd('section header table', `e_shoff ${x(shoff)} + ${shnum} x ${SHDR_SIZE} bytes`);
  const shdrs: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * SHDR_SIZE;
    shdrs.push({
      name: file.readUInt32LE(o), type: file.readUInt32LE(o + 4), offset: file.readUInt32LE(o + 16),
      size: file.readUInt32LE(o + 20), link: file.readUInt32LE(o + 24), entsize: file.readUInt32LE(o + 36),
    });
  }
  const typeName = (t: number) => SHT_NAMES[t] ?? `type ${x(t)}`;
  /** a NUL-terminated string at offset in a string table known to be in the file, or undefined */
  const stringAt = (table: SectionHeader, offset: number): string | undefined => {
    if (offset >= table.size) return undefined;
    const bytes = file.subarray(table.offset, table.offset + table.size);
    const end = bytes.indexOf(0, offset);
    return end < 0 ? undefined : bytes.toString('latin1', offset, end);
  };
  const names = shdrs[shstrndx];
  const namesUsable = names !== undefined && names.type === SHT_STRTAB && inFile(names.offset, names.size);
  const section = (i: number) => {
    const h = shdrs[i]!;
    const name = namesUsable && i !== 0 ? stringAt(names, h.name) : undefined;
    return `section ${i} (${name || typeName(h.type)})`;
  };
  for (const [i, h] of shdrs.entries()) {
    if (h.type === SHT_NULL || h.type === SHT_NOBITS) continue;
    if (!inFile(h.offset, h.size)) throw pastEnd(section(i), `sh_offset ${x(h.offset)} + sh_size ${x(h.size)}`);
  }

  const symbols: ElfSymbol[] = [];
  const mapping: { address: number; state: MappingState }[] = [];
  const symtabIndex = shdrs.findIndex((h) => h.type === SHT_SYMTAB);
  const symtab = shdrs[symtabIndex];
  if (symtab) {
    const what = section(symtabIndex);
    if (symtab.entsize !== SYM_SIZE) throw bad(`${what}: sh_entsize ${symtab.entsize} is not ${SYM_SIZE}, the size of an ELF32 symbol`);
    if (symtab.size % SYM_SIZE) throw bad(`${what}: sh_size ${x(symtab.size)} is not a whole number of ${SYM_SIZE}-byte symbols`);
    const strtab = shdrs[symtab.link];
    if (!strtab) throw bad(`${what}: string table link sh_link ${symtab.link} is out of range (e_shnum ${shnum})`);
    if (strtab.type !== SHT_STRTAB) {
      throw bad(`${what}: string table link sh_link ${symtab.link} names ${section(symtab.link)}, not a string table (SHT_STRTAB)`);
    }
    // (its file range was checked with the other sections)
    if (strtab.size === 0 || file[strtab.offset + strtab.size - 1] !== 0) {
      throw bad(`${section(symtab.link)}: string table does not end with a NUL byte`);
    }
    // entry 0 is the reserved null symbol
    for (let k = 1; k < symtab.size / SYM_SIZE; k++) {
      const o = symtab.offset + k * SYM_SIZE;
      const nameOff = file.readUInt32LE(o);
      const value = file.readUInt32LE(o + 4);
      const symSize = file.readUInt32LE(o + 8);
      const info = file[o + 12]!;
      const shndx = file.readUInt16LE(o + 14);
      if (nameOff >= strtab.size) {
        throw bad(`${what} symbol ${k}: name offset st_name ${x(nameOff)} is past the end of ${section(symtab.link)} (${x(strtab.size)} bytes)`);
      }
      if (shndx === 0 || shndx === SHN_ABS) continue; // undefined, absolute (.equ, sizes)
      const name = stringAt(strtab, nameOff)!; // the table ends with a NUL
      const stype = info & 0xf;
      if (!name || stype === 3 || stype === 4) continue; // section, file
      if (/^\$[atd](\.|$)/.test(name)) {
        mapping.push({ address: (value & ~1) >>> 0, state: name[1] as MappingState });
        continue;
      }
      symbols.push({
        name, address: stype === 2 ? (value & ~1) >>> 0 : value, size: symSize,
        kind: stype === 2 ? 'func' : stype === 1 ? 'object' : 'label',
      });
    }
  }
  return new FirmwareImage(path, entry, segments.map(({ index: _, ...s }) => s), symbols, mapping, new Uint8Array(file));
}
