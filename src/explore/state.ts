/**
 * The resume state of an exploration (`OUT/explore-state.json`): how far it
 * got and what it found, saved as it goes so `--resume` continues it. A state
 * is only resumed with the same firmware and the same result-changing
 * options; `configOf` derives those from the options themselves, so an
 * option added later is compared without anyone remembering to list it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../report/files.js';
import type { Frame } from './exhaustive.js';
import type { RunRecord } from './session.js';

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

/** The saved state to resume, checked against this exploration; undefined when there is none. */
export function loadState(path: string, firmware: string, config: string, elf: string): ExploreState | undefined {
  if (!existsSync(path)) return undefined;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not a readable exploration state (${e instanceof SyntaxError ? 'truncated or not JSON' : (e as NodeJS.ErrnoException).code ?? String(e)}); rerun without --resume`);
  }
  const s = saved as Partial<ExploreState> | null;
  const shaped = !!s && typeof s === 'object' && s.version === 1 && typeof s.firmware === 'string' && typeof s.config === 'string'
    && Number.isSafeInteger(s.next) && typeof s.started === 'boolean' && Array.isArray(s.frames)
    && Number.isSafeInteger(s.schedules) && !!s.outcomes && typeof s.outcomes === 'object' && !!s.found && typeof s.found === 'object';
  if (!shaped) throw new InputError(`${path}: not an exploration state of this penlab version; rerun without --resume`);
  if (s.firmware !== firmware) throw new InputError(`${path}: saved for a different firmware image than ${elf}`);
  if (s.config !== config) throw new InputError(`${path}: saved with other exploration options; rerun without --resume or with the same options`);
  return s as ExploreState;
}

/** Saves at most every two seconds unless forced: a crash loses little, a fast exploration writes little. */
export function stateSaver(path: string, state: ExploreState): (force?: boolean) => void {
  let savedAt = 0;
  return (force = false) => {
    if (!force && Date.now() - savedAt < 2000) return;
    savedAt = Date.now();
    writeFileAtomic(path, JSON.stringify(state));
  };
}
