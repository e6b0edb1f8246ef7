/**
 * vitest matchers for penlab results, for firmware test suites:
 *
 *   import { expect } from 'vitest';
 *   import { penlabMatchers } from 'penlab/testing';
 *   expect.extend(penlabMatchers);
 *   expect(await runFirmware('pen.elf')).toPass();
 *   expect(await explore('pen.elf', { strategy: 'exhaustive' })).toBeSafe({ complete: true });
 *   expect(await explore('pen.elf', { strategy: 'pct' })).toClobber({ victim: 1 });
 *
 * A run (RunResult) fails a matcher with its outcome, its message and how to
 * run it again: its replay file when it has one (runFirmware's saveSchedule,
 * or the replay:FILE it followed), else the exact command and how to keep a
 * replay file. An exploration (ExploreResult) fails with each failure found,
 * its replay file and the command that replays it.
 */
import type {} from 'vitest';
import { shellWord } from '../report/command.js';
import type { ExploreResult, FailureReport, HazardReport, Outcome, RunResult } from '../report/result.js';

export interface ClobberExpectation {
  victim?: number;
  writer?: number;
  /** the writer's symbol starts with this (e.g. 'relocate_new_kernel') */
  writerSymbol?: string;
}

export interface SafeExpectation {
  /** demand a complete exploration (every class, or the whole bounded space), not a sample */
  complete?: boolean;
}

type Result = RunResult | ExploreResult;

const OUTCOMES: readonly Outcome[] = ['pass', 'clobber', 'stale-code', 'deadlock', 'livelock', 'timeout', 'fault', 'exit-failure'];

interface Verdict {
  pass: boolean;
  message: () => string;
}

function isExploration(r: Result): r is ExploreResult {
  return 'failures' in r;
}

function hazardLine(h: HazardReport): string {
  return h.kind === 'clobber'
    ? `clobber at step ${h.step}: core ${h.writer.core} at ${h.writer.symbol} wrote ${h.address} (${h.addressSymbol}), which core ${h.victim.core} had run and is now at ${h.victim.symbol}`
    : `stale code at step ${h.step}: core ${h.victim.core} fetched ${h.address} (${h.addressSymbol}), written by core ${h.writer.core} at ${h.writer.symbol} with no context synchronization since`;
}

/** how to run a RunResult again: its replay file, or the exact command and how to keep one */
function rerunLines(r: RunResult): string[] {
  if (r.replayFile && r.command) {
    const replay = r.schedule.startsWith('replay:') ? r.command : r.command.replace(/--schedule \S+/, `--schedule ${shellWord(`replay:${r.replayFile}`)}`);
    return [`  replay file: ${r.replayFile}`, `  replay with: ${replay}`];
  }
  if (r.command) {
    return [
      '  replay file: none kept (runFirmware option saveSchedule: FILE, or --save-schedule FILE, writes one)',
      `  run again, exactly, with: ${r.command}`,
    ];
  }
  return [`  replay file: none (schedule ${r.schedule}, quantum ${r.quantum}: run it through runFirmware with saveSchedule to keep one)`];
}

function describeRun(r: RunResult): string {
  const lines = [`the run ended in ${r.outcome}${r.message ? `: ${r.message}` : ''} (${r.steps} steps, schedule ${r.schedule})`];
  for (const h of r.hazards) lines.push(`  ${hazardLine(h)}`);
  if (r.outcome !== 'pass') lines.push(`  cores: ${r.cores.map((c) => `${c.id} ${c.state} at ${c.symbol}`).join('; ')}`);
  return [...lines, ...rerunLines(r)].join('\n');
}

function describeFailure(f: FailureReport): string {
  const lines = [`${f.outcome}${f.message ? `: ${f.message}` : ''}`];
  if (f.hazard) lines.push(`  ${hazardLine(f.hazard)}`);
  lines.push(`  replay file: ${f.replay}`, `  replay with: ${f.command}`);
  return lines.join('\n');
}

function describeExploration(r: ExploreResult, only?: (f: FailureReport) => boolean): string {
  const outcomes = Object.entries(r.outcomes).map(([k, n]) => `${k} ${n}`).join(', ');
  const head = `${r.schedules} schedules of ${r.firmware} (${r.strategy}${completeness(r)}): ${outcomes || 'none'}`;
  const shown = r.failures.filter(only ?? (() => true));
  return [head, ...shown.map((f) => `- ${describeFailure(f).replace(/\n/g, '\n  ')}`)].join('\n');
}

function completeness(r: ExploreResult): string {
  if (r.complete === true) return ', complete';
  if (r.complete === false) return ', not complete';
  return ', a sample';
}

function describe(r: Result): string {
  return isExploration(r) ? describeExploration(r) : describeRun(r);
}

function outcomeOf(name: string, want: unknown): Outcome {
  if (typeof want === 'string' && (OUTCOMES as readonly string[]).includes(want)) return want as Outcome;
  throw new TypeError(`${name}: unknown outcome ${JSON.stringify(want)}; expected one of ${OUTCOMES.join(', ')}`);
}

/** a run ended with `outcome`; an exploration had a schedule that did */
function endsWith(r: Result, outcome: Outcome, isNot: boolean): Verdict {
  if (isExploration(r)) {
    const pass = (r.outcomes[outcome] ?? 0) > 0;
    return {
      pass,
      message: () => (isNot
        ? `expected no schedule to end in ${outcome}, found ${r.outcomes[outcome]}:\n${describeExploration(r, (f) => f.outcome === outcome)}`
        : `expected a schedule to end in ${outcome}, found none:\n${describeExploration(r)}`),
    };
  }
  return {
    pass: r.outcome === outcome,
    message: () => `expected the run ${isNot ? 'not ' : ''}to end in ${outcome}, but ${describeRun(r)}`,
  };
}

/** nothing failed: a run passed, or every schedule of an exploration did */
function clean(r: Result): boolean {
  return isExploration(r)
    ? r.failures.length === 0 && Object.keys(r.outcomes).every((k) => k === 'pass')
    : r.outcome === 'pass' && r.hazards.length === 0;
}

interface MatcherThis {
  isNot: boolean;
}

export const penlabMatchers = {
  toPass(this: MatcherThis, received: Result): Verdict {
    const pass = clean(received);
    return {
      pass,
      message: () => (this.isNot
        ? `expected a failure, but ${isExploration(received) ? `every schedule passed: ${describeExploration(received)}` : describeRun(received)}`
        : `expected ${isExploration(received) ? 'every schedule' : 'the run'} to pass, but ${describe(received)}`),
    };
  },

  toEndWith(this: MatcherThis, received: Result, outcome: Outcome): Verdict {
    return endsWith(received, outcomeOf('toEndWith', outcome), this.isNot);
  },

  toDeadlock(this: MatcherThis, received: Result): Verdict {
    return endsWith(received, 'deadlock', this.isNot);
  },

  toFault(this: MatcherThis, received: Result): Verdict {
    return endsWith(received, 'fault', this.isNot);
  },

  /** no hazard, and no other failure either: a deadlock, livelock, timeout, fault or exit-failure fails it, by name */
  toHaveNoHazards(this: MatcherThis, received: Result): Verdict {
    const pass = clean(received);
    return {
      pass,
      message: () => (pass
        ? `expected hazards, found none: ${describe(received)}`
        : `expected no hazards and no failure, but ${describe(received)}`),
    };
  },

  /** an exploration found no failure (a run: it passed) */
  toFindNoFailure(this: MatcherThis, received: Result): Verdict {
    const pass = clean(received);
    return {
      pass,
      message: () => (pass
        ? `expected a failure, found none: ${describe(received)}`
        : `expected no failure, found ${isExploration(received) ? `${received.failures.length} distinct` : 'one'}: ${describe(received)}`),
    };
  },

  /** no failure, and with { complete: true } an exploration that says it covered everything: not a sample */
  toBeSafe(this: MatcherThis, received: Result, want: SafeExpectation = {}): Verdict {
    const ok = clean(received);
    const complete = isExploration(received) && received.complete === true;
    const pass = ok && (!want.complete || complete);
    const why = !ok
      ? `found a failure: ${describe(received)}`
      : isExploration(received)
        ? `found no failure, but the exploration is not complete (complete: ${String(received.complete)}): ${describeExploration(received)}`
        : `a single run is a sample, never complete: ${describeRun(received)}`;
    return {
      pass,
      message: () => (pass ? `expected it not to be safe, but ${describe(received)}` : `expected it to be safe${want.complete ? ' (complete)' : ''}, but ${why}`),
    };
  },

  toClobber(this: MatcherThis, received: Result, want: ClobberExpectation = {}): Verdict {
    const matches = (h: HazardReport | undefined) => h !== undefined && h.kind === 'clobber'
      && (want.victim === undefined || h.victim.core === want.victim)
      && (want.writer === undefined || h.writer.core === want.writer)
      && (want.writerSymbol === undefined || h.writer.symbol.startsWith(want.writerSymbol));
    const pass = isExploration(received) ? received.failures.some((f) => matches(f.hazard)) : received.hazards.some(matches);
    const shown = isExploration(received) ? describeExploration(received, (f) => !this.isNot || matches(f.hazard)) : describeRun(received);
    return {
      pass,
      message: () => `expected ${this.isNot ? 'no ' : 'a '}clobber matching ${JSON.stringify(want)}, found: ${shown}`,
    };
  },
};

// vitest >= 3.2 extends both Assertion and the asymmetric matchers from
// Matchers; declaring them on AsymmetricMatchersContaining as well makes
// ExpectStatic's two bases disagree (TS2320) for a consumer without skipLibCheck.
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Matchers<T = any> {
    toPass(): T;
    toEndWith(outcome: Outcome): T;
    toDeadlock(): T;
    toFault(): T;
    toHaveNoHazards(): T;
    toFindNoFailure(): T;
    toBeSafe(want?: SafeExpectation): T;
    toClobber(want?: ClobberExpectation): T;
  }
}
