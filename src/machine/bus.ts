/**
 * The shared memory bus: RAM that every core maps (one host buffer per
 * region, so a store by one engine is a load away for every other and for
 * TypeScript), and devices mapped into every core's address space.
 *
 * Code coherence between engines (an engine's translation cache does not see
 * another's writes) is kept by the native stepper on every RAM write; host
 * writes go through `load`, which does the same.
 */
import type { Board, RamSpec } from './board.js';
import type { Device } from './devices/device.js';
import { DeviceError } from './devices/device.js';
import { HostRam, NativeBus, type NativeCore } from './native.js';

const PAGE = 4096;
/** the stepper tracks translated code per 16 bytes (penstep.c CHUNK_SHIFT) */
const CHUNK = 16;
/** words per page: the reader bits are a byte per word */
const WORDS = PAGE / 4;
/** bytes of the written-chunks bitmap per page (a bit per CHUNK) */
const CHUNK_BYTES_PER_PAGE = PAGE / CHUNK / 8;

/** RAM as a snapshot holds it: by global page index, the pages written since reset and the reader bits */
export interface RamSnapshot {
  pages: Map<number, Uint8Array>;
  readers: Map<number, Uint8Array>;
  epoch: number;
  seenEpoch: number;
}

/** whether bytes[at, at+16) equal orig[o, o+16) (absent orig: zeros) */
function sameChunk(bytes: Uint8Array, at: number, orig: Uint8Array | undefined, o: number): boolean {
  for (let k = 0; k < CHUNK; k++) if (bytes[at + k] !== (orig ? orig[o + k] : 0)) return false;
  return true;
}

export interface Mapping {
  base: number;
  device: Device;
  /** what traces call its address range (`gic`, `uart0`, …) */
  region: string;
}

export class Bus {
  readonly native = new NativeBus();
  readonly ram: HostRam[] = [];
  readonly mappings: Mapping[] = [];
  /** set by the machine: a device refused an access (the run ends as a fault) */
  onDeviceError: (core: number, message: string) => void = () => {};
  /** set by the machine: a core is about to touch a device (events so far must be in order first) */
  beforeDeviceAccess: (core: number, write: boolean, address: number) => void = () => {};
  /** set by the machine: which device address a core touches (after beforeDeviceAccess) */
  onDeviceAccess: (core: number, address: number, write: boolean) => void = () => {};
  /** set by the machine: what a device read returned */
  afterDeviceRead: (core: number, address: number, value: number) => void = () => {};
  /** set by the machine: an access a device took (a read: with what it returned), for traces */
  onDeviceData: (core: number, write: boolean, address: number, size: number, value: number, region: string) => void = () => {};

  constructor(readonly board: Board) {
    for (const spec of [board.sram, board.dram] as RamSpec[]) {
      const r = new HostRam(spec.base, spec.size);
      this.ram.push(r);
      this.native.addRam(r);
    }
  }

  map(base: number, device: Device, region: string): void {
    this.mappings.push({ base, device, region });
  }

  /** Maps every device into a core, one uc_mmio_map per 4 KiB page group. */
  attach(core: NativeCore): void {
    const pages = new Map<number, Mapping[]>();
    for (const m of this.mappings) {
      for (let p = m.base & ~0xfff; p < m.base + m.device.size; p += 0x1000) {
        pages.set(p, [...(pages.get(p) ?? []), m]);
      }
    }
    for (const [page, ms] of [...pages].sort((a, b) => a[0] - b[0])) {
      const find = (off: number) => {
        const a = page + off;
        const m = ms.find((x) => a >= x.base && a < x.base + x.device.size);
        return m ? { m, off: a - m.base } : undefined;
      };
      const where = (off: number) => `0x${(page + off).toString(16).padStart(8, '0')}`;
      core.mapMmio(page, 0x1000, (off, size) => {
        this.beforeDeviceAccess(core.id, false, page + off);
        this.onDeviceAccess(core.id, page + off, false);
        try {
          const hit = find(off);
          if (!hit) throw new DeviceError(`read of unmapped device address ${where(off)}`);
          const value = hit.m.device.read(core.id, hit.off, size);
          this.afterDeviceRead(core.id, page + off, value);
          this.onDeviceData(core.id, false, page + off, size, value, hit.m.region);
          return value;
        } catch (e) {
          this.onDeviceError(core.id, `${e instanceof Error ? e.message : String(e)} (address ${where(off)})`);
          return 0;
        }
      }, (off, size, value) => {
        this.beforeDeviceAccess(core.id, true, page + off);
        this.onDeviceAccess(core.id, page + off, true);
        try {
          const hit = find(off);
          if (!hit) throw new DeviceError(`write of unmapped device address ${where(off)}`);
          this.onDeviceData(core.id, true, page + off, size, value, hit.m.region);
          hit.m.device.write(core.id, hit.off, size, value);
        } catch (e) {
          this.onDeviceError(core.id, `${e instanceof Error ? e.message : String(e)} (address ${where(off)})`);
        }
      });
    }
  }

  /** a device address as reports name it: `GICD_SGIR`, or `device register 0x10009000 (uart0)` */
  deviceRegister(address: number): string {
    const a = address >>> 0;
    const m = this.mappings.find((x) => a >= x.base && a < x.base + x.device.size);
    const name = m?.device.registerName?.(a - m.base);
    return name ?? `device register 0x${a.toString(16).padStart(8, '0')}${m ? ` (${m.region})` : ''}`;
  }

  regionOf(address: number): HostRam | undefined {
    const a = address >>> 0;
    return this.ram.find((r) => a - r.base < r.size && a >= r.base);
  }

  isRam(address: number, length = 1): boolean {
    const r = this.regionOf(address);
    return !!r && (address >>> 0) - r.base + length <= r.size;
  }

  readU8(address: number): number {
    const r = this.regionOf(address);
    return r ? r.bytes[(address >>> 0) - r.base]! : 0;
  }

  readU16(address: number): number {
    return this.readU8(address) | (this.readU8(address + 1) << 8);
  }

  readU32(address: number): number {
    return (this.readU16(address) | (this.readU16(address + 2) << 16)) >>> 0;
  }

  /** bytes [address, address+length) if all of them are RAM */
  slice(address: number, length: number): Uint8Array | undefined {
    const r = this.regionOf(address);
    if (!r || !this.isRam(address, length)) return undefined;
    const off = (address >>> 0) - r.base;
    return r.bytes.subarray(off, off + length);
  }

  /** A host write: every engine drops its translations of the pages touched. */
  load(address: number, bytes: Uint8Array): void {
    const r = this.regionOf(address);
    if (!r || !this.isRam(address, bytes.length)) {
      throw new Error(`host write of ${bytes.length} bytes at 0x${(address >>> 0).toString(16)} is outside RAM`);
    }
    r.bytes.set(bytes, (address >>> 0) - r.base);
    this.native.hostWrote(address, bytes.length);
  }

  /**
   * A RAM address as the stepper's global offset: regions laid end to end in
   * the order they were added (penstep.c's global_off). Per-word and per-page
   * tables shared with the stepper are indexed by it.
   */
  globalOffset(address: number): number {
    return this.pageIndex(address & ~(PAGE - 1)) * PAGE + (address & (PAGE - 1));
  }

  private pageIndex(address: number): number {
    let index = 0;
    for (const r of this.ram) {
      if (address >= r.base && address < r.base + r.size) return index + (address - r.base) / PAGE;
      index += r.size / PAGE;
    }
    throw new Error(`0x${address.toString(16)} is not RAM`);
  }

  /**
   * Which RAM accesses are scheduling points: every one, or only those to the
   * given words ([address, words] ranges, whole RAM words; checked by the caller).
   */
  setSharedWords(words: [number, number][] | 'all'): void {
    const native = this.native;
    native.wordShared.fill(0);
    native.allShared = words === 'all';
    if (words === 'all') return;
    for (const [address, count] of words) {
      const first = this.globalOffset(address) >>> 2;
      for (let w = first; w < first + count; w++) native.wordShared[w >>> 3] = native.wordShared[w >>> 3]! | (1 << (w & 7));
    }
  }

  /** whether an access to the RAM word at `address` is a scheduling point */
  isSharedWord(address: number): boolean {
    if (!this.isRam(address & ~3, 4)) return false;
    if (this.native.allShared) return true;
    const w = this.globalOffset(address & ~3) >>> 2;
    return (this.native.wordShared[w >>> 3]! & (1 << (w & 7))) !== 0;
  }

  /**
   * Puts back every page written since the last call (but those in
   * `except`): the bytes in `pristine` (by page address) or zeros. Only the 16-byte chunks that differ are
   * written and dropped from the engines' translations: code beside a data
   * word the run changed keeps its translation into the next run.
   */
  restoreDirtyPages(pristine: Map<number, Uint8Array>, except?: Map<number, unknown>): void {
    const dirty = this.native.dirty;
    for (const g of dirty.pages()) {
      this.markChunksWritten(g, false);
      if (except?.has(g)) continue;
      const [ram, at] = this.pageAt(g);
      this.putBack(ram, at, pristine.get(ram.base + at));
    }
    dirty.clear();
  }

  /** page `g`'s 16-byte chunks in the stepper's written-this-run bitmap: all of them, or none */
  private markChunksWritten(g: number, written: boolean): void {
    this.native.chunkWritten.fill(written ? 0xff : 0, g * CHUNK_BYTES_PER_PAGE, (g + 1) * CHUNK_BYTES_PER_PAGE);
  }

  /**
   * The RAM part of a machine snapshot: every page written since the reset
   * (the rest is as loaded), who read which word, and the epochs polls
   * compare. A few pages for the firmwares here, so copying them is cheap.
   */
  saveRam(): RamSnapshot {
    const n = this.native;
    const pages = new Map<number, Uint8Array>();
    const readers = new Map<number, Uint8Array>();
    for (const g of n.dirty.pages()) {
      const [ram, at] = this.pageAt(g);
      pages.set(g, ram.bytes.slice(at, at + PAGE));
    }
    for (const g of n.readers.pages()) readers.set(g, n.wordReaders.slice(g * WORDS, (g + 1) * WORDS));
    return { pages, readers, epoch: n.epoch, seenEpoch: n.seenEpoch };
  }

  /**
   * Back to a snapshot's RAM: pages written since then or in the snapshot
   * get its bytes (or the loaded ones), chunk by chunk as a reset does, so
   * the engines drop exactly the translations of code that changed.
   */
  restoreRam(s: RamSnapshot, pristine: Map<number, Uint8Array>): void {
    const n = this.native;
    // (the pages the snapshot holds get its bytes below)
    this.restoreDirtyPages(pristine, s.pages);
    for (const g of n.readers.pages()) if (!s.readers.has(g)) n.wordReaders.fill(0, g * WORDS, (g + 1) * WORDS);
    n.readers.clear();
    for (const [g, bytes] of s.pages) {
      const [ram, at] = this.pageAt(g);
      this.putBack(ram, at, bytes);
      n.dirty.add(g);
      // which chunks of it were written is not kept: all of them may have been
      this.markChunksWritten(g, true);
    }
    for (const [g, bits] of s.readers) {
      n.wordReaders.set(bits, g * WORDS);
      n.readers.add(g);
    }
    n.setEpochs(s.epoch, s.seenEpoch);
  }

  /** global page `g`: its region and offset in it */
  private pageAt(g: number): [HostRam, number] {
    let first = 0;
    for (const ram of this.ram) {
      const pages = ram.size / PAGE;
      if (g < first + pages) return [ram, (g - first) * PAGE];
      first += pages;
    }
    throw new Error(`page ${g} is not RAM`);
  }

  /** the page at `at` gets `target`'s bytes (absent: zeros), written only where a 16-byte chunk differs */
  private putBack(ram: HostRam, at: number, target: Uint8Array | undefined): void {
    for (let c = 0; c < PAGE; c += CHUNK) {
      if (sameChunk(ram.bytes, at + c, target, c)) continue;
      let end = c + CHUNK; // a run of differing chunks is one write
      while (end < PAGE && !sameChunk(ram.bytes, at + end, target, end)) end += CHUNK;
      if (target) ram.bytes.set(target.subarray(c, end), at + c);
      else ram.bytes.fill(0, at + c, at + end);
      this.native.hostWrote(ram.base + at + c, end - c);
      c = end - CHUNK;
    }
  }

  dispose(): void {
    this.native.dispose();
    for (const r of this.ram) r.dispose();
  }
}
