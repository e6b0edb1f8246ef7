/**
 * The resume state of an exploration (`OUT/explore-state.json`): how far it
 * got and what it found, saved as it goes so `--resume` continues it. A state
 * is only resumed with the same firmware and the same result-changing
 * options; `configOf` derives those from the options themselves, so an
 * option added later is compared without anyone remembering to list it.
 * A saved state is read only as a regular file of bounded size and checked
 * against a schema, so a truncated, corrupt or foreign file is one line.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { readRegularFile } from '../input.js';
import { writeFileAtomic } from '../report/files.js';
import type { HazardReport, RunResult } from '../report/result.js';
import type { Operation } from '../scheduler/operations.js';
import type { DporState } from './dpor.js';
import type { Frame } from './exhaustive.js';
import type { RunRecord } from './session.js';

/** a state past this size is refused unread (a long exhaustive search stays far below) */
export const MAX_STATE_BYTES = 256 << 20;

const count = z.number().int().nonnegative();
const at = z.object({ core: count, pc: z.string(), symbol: z.string() });
const hazardSchema: z.ZodType<HazardReport> = z.object({
  kind: z.enum(['clobber', 'stale-code']), step: count, writer: at, victim: at,
  address: z.string(), addressSymbol: z.string(), instruction: z.string().optional(), detail: z.string().optional(),
});
const resultSchema: z.ZodType<RunResult> = z.object({
  outcome: z.enum(['pass', 'clobber', 'stale-code', 'deadlock', 'livelock', 'timeout', 'fault', 'exit-failure']),
  exitCode: z.number().int().nullable(),
  steps: count,
  console: z.string(),
  consoleCores: z.string(),
  consoleDropped: count.optional(),
  cores: z.array(z.object({ id: count, pc: z.string(), symbol: z.string(), state: z.string() })),
  hazards: z.array(hazardSchema),
  schedule: z.string(),
  quantum: count,
  switches: count,
  message: z.string().optional(),
  memory: z.enum(['sc', 'relaxed']),
  reorderings: z.array(z.string()).optional(),
});
const pointSchema = z.object({ options: z.array(z.string()), chosen: z.string(), costly: z.array(z.string()) });
const operationSchema: z.ZodType<Operation> = z.object({
  core: count, reads: z.array(count), writes: z.array(count), global: z.literal(true).optional(), poll: z.literal(true).optional(),
  owner: count.optional(), cleaned: z.literal(true).optional(),
});
const operations = z.record(z.string(), operationSchema);
const dporPointSchema = pointSchema.extend({ op: operationSchema.optional(), sleep: operations.optional() });
const recordSchema: z.ZodType<RunRecord> = z.object({
  result: resultSchema, schedule: z.string(), decisions: z.string(), contended: count.optional(),
  points: z.array(pointSchema).optional(), diverged: z.boolean().optional(),
  dpor: z.array(dporPointSchema).optional(), blocked: z.boolean().optional(),
});
const dporSchema: z.ZodType<DporState> = z.object({
  started: z.boolean(),
  path: z.array(z.object({
    options: z.array(z.string()), costly: z.array(z.string()), chosen: z.string(), ops: operations,
    backtrack: z.array(z.string()), done: z.array(z.string()), sleep: operations, cost: count,
  })),
  runs: count, blocked: count, cut: count, disabled: count, diverged: count, cleaned: count.optional(), budget: count.optional(), overflowed: count.optional(),
});
const frameSchema: z.ZodType<Frame> = z.object({
  root: z.boolean(), chosen: z.array(z.string()), options: z.array(z.array(z.string())), costly: z.array(z.array(z.string())),
  cost: count, i: count, j: count, emitted: count,
});
const stateSchema = z.object({
  version: z.literal(1),
  firmware: z.string().regex(/^[0-9a-f]{64}$/),
  config: z.string(),
  next: count,
  started: z.boolean(),
  frames: z.array(frameSchema),
  dpor: dporSchema.optional(),
  // 16 hex digits per hash (seen.ts); states saved before kept a list of them
  seen: z.union([z.string().regex(/^[0-9a-f]*$/).refine((h) => h.length % 16 === 0, 'not whole 16-digit hashes'), z.array(z.string().regex(/^[0-9a-f]{16}$/))]).optional(),
  duplicates: count.optional(),
  k: count.optional(),
  // pct: drawHash of each draw, 16 hex digits each (seen.ts); states saved before kept the draws themselves
  drawn: z.union([z.string().regex(/^[0-9a-f]*$/).refine((h) => h.length % 16 === 0, 'not whole 16-digit hashes'), z.array(z.string())]).optional(),
  idle: count.optional(),
  branches: z.array(z.string()).optional(),
  schedules: count,
  outcomes: z.record(z.string(), count),
  found: z.record(z.string(), z.object({ key: z.string(), order: z.array(count), record: recordSchema })),
});

export interface Found {
  key: string;
  /** where the run that found it comes in the exploration's fixed order (lower wins) */
  order: number[];
  record: RunRecord;
}

export interface ExploreState {
  version: 1;
  /** sha256 of the firmware image */
  firmware: string;
  /** the result-changing options, canonical JSON */
  config: string;
  /** random/pct: the next run index */
  next: number;
  /** exhaustive: the root has run */
  started: boolean;
  frames: Frame[];
  /** dpor: the search path and its counters */
  dpor?: DporState;
  /** hashes of the decision sequences already run (a run repeating one is not counted): seen.ts DecisionHashes.toHex, or a list of them (states saved before) */
  seen?: string | string[];
  /** runs that repeated a schedule already run */
  duplicates?: number;
  /** pct: the K the next batch uses (the most contended decisions a run has had so far) */
  k?: number;
  /** pct: priority orders and change points already drawn: seen.ts drawHash of each as DecisionHashes.toHex, or the draws themselves (states saved before) */
  drawn?: string | string[];
  /** random/pct: attempts in a row that brought no new schedule */
  idle?: number;
  /** random/pct: every run's branching decisions (scheduler/trie.ts encodePath), the trie a resumed exploration rebuilds */
  branches?: string[];
  schedules: number;
  outcomes: Record<string, number>;
  found: Record<string, Found>;
}

/** Options that change which schedules run or what is reported, as canonical JSON (keys sorted, undefined dropped). */
export function configOf(options: object, neutral: ReadonlySet<string>): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v)
        .filter(([k, x]) => !neutral.has(k) && x !== undefined && typeof x !== 'function')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canon(x)]));
    }
    return v;
  };
  return JSON.stringify(canon(options));
}

export function freshState(firmware: string, config: string): ExploreState {
  return { version: 1, firmware, config, next: 0, started: false, frames: [], schedules: 0, outcomes: {}, found: {} };
}

/** where an exploration with `--out DIR` keeps its resume state */
export function stateFile(out: string): string {
  return join(out, 'explore-state.json');
}

/** The saved state to resume, checked against this exploration; undefined when there is none. */
export function loadState(path: string, firmware: string, config: string, elf: string): ExploreState | undefined {
  if (!existsSync(path)) return undefined;
  const text = readRegularFile(path, 'exploration state', MAX_STATE_BYTES).toString('utf8');
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new InputError(`${path}: not a readable exploration state (truncated or not JSON); rerun without --resume`);
  }
  const parsed = stateSchema.safeParse(saved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new InputError(`${path}: not an exploration state of this penlab version (${issue?.message ?? 'bad shape'}${where}); rerun without --resume`);
  }
  const s: ExploreState = parsed.data;
  if (s.firmware !== firmware) throw new InputError(`${path}: saved for a different firmware image than ${elf}`);
  if (s.config !== config) throw new InputError(`${path}: saved with other exploration options; rerun without --resume or with the same options`);
  return s;
}

/**
 * Saves at most every two seconds unless forced: a crash loses little, a fast
 * exploration writes little. `more`: the fields kept elsewhere than in the
 * state object between saves (the tally's hashes), as they are now.
 */
export function stateSaver(path: string, state: ExploreState, more?: () => Partial<ExploreState>): (force?: boolean) => void {
  let savedAt = 0;
  return (force = false) => {
    if (!force && Date.now() - savedAt < 2000) return;
    savedAt = Date.now();
    writeFileAtomic(path, JSON.stringify(more ? { ...state, ...more() } : state));
  };
}
