/**
 * A plain-text trace of a run: one line per retired instruction in global
 * step order, RAM accesses under it, and one line per machine event. No host
 * addresses, times or paths: the same firmware and schedule give the same
 * bytes on any machine. Written to a temporary file and renamed into place
 * when the run ends, so a failed run leaves nothing half-written.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hex, wordBytes } from '../format.js';
import { InputError } from '../errors.js';
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import { disassemble } from '../disasm.js';

const ADDRESS_FIELDS = new Set(['pc', 'vector']);


export class TraceWriter implements MachineObserver {
  private fd: number;
  private buf: string[] = [];
  private bytes = 0;
  private readonly tmp: string;
  private readonly insn = new Map<string, string>();

  constructor(private readonly machine: Machine, private readonly path: string) {
    this.tmp = `${path}.partial`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new InputError(`--trace ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }

  private line(s: string): void {
    this.buf.push(s);
    this.bytes += s.length;
    if (this.bytes > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.bytes = 0;
  }

  fetch(core: number, step: number, pc: number, size: number, word: number): void {
    const m = this.machine;
    const bytes = wordBytes(word, size);
    const key = `${pc}:${bytes.join(',')}`;
    let text = this.insn.get(key);
    if (text === undefined) {
      text = disassemble(bytes, pc, m.firmware.isThumbAt(pc) ?? size === 2);
      this.insn.set(key, text);
    }
    const op = Array.from(bytes).reverse().map((b) => b.toString(16).padStart(2, '0')).join('');
    this.line(`${step} c${core} ${hex(pc)} ${op.padEnd(8)} ${text.padEnd(32)} ; ${m.symbolize(pc)}`);
  }

  read(core: number, _step: number, address: number, size: number, value: number): void {
    this.line(`    c${core} R${size} ${hex(address)} = 0x${(value >>> 0).toString(16)}`);
  }

  write(core: number, _step: number, address: number, size: number, value: number): void {
    this.line(`    c${core} W${size} ${hex(address)} = 0x${(value >>> 0).toString(16)}`);
  }

  event(e: MachineEvent): void {
    const { kind, step, ...rest } = e;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${ADDRESS_FIELDS.has(k) && typeof v === 'number' ? hex(v) : JSON.stringify(v)}`);
    this.line(`# ${step} ${kind} ${fields.join(' ')}`);
  }

  finish(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    try { closeSync(this.fd); } catch { /* already closed */ }
    rmSync(this.tmp, { force: true });
  }
}
