/**
 * Small value formats every layer shares. It imports nothing, so any module
 * may use it without reaching upward.
 */

/** a 32-bit address or value as `0x` and eight hex digits */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** an instruction's bytes from the little-endian word the stepper logged */
export function wordBytes(word: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (word >>> (8 * i)) & 0xff;
  return b;
}
