/**
 * The `penlab run` command line that runs a result again: the firmware, the
 * schedule and every option that changes what a run does. A run is fixed by
 * these (docs/concepts.md, "schedule"), so the command is an exact replay;
 * reports and matcher messages hand it out with every failure.
 */
import type { Range } from '../checks/clobber.js';
import { DEFAULT_CONSOLE_LIMIT } from '../machine/console.js';

/** the options that change a run (run.ts's RunOptions has these among others) */
export interface RunShape {
  cores?: number;
  quantum?: number;
  maxSteps?: number;
  safe?: Range[];
  strictCodeSync?: boolean;
  noChecks?: boolean;
  continueAfterHazard?: boolean;
  dramSize?: number;
  clockHz?: number;
  faultOnException?: boolean;
  consoleLimit?: number;
}


/** a word as a POSIX shell reads it back */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function runCommand(firmware: string, schedule: string, o: RunShape = {}): string {
  const words = ['penlab', 'run', firmware, '--schedule', schedule];
  if (o.cores !== undefined && o.cores !== 2) words.push('--cores', String(o.cores));
  if (o.quantum !== undefined && o.quantum !== 1) words.push('--quantum', String(o.quantum));
  if (o.maxSteps !== undefined) words.push('--max-steps', String(o.maxSteps));
  for (const [start, end] of o.safe ?? []) words.push('--safe', `0x${start.toString(16)}:0x${end.toString(16)}`);
  if (o.strictCodeSync) words.push('--strict-code-sync');
  if (o.continueAfterHazard) words.push('--continue-after-hazard');
  if (o.noChecks) words.push('--no-checks');
  if (o.dramSize !== undefined) words.push('--dram-size', String(o.dramSize));
  if (o.clockHz !== undefined) words.push('--clock-hz', String(o.clockHz));
  if (o.faultOnException) words.push('--fault-on-exception');
  if (o.consoleLimit !== undefined && o.consoleLimit !== DEFAULT_CONSOLE_LIMIT) words.push('--console-limit', String(o.consoleLimit));
  return words.map(shellWord).join(' ');
}
