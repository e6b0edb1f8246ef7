/**
 * Instruction records written straight into the writer's batch buffer.
 *
 * A long traced run retires millions of instructions; building a record
 * object, hex strings and a line string for each, then joining a batch of
 * them, made Node's heap grow by hundreds of megabytes before its lazy
 * collector caught up (docs/traces.md, "Memory"). Here an instruction is a
 * few numbers (`InsnView`) and what is the same every time its PC runs —
 * PC, bytes, mode, symbol, disassembly — is encoded once per distinct
 * instruction and mode (`InsnText`) and copied in; the step, registers and
 * accesses are formatted digit by digit. Nothing per record survives it.
 *
 * The bytes must be exactly what formats.ts's `render` makes of the same
 * record (test/trace.test.ts reads traces back and renders them again).
 */
import type { TraceFormat } from './formats.js';
import { modeName } from './record.js';

const utf8 = new TextEncoder();
const HEX_DIGITS = utf8.encode('0123456789abcdef');
const ascii = (s: string) => utf8.encode(s);

/** A growable byte buffer written in place; `take` hands out its filled part and starts again. */
export class ByteBuffer {
  private buf: Uint8Array;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  /** room for n more bytes */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** the bytes so far: valid until the next write (sinks consume them synchronously) */
  take(): Uint8Array {
    const filled = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return filled;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.pos++] = c;
  }

  text(s: string): void {
    this.bytes(utf8.encode(s));
  }

  decimal(n: number): void {
    this.reserve(16);
    const b = this.buf;
    if (n === 0) { b[this.pos++] = 0x30; return; }
    let digits = 0;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let at = this.pos + digits;
    this.pos = at;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) b[--at] = 0x30 + (x % 10);
  }

  /** 0x and eight hex digits */
  hex32(v: number): void {
    this.reserve(10);
    const b = this.buf;
    b[this.pos++] = 0x30;
    b[this.pos++] = 0x78;
    for (let shift = 28; shift >= 0; shift -= 4) b[this.pos++] = HEX_DIGITS[(v >>> shift) & 0xf]!;
  }
}

/** What one retired instruction is, as numbers; the recorder reuses one for every record. */
export interface InsnView {
  step: number;
  core: number;
  /** the constant part of its line */
  text: InsnText;
  /** bit i: TRACED_REGS[i] is listed, with `regs[i]` */
  regMask: number;
  regs: Uint32Array;
  memCount: number;
  /** per access, MEM_STRIDE words: write flag | size << 1 | region << 8, address, value */
  mem: Uint32Array;
}
export const MEM_STRIDE = 3;

/** An instruction at a PC in one mode, pre-encoded for both formats. */
export class InsnText {
  private readonly encoded: Uint8Array[] = [];

  constructor(
    readonly pc: number, readonly bytesHex: string, readonly thumb: boolean, readonly cpsrMode: number,
    readonly sym: string, readonly asm: string,
  ) {}

  /** text: ` IT PC BYTES A|T MODE SYM : ASM`; jsonl: `,"pc":…,"asm":…` (both after the step and core) */
  encode(format: TraceFormat): Uint8Array {
    const i = format === 'text' ? 0 : 1;
    let e = this.encoded[i];
    if (!e) {
      const pc = `0x${this.pc.toString(16).padStart(8, '0')}`;
      const mode = modeName(this.cpsrMode);
      e = this.encoded[i] = ascii(format === 'text'
        ? ` IT ${pc} ${this.bytesHex} ${this.thumb ? 'T' : 'A'} ${mode} ${this.sym} : ${this.asm}`
        : `,"pc":"${pc}","sym":${JSON.stringify(this.sym)},"mode":"${mode}","isa":"${this.thumb ? 'thumb' : 'arm'}","bytes":"${this.bytesHex}","asm":${JSON.stringify(this.asm)}`);
    }
    return e;
  }
}

/** Names and separators, encoded once per format. */
export class InsnEncoder {
  private readonly lead: Uint8Array;
  private readonly coreLead: Uint8Array;
  private readonly regNames: Uint8Array[];
  private readonly regionNames: Uint8Array[];
  private readonly f: Record<string, Uint8Array>;

  constructor(readonly format: TraceFormat, regs: readonly string[], regions: readonly string[]) {
    const text = format === 'text';
    this.lead = ascii(text ? '' : '{"kind":"insn","step":');
    this.coreLead = ascii(text ? ' c' : ',"core":');
    this.regNames = regs.map((r) => ascii(text ? ` ${r}=` : `"${r}":"`));
    this.regionNames = regions.map((r) => ascii(text ? ` ${r}` : `","region":"${r}"}`));
    this.f = Object.fromEntries(Object.entries(text
      ? { regsOpen: ' ;', regSep: '', regsClose: '', memOpen: '', read: ' ; R', write: ' ; W', addr: ' ', value: '=', memClose: '', end: '\n' }
      : {
        regsOpen: ',"regs":{', regSep: '",', regsClose: '"}', memOpen: ',"mem":[', read: '{"rw":"r","addr":"', write: '{"rw":"w","addr":"',
        size: '","size":', value: ',"value":"', memSep: ',', memClose: ']', end: '}\n',
      }).map(([k, v]) => [k, ascii(v)]));
  }

  write(out: ByteBuffer, r: InsnView): void {
    const f = this.f;
    const text = this.format === 'text';
    out.bytes(this.lead);
    out.decimal(r.step);
    out.bytes(this.coreLead);
    out.decimal(r.core);
    out.bytes(r.text.encode(this.format));
    if (r.regMask) {
      out.bytes(f.regsOpen!);
      let first = true;
      for (let i = 0; i < this.regNames.length; i++) {
        if (!(r.regMask & (1 << i))) continue;
        if (!first) out.bytes(f.regSep!);
        first = false;
        out.bytes(this.regNames[i]!);
        out.hex32(r.regs[i]!);
      }
      out.bytes(f.regsClose!);
    }
    if (r.memCount) {
      out.bytes(f.memOpen!);
      for (let n = 0; n < r.memCount; n++) {
        const at = n * MEM_STRIDE;
        const meta = r.mem[at]!;
        const size = (meta >>> 1) & 0x7f;
        if (!text && n > 0) out.bytes(f.memSep!);
        out.bytes(meta & 1 ? f.write! : f.read!);
        if (text) {
          out.decimal(size);
          out.bytes(f.addr!);
          out.hex32(r.mem[at + 1]!);
        } else {
          out.hex32(r.mem[at + 1]!);
          out.bytes(f.size!);
          out.decimal(size);
        }
        out.bytes(f.value!);
        out.hex32(r.mem[at + 2]!);
        out.bytes(this.regionNames[meta >>> 8]!);
      }
      out.bytes(f.memClose!);
    }
    out.bytes(f.end!);
  }
}
