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
 * (switch tokens run the default policy, np, between them: exploration
 * writes its failures this way, one token per preemption)
 * after the decisions, the run continues with the `then` policy (default:
 * `np`, each core runs until it blocks), so a shrunk schedule lists only the
 * decisions that matter.
 *
 * File form: `# penlab schedule v1`, optional `key: value` header lines
 * (`then:`, `shared:` the words whose accesses were scheduling points as
 * 0xADDRESS+WORDS ranges, `firmware:`, `outcome:`...), then the decisions.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

export type Decision =
  | { core: number; steps: number; until?: string; visible?: boolean }
  | { wake: number }
  | Switch;

/**
 * A choice made against the default (non-preemptive) policy: when core
 * `at.core` has retired `at.count` instructions (or at the very start), run
 * another core, or end a core's WFE early. Counts are per core, so a schedule
 * of switches survives any change in where the scheduler looks.
 */
export interface Switch {
  at: { core: number; count: number } | 'start';
  then: { core: number } | { wake: number };
}

export class Schedule {
  readonly decisions: Decision[] = [];

  /** words whose accesses are scheduling points ([address, words]); absent: every RAM access */
  shared?: [number, number][];

  constructor(decisions: Decision[] = [], readonly then = 'np') {
    for (const d of decisions) this.push(d);
  }

  /** adds a decision, merging consecutive runs of the same core */
  push(d: Decision): void {
    const last = this.decisions[this.decisions.length - 1];
    if ('core' in d && d.until === undefined && last && 'core' in last && last.until === undefined && last.core === d.core && last.visible === d.visible) {
      last.steps += d.steps;
      return;
    }
    if ('core' in d && d.steps === 0) return;
    this.decisions.push({ ...d });
  }

  /** context switches: switch tokens, and boundaries between runs of different cores */
  get switches(): number {
    const count = new SwitchCount();
    for (const d of this.decisions) {
      if ('at' in d) count.n++;
      else if ('core' in d) count.run(d.core);
    }
    return count.n;
  }

  toString(): string {
    return this.decisions.map(formatDecision).join(' ');
  }

  toFile(header: Record<string, string | number> = {}): string {
    const lines = ['# penlab schedule v1', `then: ${this.then}`];
    if (this.shared) lines.push(`shared: ${this.shared.map(([a, n]) => `0x${a.toString(16)}+${n}`).join(' ')}`);
    for (const [k, v] of Object.entries(header)) lines.push(`${k}: ${v}`);
    lines.push(this.toString(), '');
    return lines.join('\n');
  }

  static parse(text: string, source: string, cores: number): Schedule {
    const decisions: Decision[] = [];
    let then = 'np';
    let shared: [number, number][] | undefined;
    let body = text;
    if (text.startsWith('# penlab schedule')) {
      const lines = text.split('\n');
      const rest: string[] = [];
      for (const [i, raw] of lines.entries()) {
        const line = raw.trim();
        if (i === 0 || line === '' || line.startsWith('#')) continue;
        const m = /^([a-z-]+):\s*(.*)$/.exec(line);
        if (m && !/^\d/.test(line)) {
          if (m[1] === 'then') then = m[2]!;
          if (m[1] === 'shared') shared = parseRanges(m[2]!, source);
          continue;
        }
        rest.push(line);
      }
      body = rest.join(' ');
    }
    for (const tok of body.split(/\s+/).filter(Boolean)) {
      const sw = /^(?:(\d+)#(\d+)|start)>(w?)(\d+)$/.exec(tok);
      if (sw) {
        const from = sw[1] === undefined ? undefined : Number(sw[1]);
        const to = Number(sw[4]);
        if ((from !== undefined && from >= cores) || to >= cores) {
          throw new InputError(`${source}: bad schedule token '${tok}' (no core ${Math.max(from ?? 0, to)} on a ${cores}-core board)`);
        }
        decisions.push({
          at: from === undefined ? 'start' : { core: from, count: Number(sw[2]) },
          then: sw[3] ? { wake: to } : { core: to },
        });
        continue;
      }
      const run = /^(\d+):(\d+)$/.exec(tok);
      const until = /^(\d+)@([A-Za-z_.$][\w.$]*(?:\+0x[0-9a-fA-F]+|\+\d+)?)$/.exec(tok);
      const wake = /^w(\d+)$/.exec(tok);
      const core = Number(run?.[1] ?? until?.[1] ?? wake?.[1] ?? NaN);
      if ((!run && !wake && !until) || !(core < cores)) {
        throw new InputError(`${source}: bad schedule token '${tok}' (expected CORE:STEPS, CORE@SYMBOL[+OFF] or wCORE with CORE < ${cores})`);
      }
      if (run) decisions.push({ core, steps: Number(run[2]) });
      else if (until) decisions.push({ core, steps: Number.MAX_SAFE_INTEGER, until: until[2]! });
      else decisions.push({ wake: core });
    }
    const schedule = new Schedule(decisions, then);
    if (shared) schedule.shared = shared;
    return schedule;
  }

  static load(path: string, cores: number): Schedule {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new InputError(`${path}: cannot read schedule (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    return Schedule.parse(text, path, cores);
  }
}

function parseRanges(text: string, source: string): [number, number][] {
  return text.split(/\s+/).filter(Boolean).map((t) => {
    const m = /^0x([0-9a-f]+)\+(\d+)$/i.exec(t);
    if (!m) throw new InputError(`${source}: bad shared entry '${t}' (expected 0xADDRESS+WORDS)`);
    return [parseInt(m[1]!, 16), Number(m[2])];
  });
}

export function formatDecision(d: Decision): string {
  if ('at' in d) {
    const at = d.at === 'start' ? 'start' : `${d.at.core}#${d.at.count}`;
    return `${at}>${'wake' in d.then ? `w${d.then.wake}` : d.then.core}`;
  }
  if ('wake' in d) return `w${d.wake}`;
  return d.until !== undefined ? `${d.core}@${d.until}` : `${d.core}:${d.steps}`;
}

/** The one rule for counting context switches: a turn of another core than the last turn's. */
class SwitchCount {
  n = 0;
  private last = -1;
  run(core: number): void {
    if (this.last >= 0 && this.last !== core) this.n++;
    this.last = core;
  }
}

/**
 * The decisions of a run as it goes: core and steps in a growable typed
 * array, consecutive turns of one core merged. Lockstep makes a decision per
 * step, so this stays flat and allocation-free; a Schedule is built on demand.
 */
export class DecisionLog {
  private words = new Int32Array(1024);
  private n = 0;
  private readonly count = new SwitchCount();

  get switches(): number {
    return this.count.n;
  }

  run(core: number, steps: number): void {
    if (steps === 0) return;
    const at = this.n - 2;
    if (at >= 0 && this.words[at] === core) {
      this.words[at + 1]! += steps;
      return;
    }
    this.count.run(core);
    this.append(core, steps);
  }

  wake(core: number): void {
    this.append(-1 - core, 0);
  }

  private append(a: number, b: number): void {
    if (this.n + 2 > this.words.length) {
      const bigger = new Int32Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    this.words[this.n++] = a;
    this.words[this.n++] = b;
  }

  toSchedule(then: string): Schedule {
    const ds: Decision[] = [];
    for (let i = 0; i < this.n; i += 2) {
      const a = this.words[i]!;
      ds.push(a < 0 ? { wake: -1 - a } : { core: a, steps: this.words[i + 1]! });
    }
    return new Schedule(ds, then);
  }
}
