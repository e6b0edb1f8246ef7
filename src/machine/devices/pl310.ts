/**
 * The PL310 (L2C-310) level 2 cache controller at 0x1E00A000, as QEMU's
 * hw/misc/arm_l2x0.c presents it (r3p2, cache ID 0x410000C8) and the L2C-310
 * TRM lays it out. There is no L2 data model: the bus is coherent already,
 * so every maintenance operation completes at once (its register reads 0,
 * "not in progress"). Registers QEMU decodes behave as there (debug,
 * prefetch and power control read as zero); those it does not (event
 * counters, interrupt mask, lockdown) are stored as the TRM has them, so
 * everything Linux's cache-l2x0.c writes is accepted.
 */
import type { Device } from './device.js';
import { RegisterMap } from './device.js';

const CACHE_ID = 0x410000c8;
const CACHE_TYPE = 0x1c100100;
const AUX_RESET = 0x02020000;

export class Pl310 implements Device {
  readonly name = 'PL310 L2 cache controller';
  readonly size = 0x1000;
  readonly stored = new Map<string, number>();
  control = 0;
  readonly stateFields = ['control', 'aux'];
  aux = AUX_RESET;

  read(core: number, offset: number, size: number): number {
    return REGISTERS.read(this, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    REGISTERS.write(this, core, offset, size, value);
  }
  reset(): void {
    this.stored.clear();
    this.control = 0;
    this.aux = AUX_RESET;
  }

  /** QEMU folds the way size and associativity of aux control into cache type */
  get cacheType(): number {
    const ways = (this.aux >>> 17) & 7;
    const assoc = (this.aux >>> 16) & 1;
    const d = ((ways << 2) | assoc) >>> 0;
    return (CACHE_TYPE | (d << 18) | (d << 6)) >>> 0;
  }
}

/** a register that reads back what was written */
function stored(name: string, offset: number, count?: number) {
  const key = (i: number) => (count ? `${name}${i}` : name);
  return {
    name, offset, count,
    read: (d: Pl310, _c: number, i: number) => d.stored.get(key(i)) ?? 0,
    write: (d: Pl310, _c: number, v: number, i: number) => { d.stored.set(key(i), v >>> 0); },
  };
}

/** a maintenance operation: completes at once, so it always reads 0 (not in progress) */
function operation(name: string, offset: number) {
  return { name, offset, read: () => 0, write: () => {} };
}

const REGISTERS = new RegisterMap<Pl310>('PL310', [
  { name: 'REG0_CACHE_ID', offset: 0x000, read: () => CACHE_ID },
  { name: 'REG0_CACHE_TYPE', offset: 0x004, read: (d) => d.cacheType },
  { name: 'REG1_CONTROL', offset: 0x100, read: (d) => d.control, write: (d, _c, v) => { d.control = v & 1; } },
  { name: 'REG1_AUX_CONTROL', offset: 0x104, read: (d) => d.aux, write: (d, _c, v) => { d.aux = v >>> 0; } },
  stored('REG1_TAG_RAM_CONTROL', 0x108),
  stored('REG1_DATA_RAM_CONTROL', 0x10c),
  stored('REG2_EV_COUNTER_CTRL', 0x200),
  stored('REG2_EV_COUNTER1_CFG', 0x204),
  stored('REG2_EV_COUNTER0_CFG', 0x208),
  stored('REG2_EV_COUNTER1', 0x20c),
  stored('REG2_EV_COUNTER0', 0x210),
  stored('REG2_INT_MASK', 0x214),
  { name: 'REG2_INT_MASK_STATUS', offset: 0x218, read: () => 0 },
  { name: 'REG2_INT_RAW_STATUS', offset: 0x21c, read: () => 0 },
  { name: 'REG2_INT_CLEAR', offset: 0x220, write: () => {} },
  operation('REG7_CACHE_SYNC', 0x730),
  operation('REG7_INV_PA', 0x770),
  operation('REG7_INV_WAY', 0x77c),
  operation('REG7_CLEAN_PA', 0x7b0),
  operation('REG7_CLEAN_INDEX', 0x7b8),
  operation('REG7_CLEAN_WAY', 0x7bc),
  operation('REG7_CLEAN_INV_PA', 0x7f0),
  operation('REG7_CLEAN_INV_INDEX', 0x7f8),
  operation('REG7_CLEAN_INV_WAY', 0x7fc),
  // lockdown by way, per master: D and I for masters 0-7 (0x900 + 8n, 0x904 + 8n)
  stored('REG9_LOCKDOWN', 0x900, 16),
  stored('REG9_LOCK_LINE_EN', 0x950),
  stored('REG9_UNLOCK_WAY', 0x954),
  stored('REG12_ADDR_FILTERING_START', 0xc00),
  stored('REG12_ADDR_FILTERING_END', 0xc04),
  // QEMU decodes these three as read-as-zero, writes ignored: so does penlab
  { name: 'REG15_DEBUG_CTRL', offset: 0xf40, read: () => 0, write: () => {} },
  { name: 'REG15_PREFETCH_CTRL', offset: 0xf60, read: () => 0, write: () => {} },
  { name: 'REG15_POWER_CTRL', offset: 0xf80, read: () => 0, write: () => {} },
]);
