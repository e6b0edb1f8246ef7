/**
 * ARMv7 instruction classes the machine and its checks need to recognise in
 * a fetched 32-bit word (ARM or Thumb-2, little-endian halfwords).
 */

/** ISB, or an exception return: the context-synchronization events an instruction can be */
export function isContextSync(w: number): boolean {
  if ((w & 0xfffffff0) >>> 0 === 0xf57ff060) return true; // ISB (ARM)
  if ((w & 0xffff) === 0xf3bf && ((w >>> 16) & 0xfff0) === 0x8f60) return true; // ISB (Thumb-2)
  return isExceptionReturn(w);
}

/** SUBS PC, LR / MOVS PC, LR, LDM ^ with PC, RFE, ERET */
export function isExceptionReturn(w: number): boolean {
  if ((w & 0xffff) === 0xf3de && ((w >>> 16) & 0xff00) === 0x8f00) return true; // SUBS PC, LR, #imm (Thumb-2)
  if (w >>> 28 === 0xf) return (w & 0xfe50ffff) >>> 0 === 0xf8100a00; // RFE
  // data-processing with S and Rd = PC, not TST/TEQ/CMP/CMN or a multiply
  const multiply = (w & 0x02000000) === 0 && (w & 0x90) === 0x90;
  if ((w & 0x0c10f000) === 0x0010f000 && ((w >>> 23) & 3) !== 2 && !multiply) return true;
  if ((w & 0x0e708000) === 0x08508000) return true; // LDM ... {..., pc}^
  return (w & 0x0fffffff) === 0x0160006e; // ERET
}
