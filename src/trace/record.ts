/**
 * The trace record model (docs/traces.md): one record per retired
 * instruction and one per machine event, in global step order. Both file
 * formats (text and JSON Lines) are renderings of these records, and the
 * reader turns either back into them, so `trace diff` never cares which
 * format it was given.
 *
 * Every address and PC is a hex string ("0x" and eight digits) and nothing
 * depends on the host: the same firmware and schedule give the same records.
 */
import { hex } from '../format.js';
import type { Hazard, MachineEvent } from '../machine/events.js';

export interface MemAccess {
  rw: 'r' | 'w';
  addr: string;
  size: number;
  value: string;
  region: string;
}

export interface InsnRecord {
  kind: 'insn';
  step: number;
  core: number;
  pc: string;
  /** symbol+offset of pc */
  sym: string;
  /** processor mode from CPSR.M: usr, fiq, irq, svc, mon, abt, hyp, und, sys */
  mode: string;
  isa: 'arm' | 'thumb';
  /** the instruction as fetched, most significant byte first (as disassemblers print it) */
  bytes: string;
  asm: string;
  /** registers the instruction changed, with their new values (cpsr when any bit changed) */
  regs?: Record<string, string>;
  mem?: MemAccess[];
}

export type EventValue = string | number | boolean | number[];

/** every non-instruction record: `kind` and `step`, then the event's own fields */
export interface EventRecord {
  kind: EventKind;
  step: number;
  [field: string]: EventValue;
}

export const EVENT_KINDS = [
  'switch', 'sgi', 'iar', 'eoi', 'exception', 'eret', 'sleep', 'wake', 'sev', 'semihosting', 'console', 'power', 'hazard',
  'visible',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export const RECORD_KINDS: readonly string[] = ['insn', ...EVENT_KINDS];

export type TraceRecord = InsnRecord | EventRecord;

export const isInsn = (r: TraceRecord): r is InsnRecord => r.kind === 'insn';

const MODES: Record<number, string> = {
  0x10: 'usr', 0x11: 'fiq', 0x12: 'irq', 0x13: 'svc', 0x16: 'mon', 0x17: 'abt', 0x1a: 'hyp', 0x1b: 'und', 0x1f: 'sys',
};
export const modeName = (cpsr: number): string => MODES[cpsr & 0x1f] ?? `m${(cpsr & 0x1f).toString(16)}`;

/** the core a record belongs to, when it belongs to one (a switch names two; a hazard its writer) */
export function coreOf(r: TraceRecord): number | undefined {
  return typeof r.core === 'number' ? r.core : undefined;
}

function hazardFields(h: Hazard, symbolize: (a: number) => string): Record<string, EventValue> {
  const f: Record<string, EventValue> = {
    hazard: h.kind,
    core: h.writer.core, pc: hex(h.writer.pc), sym: h.writer.symbol,
    victim: h.victim.core, victimPc: hex(h.victim.pc), victimSym: h.victim.symbol,
    addr: hex(h.address), addrSym: symbolize(h.address),
  };
  if (h.instruction !== undefined) f.insn = h.instruction;
  if (h.detail !== undefined) f.detail = h.detail;
  return f;
}

/** A machine event as a record: field order fixed here, so output is deterministic. */
export function eventRecord(e: MachineEvent, symbolize: (a: number) => string): EventRecord {
  const at = (kind: EventKind, fields: Record<string, EventValue>): EventRecord => ({ kind, step: e.step, ...fields });
  switch (e.kind) {
    case 'switch': return at('switch', { from: e.from, to: e.to });
    case 'sgi': return at('sgi', { core: e.from, targets: [...e.targets], id: e.id });
    case 'iar': return at('iar', { core: e.core, irq: e.irq, source: e.source });
    case 'eoi': return at('eoi', { core: e.core, irq: e.irq, source: e.source });
    case 'exception-entry':
      return at('exception', { core: e.core, exception: e.exception, pc: hex(e.pc), sym: symbolize(e.pc), vector: hex(e.vector) });
    case 'exception-return': return at('eret', { core: e.core, pc: hex(e.pc), sym: symbolize(e.pc) });
    case 'sleep': return at('sleep', { core: e.core, how: e.how });
    case 'wake': return at('wake', { core: e.core, how: e.how, why: e.why });
    case 'sev': return at('sev', { core: e.core });
    case 'semihosting': return at('semihosting', { core: e.core, op: hex(e.op), name: e.name });
    case 'console': return at('console', { core: e.core, byte: e.byte });
    case 'power': return at('power', { core: e.core, on: e.on });
    case 'hazard': return at('hazard', hazardFields(e.hazard, symbolize));
    case 'visible': {
      // --memory relaxed: a buffered store reached the other cores (made at pc, by store number)
      const f: Record<string, EventValue> = {
        core: e.core, store: e.store, addr: hex(e.address), addrSym: symbolize(e.address), size: e.size,
        value: `0x${(e.value >>> 0).toString(16)}`, pc: hex(e.pc), sym: symbolize(e.pc),
      };
      if (e.cached) f.cached = true;
      return at('visible', f);
    }
  }
}
