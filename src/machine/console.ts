/**
 * The console transcript (UART0 and semihosting, one stream): bytes and the
 * core that wrote each, two bytes of memory per character, up to a limit.
 * Past the limit bytes are counted, not kept, so a firmware that prints
 * forever costs a bounded amount of memory; reports say how many were dropped.
 */
export const DEFAULT_CONSOLE_LIMIT = 1 << 20;

export class ConsoleLog {
  private bytes = new Uint8Array(256);
  private cores = new Uint8Array(256);
  /** bytes kept */
  length = 0;
  /** bytes written past the limit */
  dropped = 0;
  readonly stateFields = ['bytes', 'cores', 'length', 'dropped'];

  constructor(readonly limit = DEFAULT_CONSOLE_LIMIT) {}

  push(core: number, byte: number): void {
    if (this.length >= this.limit) {
      this.dropped++;
      return;
    }
    if (this.length === this.bytes.length) {
      const size = Math.min(this.limit, this.bytes.length * 2);
      const grow = (a: Uint8Array) => { const b = new Uint8Array(size); b.set(a); return b; };
      this.bytes = grow(this.bytes);
      this.cores = grow(this.cores);
    }
    this.bytes[this.length] = byte;
    this.cores[this.length++] = core;
  }

  /** the kept bytes, as Latin-1 */
  text(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length).toString('latin1');
  }

  /** one digit per kept byte: the core that wrote it */
  coreDigits(): string {
    return Buffer.from(this.cores.subarray(0, this.length).map((c) => 0x30 + c)).toString('latin1');
  }

  clear(): void {
    this.length = 0;
    this.dropped = 0;
  }
}
