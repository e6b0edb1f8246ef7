/**
 * The two trace file formats (docs/traces.md), each one line per record:
 *
 *   text   Tarmac-like, for people and for `diff`:
 *            12 c0 IT 0x60000010 e5912004 A svc boot_wait : ldr r1, [r0, #4] ; r1=0x00000000 ; R4 0x60000084=0x00000000 dram
 *            13 EV sev core=0
 *   jsonl  one JSON object per line, "kind" first.
 *
 * Both start with a header line and end with an `end` line giving the record
 * count, so a reader tells a truncated file from a complete one. Rendering
 * and parsing live side by side so they cannot drift apart.
 */
import { EVENT_KINDS, type EventRecord, type EventValue, type InsnRecord, type MemAccess, type TraceRecord } from './record.js';

export type TraceFormat = 'text' | 'jsonl';
export const TRACE_FORMATS: readonly TraceFormat[] = ['text', 'jsonl'];

export const TEXT_HEADER = '# penlab trace v1 text';
export const JSONL_HEADER = '{"kind":"trace","format":"penlab","version":1}';

export function header(format: TraceFormat): string {
  return format === 'text' ? TEXT_HEADER : JSONL_HEADER;
}

export function trailer(format: TraceFormat, records: number): string {
  return format === 'text' ? `# end records=${records}` : `{"kind":"end","records":${records}}`;
}

export function render(format: TraceFormat, r: TraceRecord): string {
  if (format === 'jsonl') return r.kind === 'insn' ? jsonInsn(r as InsnRecord) : JSON.stringify(r);
  return r.kind === 'insn' ? textInsn(r as InsnRecord) : textEvent(r as EventRecord);
}

/** the schema's key order, whatever order the record's keys were made in */
function jsonInsn(r: InsnRecord): string {
  const { kind, step, core, pc, sym, mode, isa, bytes, asm, regs, mem } = r;
  return JSON.stringify({ kind, step, core, pc, sym, mode, isa, bytes, asm, ...(regs && { regs }), ...(mem && { mem }) });
}

// ---- text ----

function textInsn(r: InsnRecord): string {
  let s = `${r.step} c${r.core} IT ${r.pc} ${r.bytes} ${r.isa === 'thumb' ? 'T' : 'A'} ${r.mode} ${r.sym} : ${r.asm}`;
  if (r.regs) s += ' ;' + Object.entries(r.regs).map(([k, v]) => ` ${k}=${v}`).join('');
  for (const m of r.mem ?? []) s += ` ; ${m.rw === 'r' ? 'R' : 'W'}${m.size} ${m.addr}=${m.value} ${m.region}`;
  return s;
}

const HEX = /^0x[0-9a-f]+$/;

function textValue(v: EventValue): string {
  if (Array.isArray(v)) return JSON.stringify(v);
  if (typeof v === 'string') return HEX.test(v) ? v : JSON.stringify(v);
  return String(v);
}

function textEvent(r: EventRecord): string {
  const { kind, step, ...rest } = r;
  return `${step} EV ${kind}${Object.entries(rest).map(([k, v]) => ` ${k}=${textValue(v)}`).join('')}`;
}

/** What a line that is not a record is: the header, the end line, or nothing (blank). */
export type Parsed =
  | { record: TraceRecord }
  | { header: true }
  | { end: number }
  | { blank: true };

export class ParseError extends Error {}

const INSN_HEAD = /^(\d+) c(\d+) IT (0x[0-9a-f]{8}) ([0-9a-f]{4,8}) ([AT]) (\w+) (\S+)$/;
const MEM = /^([RW])(\d+) (0x[0-9a-f]{8})=(0x[0-9a-f]+) (\S+)$/;
const REG = /^(\w+)=(0x[0-9a-f]{8})$/;
const FIELD = /\s*([A-Za-z]+)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+)/y;

export function parseText(line: string): Parsed {
  if (line === '') return { blank: true };
  if (line === TEXT_HEADER) return { header: true };
  const end = /^# end records=(\d+)$/.exec(line);
  if (end) return { end: Number(end[1]) };
  const ev = /^(\d+) EV (\w+)(.*)$/.exec(line);
  if (ev) return { record: textEventRecord(Number(ev[1]), ev[2]!, ev[3]!) };
  const colon = line.indexOf(' : ');
  const head = colon < 0 ? undefined : INSN_HEAD.exec(line.slice(0, colon));
  if (!head) throw new ParseError('not a text trace line');
  const [asm, ...sections] = line.slice(colon + 3).split(' ; ');
  const r: InsnRecord = {
    kind: 'insn', step: Number(head[1]), core: Number(head[2]), pc: head[3]!, sym: head[7]!,
    mode: head[6]!, isa: head[5] === 'T' ? 'thumb' : 'arm', bytes: head[4]!, asm: asm!,
  };
  for (const s of sections) {
    const m = MEM.exec(s);
    if (m) {
      (r.mem ??= []).push({ rw: m[1] === 'R' ? 'r' : 'w', addr: m[3]!, size: Number(m[2]), value: m[4]!, region: m[5]! });
      continue;
    }
    for (const tok of s.trim().split(' ')) {
      const g = REG.exec(tok);
      if (!g) throw new ParseError(`bad register or access '${tok}'`);
      (r.regs ??= {})[g[1]!] = g[2]!;
    }
  }
  return { record: r };
}

function textEventRecord(step: number, kind: string, rest: string): EventRecord {
  if (!(EVENT_KINDS as readonly string[]).includes(kind)) throw new ParseError(`unknown event kind '${kind}'`);
  const r: EventRecord = { kind: kind as EventRecord['kind'], step };
  FIELD.lastIndex = 0;
  let at = 0;
  while (at < rest.length) {
    FIELD.lastIndex = at;
    const f = FIELD.exec(rest);
    if (!f) throw new ParseError(`bad event field at '${rest.slice(at, at + 20)}'`);
    const raw = f[2]!;
    let v: EventValue;
    try {
      v = raw.startsWith('"') || raw.startsWith('[') ? JSON.parse(raw) as EventValue
        : raw === 'true' || raw === 'false' ? raw === 'true'
        : /^-?\d+$/.test(raw) ? Number(raw) : raw;
    } catch {
      throw new ParseError(`bad event field value ${raw}`);
    }
    r[f[1]!] = v;
    at = FIELD.lastIndex;
  }
  return r;
}

// ---- JSON Lines ----

const isHex = (v: unknown) => typeof v === 'string' && /^0x[0-9a-f]{8}$/.test(v);

export function parseJsonl(line: string): Parsed {
  if (line === '') return { blank: true };
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new ParseError('not a JSON Lines record');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ParseError('not a JSON object');
  const r = o as Record<string, unknown>;
  if (r.kind === 'trace' && r.format === 'penlab') {
    if (r.version !== 1) throw new ParseError(`trace version ${String(r.version)}, this penlab reads 1`);
    return { header: true };
  }
  if (r.kind === 'end' && Number.isInteger(r.records)) return { end: r.records as number };
  if (!Number.isInteger(r.step)) throw new ParseError('record without an integer "step"');
  if (r.kind === 'insn') {
    if (!Number.isInteger(r.core) || !isHex(r.pc) || typeof r.sym !== 'string' || typeof r.bytes !== 'string' || typeof r.asm !== 'string') {
      throw new ParseError('instruction record without core, pc, sym, bytes or asm');
    }
    const regs = r.regs;
    if (regs !== undefined && (typeof regs !== 'object' || regs === null || !Object.values(regs).every(isHex))) throw new ParseError('bad "regs"');
    const mem = r.mem;
    if (mem !== undefined && (!Array.isArray(mem) || !mem.every((m: MemAccess) => isHex(m?.addr) && (m.rw === 'r' || m.rw === 'w')))) throw new ParseError('bad "mem"');
    return { record: r as unknown as InsnRecord };
  }
  if (typeof r.kind !== 'string' || !(EVENT_KINDS as readonly string[]).includes(r.kind)) {
    throw new ParseError(`unknown record kind ${JSON.stringify(r.kind)}`);
  }
  return { record: r as EventRecord };
}
