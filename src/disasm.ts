/**
 * Disassembly for reports (capstone, compiled to WebAssembly, from npm).
 * Loaded once, asynchronously; `disassemble` is synchronous afterwards.
 */
import { Capstone, Const, loadCapstone } from 'capstone-wasm';

let engines: { arm: Capstone; thumb: Capstone } | undefined;

export async function initDisassembler(): Promise<void> {
  if (engines) return;
  await loadCapstone();
  engines = {
    arm: new Capstone(Const.CS_ARCH_ARM, Const.CS_MODE_ARM),
    thumb: new Capstone(Const.CS_ARCH_ARM, Const.CS_MODE_THUMB),
  };
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
