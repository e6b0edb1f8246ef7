/**
 * A schedule: the sequence of scheduling decisions of a run. With the
 * firmware it determines the run exactly, so it is what penlab hands back for
 * every failure.
 *
 * Text form (one line of decisions, whitespace-separated):
 *   `0:37`   core 0 runs 37 steps
 *   `1@ipi_cpu_stop+0x8`  core 1 runs until its PC reaches that symbol (or it
 *            blocks): hand-written schedules that survive firmware edits
 *   `w1`     core 1's WFE ends early (WFE is a hint; hardware may do this)
 *   `0#412>1`  when core 0 has retired 412 instructions, switch to core 1
 *   `0#412>w1` ... or end core 1's WFE early; `start>1` at the first decision
 *   `d1.3`   core 1's third buffered store becomes visible (--memory relaxed);
 *            `0#412>d1.3` the same as a switch token
 * (switch tokens run the default policy, np, between them: exploration
 * writes its failures this way, one token per preemption)
 * after the decisions, the run continues with the `then` policy (default:
 * `np`, each core runs until it blocks), so a shrunk schedule lists only the
 * decisions that matter.
 *
 * `(0:1 1:1)*5000` repeats the decisions in the brackets 5000 times in all
 * (lockstep round robin would otherwise write one token per step).
 *
 * File form: `# penlab schedule v1`, optional `key: value` header lines
 * (`then:`, `shared:` the words whose accesses were scheduling points as
 * 0xADDRESS+WORDS ranges, `firmware-sha256:` the ELF it was recorded on,
 * `firmware:`, `outcome:`...), then the decisions.
 */
import { InputError } from '../errors.js';
import { readRegularFile } from '../input.js';

export type Decision =
  | { core: number; steps: number; until?: string; visible?: boolean }
  | { wake: number }
  | Drain
  | Switch;

/** In a schedule's list: the `period` decisions before it run `repeat` more times. Never nested. */
export interface Repeat {
  repeat: number;
  period: number;
}

export type Entry = Decision | Repeat;

/** a schedule file larger than this is refused before it is read: one a run writes stays far smaller (repeats are grouped) */
export const MAX_SCHEDULE_BYTES = 4 << 20;

/** --memory relaxed: core `drain`'s buffered store number `store` (counted from the run's start) becomes visible */
export interface Drain {
  drain: number;
  store: number;
}

/**
 * A choice made against the default (non-preemptive) policy: when core
 * `at.core` has retired `at.count` instructions (or at the very start), run
 * another core, or end a core's WFE early. Counts are per core, so a schedule
 * of switches survives any change in where the scheduler looks.
 */
export interface Switch {
  at: { core: number; count: number } | 'start';
  then: { core: number } | { wake: number } | Drain;
}

export class Schedule {
  /** the decisions, with `Repeat` entries standing for repetitions of the ones before them */
  readonly decisions: Entry[] = [];

  /** words whose accesses are scheduling points ([address, words]); absent: every RAM access */
  shared?: [number, number][];

  /** sha256 (hex) of the ELF file the schedule was recorded on, when the file says */
  firmwareSha256?: string;

  /** the memory model the decisions were taken under (a replay runs under it) */
  memory?: 'sc' | 'relaxed';

  constructor(decisions: Entry[] = [], readonly then = 'np') {
    for (const d of decisions) this.push(d);
  }

  /** adds a decision, merging consecutive runs of the same core */
  push(d: Entry): void {
    const last = this.decisions[this.decisions.length - 1];
    if ('core' in d && d.until === undefined && last && 'core' in last && last.until === undefined && last.core === d.core && last.visible === d.visible) {
      last.steps += d.steps;
      return;
    }
    if ('core' in d && d.steps === 0) return;
    if ('repeat' in d && d.repeat === 0) return;
    this.decisions.push({ ...d });
  }

  /** the decisions of a schedule without repeat entries (exploration's: switch tokens only) */
  plainDecisions(): Decision[] {
    return this.decisions.map((d) => {
      if ('repeat' in d) throw new Error('a schedule with repeat groups where only plain decisions were expected');
      return d;
    });
  }

  /** context switches: switch tokens, and boundaries between runs of different cores */
  get switches(): number {
    const count = new SwitchCount();
    const one = (d: Entry) => {
      if ('at' in d) count.n++;
      else if ('core' in d) count.run(d.core);
    };
    for (const [i, d] of this.decisions.entries()) {
      if (!('repeat' in d)) { one(d); continue; }
      // every further repetition starts where the last ended: each adds the same
      const before = count.n;
      for (const r of this.decisions.slice(i - d.period, i)) one(r);
      count.n = before + (count.n - before) * d.repeat;
    }
    return count.n;
  }

  toString(): string {
    const tokens: string[] = [];
    for (const d of this.decisions) {
      if ('repeat' in d) {
        tokens[tokens.length - d.period] = `(${tokens[tokens.length - d.period]}`;
        tokens[tokens.length - 1] += `)*${d.repeat + 1}`;
      } else tokens.push(formatDecision(d));
    }
    return tokens.join(' ');
  }

  toFile(header: Record<string, string | number> = {}): string {
    const lines = ['# penlab schedule v1', `then: ${this.then}`];
    if (this.firmwareSha256) lines.push(`firmware-sha256: ${this.firmwareSha256}`);
    if (this.shared) lines.push(`shared: ${this.shared.map(([a, n]) => `0x${a.toString(16)}+${n}`).join(' ')}`);
    if (this.memory) lines.push(`memory: ${this.memory}`);
    for (const [k, v] of Object.entries(header)) lines.push(`${k}: ${v}`);
    lines.push(this.toString(), '');
    return lines.join('\n');
  }

  static parse(text: string, source: string, cores: number): Schedule {
    const decisions: Entry[] = [];
    let then = 'np';
    let shared: [number, number][] | undefined;
    let sha: string | undefined;
    let memory: 'sc' | 'relaxed' | undefined;
    let body = text;
    if (text.includes('\0')) throw new InputError(`${source}: not a schedule file (binary data)`);
    if (text.startsWith('# penlab schedule')) {
      const lines = text.split('\n');
      const rest: string[] = [];
      for (const [i, raw] of lines.entries()) {
        const line = raw.trim();
        if (i === 0 || line === '' || line.startsWith('#')) continue;
        const m = /^([a-z][a-z0-9-]*):\s*(.*)$/.exec(line);
        if (m && !/^\d/.test(line)) {
          if (m[1] === 'then') then = m[2]!;
          if (m[1] === 'shared') shared = parseRanges(m[2]!, source);
          if (m[1] === 'firmware-sha256') {
            if (!/^[0-9a-f]{64}$/.test(m[2]!)) throw new InputError(`${source}: bad firmware-sha256 '${quote(m[2]!)}' (expected 64 hex digits)`);
            sha = m[2]!;
          }
          if (m[1] === 'memory') {
            if (m[2] !== 'sc' && m[2] !== 'relaxed') throw new InputError(`${source}: bad memory '${m[2]}' (expected sc or relaxed)`);
            memory = m[2];
          }
          continue;
        }
        rest.push(line);
      }
      body = rest.join(' ');
    }
    let group: number | undefined; // decisions.length where an open `(` group started
    for (let tok of body.split(/\s+/).filter(Boolean)) {
      if (tok.startsWith('(')) {
        if (group !== undefined) throw new InputError(`${source}: nested repeat group at '${quote(tok)}'`);
        group = decisions.length;
        tok = tok.slice(1);
      }
      const close = /^(.*)\)\*(\d+)$/.exec(tok);
      if (close) tok = close[1]!;
      if (tok !== '') Schedule.token(tok, source, cores, decisions);
      if (close) {
        const period = decisions.length - (group ?? decisions.length);
        const times = Number(close[2]);
        if (group === undefined || period === 0 || !(times >= 1 && Number.isSafeInteger(times))) {
          throw new InputError(`${source}: bad repeat '${quote(close[0])}' (expected (DECISIONS)*N with N >= 1 after an opening '(')`);
        }
        if (times > 1) decisions.push({ repeat: times - 1, period });
        group = undefined;
      }
    }
    if (group !== undefined) throw new InputError(`${source}: repeat group opened and never closed`);
    const schedule = new Schedule(decisions, then);
    if (shared) schedule.shared = shared;
    if (sha) schedule.firmwareSha256 = sha;
    if (memory) schedule.memory = memory;
    return schedule;
  }

  private static token(tok: string, source: string, cores: number, decisions: Entry[]): void {
    {
      const sw = /^(?:(\d+)#(\d+)|start)>(?:(w?)(\d+)|d(\d+)\.(\d+))$/.exec(tok);
      if (sw) {
        const from = sw[1] === undefined ? undefined : Number(sw[1]);
        const to = Number(sw[4] ?? sw[5]);
        if ((from !== undefined && from >= cores) || to >= cores) {
          throw new InputError(`${source}: bad schedule token '${quote(tok)}' (no core ${Math.max(from ?? 0, to)} on a ${cores}-core board)`);
        }
        decisions.push({
          at: from === undefined ? 'start' : { core: from, count: Number(sw[2]) },
          then: sw[5] !== undefined ? { drain: to, store: Number(sw[6]) } : sw[3] ? { wake: to } : { core: to },
        });
        return;
      }
      const drain = /^d(\d+)\.(\d+)$/.exec(tok);
      if (drain) {
        if (Number(drain[1]) >= cores) throw new InputError(`${source}: bad schedule token '${quote(tok)}' (no core ${drain[1]} on a ${cores}-core board)`);
        decisions.push({ drain: Number(drain[1]), store: Number(drain[2]) });
        return;
      }
      const run = /^(\d+):(\d+)$/.exec(tok);
      const until = /^(\d+)@([A-Za-z_.$][\w.$]*(?:\+0x[0-9a-fA-F]+|\+\d+)?)$/.exec(tok);
      const wake = /^w(\d+)$/.exec(tok);
      const core = Number(run?.[1] ?? until?.[1] ?? wake?.[1] ?? NaN);
      if ((!run && !wake && !until) || !(core < cores)) {
        throw new InputError(`${source}: bad schedule token '${quote(tok)}' (expected CORE:STEPS, CORE@SYMBOL[+OFF], wCORE or dCORE.STORE with CORE < ${cores})`);
      }
      if (run) decisions.push({ core, steps: Number(run[2]) });
      else if (until) decisions.push({ core, steps: Number.MAX_SAFE_INTEGER, until: until[2]! });
      else decisions.push({ wake: core });
    }
  }

  /** a schedule file: a regular file of at most MAX_SCHEDULE_BYTES (a device or a huge file is refused unread) */
  static load(path: string, cores: number): Schedule {
    const text = readRegularFile(path, 'schedule file', MAX_SCHEDULE_BYTES).toString('latin1');
    return Schedule.parse(text, path, cores);
  }
}

/** a piece of a foreign file, safe to show in one line */
function quote(s: string): string {
  const t = JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
  return t.slice(1, -1);
}

function parseRanges(text: string, source: string): [number, number][] {
  return text.split(/\s+/).filter(Boolean).map((t) => {
    const m = /^0x([0-9a-f]+)\+(\d+)$/i.exec(t);
    if (!m) throw new InputError(`${source}: bad shared entry '${quote(t)}' (expected 0xADDRESS+WORDS)`);
    return [parseInt(m[1]!, 16), Number(m[2])];
  });
}

export function formatDecision(d: Decision): string {
  if ('at' in d) {
    const at = d.at === 'start' ? 'start' : `${d.at.core}#${d.at.count}`;
    return `${at}>${'wake' in d.then ? `w${d.then.wake}` : 'drain' in d.then ? `d${d.then.drain}.${d.then.store}` : d.then.core}`;
  }
  if ('wake' in d) return `w${d.wake}`;
  if ('drain' in d) return `d${d.drain}.${d.store}`;
  return d.until !== undefined ? `${d.core}@${d.until}` : `${d.core}:${d.steps}`;
}

/** The one rule for counting context switches: a turn of another core than the last turn's. */
export class SwitchCount {
  n = 0;
  private last = -1;
  readonly stateFields = ['n', 'last'];
  run(core: number): void {
    if (this.last >= 0 && this.last !== core) this.n++;
    this.last = core;
  }
}
