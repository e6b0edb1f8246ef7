/**
 * `penlab trace diff A B`: are two traces the same run, and if not, where do
 * they part? Each core's instructions (and the events of that core, and the
 * scheduler's switches as a stream of their own) are aligned on identity —
 * symbol+offset and opcode, or an event's fields without its step — never on
 * the absolute step, so an inserted instruction is one insertion and the rest
 * lines up again (align.ts). Instructions that align are then compared on
 * the values they wrote (registers, memory).
 *
 * With `ignoreInterleaving` only each core's instructions count, with
 * repeated loop bodies collapsed: the same per-core behaviour under another
 * interleaving, or another number of spin iterations, is the same.
 */
import { type AlignOp, type Item, LoopCollapser, WindowedAligner } from './align.js';
import { render, type TraceFormat } from './formats.js';
import { readTrace, type ReadRecord } from './reader.js';
import { type InsnRecord, isInsn, type TraceRecord } from './record.js';

export interface DiffOptions {
  context?: number;
  ignoreInterleaving?: boolean;
  /** hunks kept for the report (the rest are counted) */
  maxHunks?: number;
}

interface Located {
  line: number;
  record: TraceRecord;
}

export interface Hunk {
  stream: string;
  /** where it starts in each file (the first differing line, or where the other side's lines would go) */
  a: { line: number; step: number } | undefined;
  b: { line: number; step: number } | undefined;
  context: string[];
  deleted: string[];
  inserted: string[];
}

export interface ValueDiff {
  core: number;
  sym: string;
  a: { line: number; step: number; value: string };
  b: { line: number; step: number; value: string };
  what: string;
}

export interface StreamSummary {
  stream: string;
  a: number;
  b: number;
  deleted: number;
  inserted: number;
}

export interface DiffResult {
  same: boolean;
  a: { path: string; format: TraceFormat; records: number };
  b: { path: string; format: TraceFormat; records: number };
  ignoreInterleaving: boolean;
  hunks: Hunk[];
  moreHunks: number;
  streams: StreamSummary[];
  valueDiffs: number;
  firstRegisterDiff?: ValueDiff;
  firstMemoryWriteDiff?: ValueDiff;
  events: Record<string, [number, number]>;
}

const streamOf = (r: TraceRecord): string => (r.kind === 'switch' ? 'schedule' : `core ${typeof r.core === 'number' ? r.core : '?'}`);

function identity(r: TraceRecord): string {
  if (isInsn(r)) return `${r.sym}|${r.bytes}`;
  const { step: _step, ...rest } = r;
  return JSON.stringify(rest);
}

const line = (x: Located) => render('text', x.record);
const at = (x: Located | undefined) => (x ? { line: x.line, step: x.record.step } : undefined);

class StreamDiff {
  readonly aligner: WindowedAligner<Located>;
  readonly collapseA: LoopCollapser<Located> | undefined;
  readonly collapseB: LoopCollapser<Located> | undefined;
  readonly summary: StreamSummary;
  private readonly recent: Located[] = [];
  private open: Hunk | undefined;
  private lastA: Located | undefined;
  private lastB: Located | undefined;

  constructor(readonly name: string, private readonly d: Differ) {
    this.summary = { stream: name, a: 0, b: 0, deleted: 0, inserted: 0 };
    this.aligner = new WindowedAligner((op) => this.op(op));
    if (d.options.ignoreInterleaving) {
      this.collapseA = new LoopCollapser((x) => this.aligner.pushA(x));
      this.collapseB = new LoopCollapser((x) => this.aligner.pushB(x));
    }
  }

  push(side: 'a' | 'b', x: Item<Located>): void {
    this.summary[side]++;
    if (side === 'a') (this.collapseA ? this.collapseA.push(x) : this.aligner.pushA(x));
    else (this.collapseB ? this.collapseB.push(x) : this.aligner.pushB(x));
  }

  finish(): void {
    this.collapseA?.flush();
    this.collapseB?.flush();
    this.aligner.drain(true);
    this.close();
  }

  private close(): void {
    if (this.open) this.d.hunk(this.open);
    this.open = undefined;
  }

  private op(op: AlignOp<Located>): void {
    if (op.op === 'same') {
      this.close();
      this.lastA = op.a.value;
      this.lastB = op.b.value;
      this.recent.push(op.a.value);
      if (this.recent.length > (this.d.options.context ?? 3)) this.recent.shift();
      if (!this.d.options.ignoreInterleaving) this.d.compareValues(op.a.value, op.b.value);
      return;
    }
    const h = (this.open ??= {
      stream: this.name, a: undefined, b: undefined, context: this.recent.map(line), deleted: [], inserted: [],
    });
    this.recent.length = 0;
    if (op.op === 'del') {
      this.summary.deleted++;
      h.a ??= at(op.a.value);
      h.b ??= this.lastB && { line: this.lastB.line + 1, step: this.lastB.record.step };
      h.deleted.push(line(op.a.value));
    } else {
      this.summary.inserted++;
      h.b ??= at(op.b.value);
      h.a ??= this.lastA && { line: this.lastA.line + 1, step: this.lastA.record.step };
      h.inserted.push(line(op.b.value));
    }
  }
}

class Differ {
  private readonly ids = new Map<string, number>();
  private readonly streams = new Map<string, StreamDiff>();
  readonly hunks: Hunk[] = [];
  moreHunks = 0;
  valueDiffs = 0;
  firstRegisterDiff: ValueDiff | undefined;
  firstMemoryWriteDiff: ValueDiff | undefined;
  readonly events = new Map<string, [number, number]>();

  constructor(readonly options: DiffOptions) {}

  add(side: 'a' | 'b', x: ReadRecord): void {
    const r = x.record;
    if (!isInsn(r)) {
      const c = this.events.get(r.kind) ?? [0, 0];
      c[side === 'a' ? 0 : 1]++;
      this.events.set(r.kind, c);
      if (this.options.ignoreInterleaving) return;
    }
    const key = identity(r);
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.ids.size));
    const name = streamOf(r);
    let s = this.streams.get(name);
    if (!s) this.streams.set(name, (s = new StreamDiff(name, this)));
    s.push(side, { id, value: { line: x.line, record: r } });
    // align as soon as both sides agree: records that wait survive into V8's old space, whose lazy collection is the memory a long diff costs
    s.aligner.drain(false);
  }

  finish(): StreamSummary[] {
    const names = [...this.streams.keys()].sort();
    for (const n of names) this.streams.get(n)!.finish();
    return names.map((n) => this.streams.get(n)!.summary);
  }

  hunk(h: Hunk): void {
    if (this.hunks.length < (this.options.maxHunks ?? 50)) this.hunks.push(h);
    else this.moreHunks++;
  }

  compareValues(a: Located, b: Located): void {
    const ra = a.record;
    const rb = b.record;
    if (!isInsn(ra) || !isInsn(rb)) return;
    const va = JSON.stringify([ra.regs ?? {}, ra.mem ?? []]);
    if (va === JSON.stringify([rb.regs ?? {}, rb.mem ?? []])) return;
    this.valueDiffs++;
    const diff = (what: string, x: string, y: string): ValueDiff => ({
      core: ra.core, sym: ra.sym, what,
      a: { line: a.line, step: ra.step, value: x }, b: { line: b.line, step: rb.step, value: y },
    });
    if (!this.firstRegisterDiff) {
      for (const reg of new Set([...Object.keys(ra.regs ?? {}), ...Object.keys(rb.regs ?? {})])) {
        const x = ra.regs?.[reg] ?? '-';
        const y = rb.regs?.[reg] ?? '-';
        if (x !== y) { this.firstRegisterDiff = diff(reg, x, y); break; }
      }
    }
    if (!this.firstMemoryWriteDiff) {
      const wa = writes(ra);
      const wb = writes(rb);
      for (let n = 0; n < Math.max(wa.length, wb.length); n++) {
        if (wa[n] !== wb[n]) { this.firstMemoryWriteDiff = diff('write', wa[n] ?? '-', wb[n] ?? '-'); break; }
      }
    }
  }
}

const writes = (r: InsnRecord) => (r.mem ?? []).filter((m) => m.rw === 'w').map((m) => `${m.addr}=${m.value}`);

/** Reads both files once, side by side, and aligns as it goes (bounded by the aligners' windows). */
export async function diffTraces(pathA: string, pathB: string, options: DiffOptions = {}): Promise<DiffResult> {
  const d = new Differ(options);
  const ia = readTrace(pathA);
  const ib = readTrace(pathB);
  let fa: TraceFormat | undefined;
  let fb: TraceFormat | undefined;
  let na = 0;
  let nb = 0;
  // both files are checked whole before anything is reported: bad input is exit 2, never half a diff
  while (fa === undefined || fb === undefined) {
    if (fa === undefined) {
      const x = await ia.next();
      if (x.done) fa = x.value;
      else { na++; d.add('a', x.value); }
    }
    if (fb === undefined) {
      const x = await ib.next();
      if (x.done) fb = x.value;
      else { nb++; d.add('b', x.value); }
    }
  }
  const streams = d.finish();
  const same = d.hunks.length === 0 && d.valueDiffs === 0;
  return {
    same, ignoreInterleaving: options.ignoreInterleaving ?? false,
    a: { path: pathA, format: fa, records: na }, b: { path: pathB, format: fb, records: nb },
    hunks: d.hunks, moreHunks: d.moreHunks, streams, valueDiffs: d.valueDiffs,
    ...(d.firstRegisterDiff && { firstRegisterDiff: d.firstRegisterDiff }),
    ...(d.firstMemoryWriteDiff && { firstMemoryWriteDiff: d.firstMemoryWriteDiff }),
    events: Object.fromEntries([...d.events.entries()].sort(([x], [y]) => x.localeCompare(y))),
  };
}

export function formatDiff(r: DiffResult): string {
  const out: string[] = [];
  const where = (p: { line: number; step: number } | undefined) => (p ? `line ${p.line} (step ${p.step})` : 'start');
  for (const [n, h] of r.hunks.entries()) {
    out.push(`${n === 0 ? 'first divergence' : 'difference'}, ${h.stream}: A ${where(h.a)}, B ${where(h.b)}`);
    for (const l of h.context) out.push(`  ${l}`);
    for (const l of h.deleted) out.push(`- ${l}`);
    for (const l of h.inserted) out.push(`+ ${l}`);
  }
  if (r.moreHunks) out.push(`… and ${r.moreHunks} more differences`);
  out.push(`A ${r.a.path} (${r.a.format}, ${r.a.records} records), B ${r.b.path} (${r.b.format}, ${r.b.records} records)${r.ignoreInterleaving ? ', interleaving ignored' : ''}`);
  for (const s of r.streams) {
    const change = s.deleted || s.inserted ? `: ${s.deleted} only in A, ${s.inserted} only in B` : '';
    out.push(`  ${s.stream}: ${s.a} in A, ${s.b} in B${r.ignoreInterleaving ? ' (loops collapsed after counting)' : ''}${change}`);
  }
  const v = (x: ValueDiff) => `core ${x.core} ${x.sym}, A line ${x.a.line} ${x.what}=${x.a.value}, B line ${x.b.line} ${x.what}=${x.b.value}`;
  if (r.valueDiffs) out.push(`  ${r.valueDiffs} aligned instructions wrote different values`);
  if (r.firstRegisterDiff) out.push(`  first differing register value: ${v(r.firstRegisterDiff)}`);
  if (r.firstMemoryWriteDiff) out.push(`  first differing memory write: ${v(r.firstMemoryWriteDiff)}`);
  const ev = Object.entries(r.events).map(([k, [a, b]]) => (a === b ? `${k} ${a}` : `${k} ${a}/${b}`));
  if (ev.length) out.push(`  events (A/B where they differ): ${ev.join(', ')}`);
  out.push(r.same ? 'same' : 'different');
  return out.join('\n');
}
