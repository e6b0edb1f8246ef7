/**
 * Disassembly for reports (capstone, compiled to WebAssembly, from npm).
 * Loaded once, asynchronously; `disassemble` is synchronous afterwards.
 */
import type { Capstone } from 'capstone-wasm';

/**
 * The emscripten module capstone-wasm runs in: the object handed to
 * `loadCapstone` becomes it, so its heap and C functions are reachable for
 * what the package does not wrap (cs_regs_access, which needs detail mode).
 */
interface CapstoneModule {
  HEAPU8?: Uint8Array;
  HEAPU16?: Uint16Array;
  HEAPU32?: Uint32Array;
  _malloc?(size: number): number;
  _cs_regs_access?(handle: number, insn: number, read: number, readCount: number, write: number, writeCount: number): number;
  UTF8ToString?(ptr: number): string;
}

let engines: { arm: Capstone; thumb: Capstone } | undefined;
/** the package itself, once loaded (with `engines`) */
let lib: typeof import('capstone-wasm') | undefined;
const wasm: CapstoneModule = {};
let loading: Promise<void> | undefined;

export function initDisassembler(): Promise<void> {
  // imported here, not at the top: a command that disassembles nothing never parses it
  return (loading ??= import('capstone-wasm').then(async (mod) => {
    const { Capstone, Const } = mod;
    await mod.loadCapstone(wasm as Record<string, unknown>);
    lib = mod;
    engines = {
      arm: new Capstone(Const.CS_ARCH_ARM, Const.CS_MODE_ARM),
      thumb: new Capstone(Const.CS_ARCH_ARM, Const.CS_MODE_THUMB),
    };
  }));
}

/**
 * `disassemble`, put off until the text is first read (and kept from then
 * on): a detector names the instruction of a hazard it finds mid-run, and
 * `runFirmware` loads capstone (a 1.7 MB WebAssembly module) only when the
 * run has a hazard to report, never for a run that passes.
 */
export function deferDisassembly(bytes: Uint8Array, address: number, thumb: boolean): () => string {
  let text: string | undefined;
  return () => text ?? (engines ? (text = disassemble(bytes, address, thumb)) : disassemble(bytes, address, thumb));
}

/** `mnemonic operands` of the first instruction in bytes, or `.word 0x...` when it does not decode */
export function disassemble(bytes: Uint8Array, address: number, thumb: boolean): string {
  const raw = Array.from(bytes.subarray(0, thumb ? Math.min(bytes.length, 4) : 4));
  const word = thumb && raw.length >= 2 && ((raw[1]! << 8 | raw[0]!) >>> 11) < 0x1d
    ? `.hword 0x${(raw[1]! << 8 | raw[0]!).toString(16).padStart(4, '0')}`
    : `.word 0x${raw.map((b) => b.toString(16).padStart(2, '0')).reverse().join('')}`;
  if (!engines) return word;
  try {
    const insn = (thumb ? engines.thumb : engines.arm).disasm(raw, { address, count: 1 })[0];
    return insn ? `${insn.mnemonic} ${insn.opStr}`.trim() : word;
  } catch {
    return word;
  }
}

// ---- the registers an instruction writes (traces) ----

/** capstone's names of the core registers, as traces name them */
const CORE_NAMES: Record<string, string> = { sb: 'r9', sl: 'r10', fp: 'r11', ip: 'r12' };
const CORE_REG = /^(r\d|r1[0-2]|sp|lr)$/;

interface Detail { arm: Capstone; thumb: Capstone; scratch: number }
let detail: Detail | undefined;

function detailEngines(): Detail | undefined {
  const m = wasm;
  if (!engines || !lib || !m._malloc || !m._cs_regs_access) return undefined;
  if (!detail) {
    const { Capstone, Const } = lib;
    const open = (mode: number) => {
      const cs = new Capstone(Const.CS_ARCH_ARM, mode);
      cs.setOption(Const.CS_OPT_DETAIL, Const.CS_OPT_ON);
      return cs;
    };
    // one block: the cs_insn* out-pointer, two 64-entry uint16 register lists and their uint8 counts
    detail = { arm: open(Const.CS_MODE_ARM), thumb: open(Const.CS_MODE_THUMB), scratch: m._malloc(4 + 128 + 128 + 8) };
  }
  return detail;
}

/** MRC's Rt (capstone does not mark it written); APSR_nzcv (Rt = 15) is flags, which CPSR's delta shows */
function mrcTarget(bytes: Uint8Array, thumb: boolean): number | undefined {
  if (bytes.length < 4) return undefined;
  const w = (bytes[0]! | bytes[1]! << 8 | bytes[2]! << 16 | bytes[3]! << 24) >>> 0;
  let rt: number | undefined;
  if (!thumb) rt = (w & 0x0f100010) === 0x0e100010 && w >>> 28 !== 0xf ? (w >>> 12) & 0xf : undefined;
  else rt = (w & 0xef10) === 0xee10 && (w & 0x100000) !== 0 ? w >>> 28 : undefined;
  return rt === undefined || rt === 15 ? undefined : rt;
}

/**
 * The core registers (r0–r12, sp, lr) the instruction writes when it
 * executes, whatever the values — capstone's detail mode (cs_regs_access:
 * explicit operands, writeback, implicit writes such as BL's LR); PC and
 * the flags are left out. SVC's LR is the exception entry's, not the
 * instruction's. Empty when it does not decode.
 */
export function writtenRegisters(bytes: Uint8Array, address: number, thumb: boolean): string[] {
  const d = detailEngines();
  const m = wasm;
  if (!d || !lib) return [];
  const { Capstone } = lib;
  const cs = thumb ? d.thumb : d.arm;
  const raw = Array.from(bytes.subarray(0, 4));
  const out = d.scratch;
  const n = Capstone.call('cs_disasm', cs.handle, raw, raw.length, BigInt(address >>> 0), 1, out) as number;
  if (!n) return [];
  const insn = m.HEAPU32![out >>> 2]!;
  const names = new Set<string>();
  const [readList, readCount, writeList, writeCount] = [out + 4, out + 4 + 256, out + 4 + 128, out + 4 + 257];
  if (m._cs_regs_access!(cs.handle, insn, readList, readCount, writeList, writeCount) === 0) {
    for (let i = 0; i < m.HEAPU8![writeCount]!; i++) {
      const name = cs.getRegName(m.HEAPU16![(writeList >>> 1) + i]!);
      const core = CORE_NAMES[name] ?? name;
      if (CORE_REG.test(core)) names.add(core);
    }
  }
  const mnemonic = m.UTF8ToString!(insn + 42);
  Capstone.call('cs_free', insn, n);
  if (mnemonic.startsWith('svc')) names.delete('lr');
  const rt = mrcTarget(bytes, thumb);
  if (rt !== undefined) names.add(rt === 13 ? 'sp' : rt === 14 ? 'lr' : `r${rt}`);
  return [...names];
}
