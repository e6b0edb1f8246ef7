/**
 * vitest matchers for penlab results, for firmware test suites:
 *
 *   import { expect } from 'vitest';
 *   import { penlabMatchers } from 'penlab/testing';
 *   expect.extend(penlabMatchers);
 *   expect(await runFirmware('pen.elf')).toHaveNoHazards();
 *   expect(await explore('pen.elf', { strategy: 'pct' })).toClobber({ victim: 1 });
 */
import type {} from 'vitest';
import type { ExploreResult, HazardReport, RunResult } from '../report/result.js';

export interface ClobberExpectation {
  victim?: number;
  writer?: number;
  /** the writer's symbol starts with this (e.g. 'relocate_new_kernel') */
  writerSymbol?: string;
}

type Result = RunResult | ExploreResult;

function hazardsOf(r: Result): HazardReport[] {
  if ('hazards' in r) return r.hazards;
  return r.failures.flatMap((f) => (f.hazard ? [f.hazard] : []));
}

function describe(r: Result): string {
  const hs = hazardsOf(r);
  if (!hs.length) return 'no hazards';
  return hs.map((h) => `${h.kind} at step ${h.step}: core ${h.writer.core} at ${h.writer.symbol} wrote ${h.address}, victim core ${h.victim.core} at ${h.victim.symbol}`).join('; ');
}

export const penlabMatchers = {
  toHaveNoHazards(received: Result) {
    const hs = hazardsOf(received);
    return {
      pass: hs.length === 0,
      message: () => (hs.length ? `expected no hazards, found ${describe(received)}` : 'expected hazards, found none'),
    };
  },
  toClobber(received: Result, want: ClobberExpectation = {}) {
    const hit = hazardsOf(received).find((h) => h.kind === 'clobber'
      && (want.victim === undefined || h.victim.core === want.victim)
      && (want.writer === undefined || h.writer.core === want.writer)
      && (want.writerSymbol === undefined || h.writer.symbol.startsWith(want.writerSymbol)));
    return {
      pass: hit !== undefined,
      message: () => (hit
        ? `expected no clobber matching ${JSON.stringify(want)}, found ${describe(received)}`
        : `expected a clobber matching ${JSON.stringify(want)}, found ${describe(received)}`),
    };
  },
};

// vitest >= 3.2 extends both Assertion and the asymmetric matchers from
// Matchers; declaring them on AsymmetricMatchersContaining as well makes
// ExpectStatic's two bases disagree (TS2320) for a consumer without skipLibCheck.
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Matchers<T = any> {
    toHaveNoHazards(): T;
    toClobber(want?: ClobberExpectation): T;
  }
}
