/**
 * PL011 UART (UART0, 0x10009000), transmit side only: every byte written to
 * UARTDR goes to the run's console transcript, tagged with the core that
 * wrote it. The transmit FIFO is never full, the receive FIFO always empty.
 */
import type { Device } from './device.js';
import { RegisterMap } from './device.js';

const FR_RXFE = 1 << 4;
const FR_TXFE = 1 << 7;

interface UartState {
  ibrd: number; fbrd: number; lcrh: number; cr: number; ifls: number; imsc: number;
}
const RESET: UartState = { ibrd: 0, fbrd: 0, lcrh: 0, cr: 0x300, ifls: 0x12, imsc: 0 };

export class Pl011 implements Device {
  readonly name = 'UART0';
  readonly size = 0x1000;
  s: UartState = { ...RESET };
  readonly stateFields = ['s'];
  constructor(readonly transmit: (core: number, byte: number) => void) {}
  read(core: number, offset: number, size: number): number {
    return REGISTERS.read(this, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    REGISTERS.write(this, core, offset, size, value);
  }
  reset(): void {
    this.s = { ...RESET };
  }
}

const field = (k: keyof UartState, mask: number) => ({
  read: (d: Pl011) => d.s[k],
  write: (d: Pl011, _c: number, v: number) => { d.s[k] = v & mask; },
});
// PrimeCell identification: what Linux's amba bus probes for a PL011
const ID = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

const REGISTERS = new RegisterMap<Pl011>('UART0', [
  { name: 'UARTDR', offset: 0x00, bytes: true, read: () => 0, write: (d, c, v) => d.transmit(c, v & 0xff) },
  { name: 'UARTRSR', offset: 0x04, read: () => 0, write: () => {} },
  { name: 'UARTFR', offset: 0x18, read: () => FR_TXFE | FR_RXFE },
  { name: 'UARTIBRD', offset: 0x24, ...field('ibrd', 0xffff) },
  { name: 'UARTFBRD', offset: 0x28, ...field('fbrd', 0x3f) },
  { name: 'UARTLCR_H', offset: 0x2c, ...field('lcrh', 0xff) },
  { name: 'UARTCR', offset: 0x30, ...field('cr', 0xffff) },
  { name: 'UARTIFLS', offset: 0x34, ...field('ifls', 0x3f) },
  { name: 'UARTIMSC', offset: 0x38, ...field('imsc', 0x7ff) },
  { name: 'UARTRIS', offset: 0x3c, read: () => 0 },
  { name: 'UARTMIS', offset: 0x40, read: () => 0 },
  { name: 'UARTICR', offset: 0x44, write: () => {} },
  { name: 'UARTPeriphID/CellID', offset: 0xfe0, count: 8, read: (_d, _c, i) => ID[i]! },
]);
