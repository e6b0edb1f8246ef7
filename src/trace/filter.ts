/**
 * Which records a trace keeps: `--trace-filter` terms and the
 * `--trace-from`/`--trace-to` window. Terms of one key are alternatives
 * (core=0 and core=1: either core); different keys must all hold.
 *
 *   core=N        records of core N (a switch: from or to N; a hazard: its writer or victim)
 *   addr=LO-HI    instructions at, or accessing, an address in [LO, HI]; events whose pc/addr/vector is in it
 *   symbol=GLOB   instructions (events at a pc) whose symbol name matches GLOB (* and ?)
 *   kind=K        records of kind K (insn, sgi, iar, …)
 */
import { InputError } from '../errors.js';
import { type InsnRecord, RECORD_KINDS, type TraceRecord } from './record.js';

export interface TraceFilter {
  cores: number[];
  ranges: [number, number][];
  symbols: RegExp[];
  kinds: string[];
}

/** where a window opens or closes: a global step, or the first instruction at a symbol */
export type WindowEdge = { step: number } | { symbol: string };

export interface TraceSelection {
  filter?: TraceFilter;
  from?: WindowEdge;
  to?: WindowEdge;
}

const num = (s: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN);

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function parseFilters(terms: readonly string[]): TraceFilter | undefined {
  if (!terms.length) return undefined;
  const f: TraceFilter = { cores: [], ranges: [], symbols: [], kinds: [] };
  for (const t of terms) {
    const m = /^(core|addr|symbol|kind)=(.+)$/.exec(t);
    if (!m) throw new InputError(`--trace-filter ${t}: expected core=N, addr=LO-HI, symbol=GLOB or kind=K`);
    const v = m[2]!;
    if (m[1] === 'core') {
      const n = num(v);
      if (!Number.isInteger(n) || n < 0) throw new InputError(`--trace-filter ${t}: not a core number`);
      f.cores.push(n);
    } else if (m[1] === 'addr') {
      const r = /^([^-]+)-([^-]+)$/.exec(v);
      const lo = r ? num(r[1]!) : NaN;
      const hi = r ? num(r[2]!) : NaN;
      if (!(lo <= hi) || hi > 0xffffffff) throw new InputError(`--trace-filter ${t}: expected addr=LO-HI with LO <= HI (32-bit)`);
      f.ranges.push([lo, hi]);
    } else if (m[1] === 'symbol') {
      f.symbols.push(globToRegExp(v));
    } else {
      if (!RECORD_KINDS.includes(v)) throw new InputError(`--trace-filter ${t}: kind must be one of ${RECORD_KINDS.join(', ')}`);
      f.kinds.push(v);
    }
  }
  return f;
}

export function parseWindowEdge(option: string, v: string | undefined): WindowEdge | undefined {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return { step: Number(v) };
  if (/^[A-Za-z_.$][\w.$]*$/.test(v)) return { symbol: v };
  throw new InputError(`${option} ${v}: expected a step number or a symbol name`);
}

const symbolName = (sym: string) => sym.replace(/\+0x[0-9a-f]+$/, '');
const inRanges = (ranges: [number, number][], hexAddr: unknown) =>
  typeof hexAddr === 'string' && ranges.some(([lo, hi]) => { const a = Number(hexAddr); return a >= lo && a <= hi; });

export function keeps(f: TraceFilter, r: TraceRecord): boolean {
  if (f.kinds.length && !f.kinds.includes(r.kind)) return false;
  if (f.cores.length) {
    const cores = r.kind === 'switch' ? [r.from, r.to] : r.kind === 'hazard' ? [r.core, r.victim] : [r.core];
    if (!cores.some((c) => typeof c === 'number' && f.cores.includes(c))) return false;
  }
  if (f.ranges.length) {
    const hit = r.kind === 'insn'
      ? inRanges(f.ranges, r.pc) || ((r as InsnRecord).mem ?? []).some((m) => inRanges(f.ranges, m.addr))
      : inRanges(f.ranges, r.pc) || inRanges(f.ranges, r.addr) || inRanges(f.ranges, r.vector);
    if (!hit) return false;
  }
  if (f.symbols.length) {
    if (typeof r.sym !== 'string') return false;
    const name = symbolName(r.sym);
    if (!f.symbols.some((g) => g.test(name))) return false;
  }
  return true;
}

/** `keeps` for an instruction the recorder holds as numbers (accesses: `stride` words each, the address second) */
export function keepsInsn(f: TraceFilter, core: number, pc: number, symbolKept: boolean, mem: Uint32Array, accesses: number, stride: number): boolean {
  if (f.kinds.length && !f.kinds.includes('insn')) return false;
  if (f.cores.length && !f.cores.includes(core)) return false;
  if (f.ranges.length) {
    const inRange = (a: number) => f.ranges.some(([lo, hi]) => a >= lo && a <= hi);
    let hit = inRange(pc);
    for (let n = 0; n < accesses && !hit; n++) hit = inRange(mem[n * stride + 1]!);
    if (!hit) return false;
  }
  return !f.symbols.length || symbolKept;
}
