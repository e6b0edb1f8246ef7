/** Human-readable reports: of a run, an exploration and the demo's verdict table. */
import type { DemoRow, ExploreResult, RunResult } from './result.js';

export function formatRun(file: string, r: RunResult): string {
  const lines: string[] = [];
  const exit = r.exitCode === null ? 'no exit' : `exit code ${r.exitCode}`;
  lines.push(`${file}: ${r.outcome.toUpperCase()} (${exit}, ${r.steps} steps, schedule ${r.schedule}, quantum ${r.quantum}, ${r.switches} switches, memory ${r.memory})`);
  if (r.message) lines.push(`  ${r.message}`);
  for (const n of r.reorderings ?? []) lines.push(`  reordering: ${n}`);
  if (r.console) {
    lines.push('console:');
    for (const l of r.console.replace(/\n$/, '').split('\n')) lines.push(`  | ${l}`);
    if (r.consoleDropped) lines.push(`  [${r.consoleDropped} more bytes dropped: over the console limit of ${r.console.length} bytes (--console-limit)]`);
  }
  lines.push('cores:');
  for (const c of r.cores) lines.push(`  ${c.id}  ${c.pc}  ${c.state.padEnd(7)}  ${c.symbol}`);
  if (r.hazards.length) {
    lines.push('hazards:');
    for (const h of r.hazards) {
      if (h.kind === 'clobber') {
        lines.push(`  clobber at step ${h.step}: core ${h.writer.core} at ${h.writer.symbol} (${h.writer.pc}) wrote ${h.address} (${h.addressSymbol})`);
        lines.push(`    core ${h.victim.core} had executed it${h.instruction ? ` (${h.instruction})` : ''} and is now at ${h.victim.symbol} (${h.victim.pc})`);
      } else {
        lines.push(`  stale code at step ${h.step}: core ${h.victim.core} fetched ${h.address} (${h.addressSymbol}${h.instruction ? `: ${h.instruction}` : ''})`);
        lines.push(`    written by core ${h.writer.core} at ${h.writer.symbol} with no context synchronization since`);
      }
    }
  }
  return lines.join('\n');
}

export function formatExplore(r: ExploreResult): string {
  const lines: string[] = [];
  const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
  const covered = r.complete === undefined ? ''
    : r.complete ? (r.strategy === 'dpor' ? ', complete: every class of equivalent schedules run' : ', bounded space covered')
    : `, not complete: ${r.incomplete ?? 'cut short by --runs'}`;
  lines.push(`${r.firmware}: ${r.schedules} schedules (${r.strategy}, seed ${r.seed}${covered}${r.interrupted ? ', interrupted: failures as found, not shrunk' : ''}): ${outcomes}`);
  if (r.duplicates) lines.push(`  ${r.duplicates} runs repeated a schedule already run and were not counted`);
  if (r.stopped) lines.push(`  stopped early: ${r.stopped}`);
  lines.push(`  memory ${r.memory}; scheduling points on ${r.sharedWords} shared words; ${r.contendedPoints} contended decisions in the probe run`);
  for (const f of r.failures) {
    lines.push('');
    lines.push(`${f.outcome.toUpperCase()} (found by run ${f.foundBy}, replay with ${f.switches} context switches): ${f.replay}`);
    if (f.hazard) {
      const h = f.hazard;
      lines.push(`  step ${h.step}: core ${h.writer.core} at ${h.writer.symbol} wrote ${h.address} (${h.addressSymbol}${h.instruction ? `: ${h.instruction}` : ''}); core ${h.victim.core} at ${h.victim.symbol}`);
    }
    if (f.message) lines.push(`  ${f.message}`);
    for (const n of f.reorderings ?? []) lines.push(`  reordering: ${n}`);
    lines.push(`  ${f.command}`);
    for (const c of f.lastInstructions) {
      lines.push(`  core ${c.core} last ran:`);
      for (const l of c.lines) lines.push(`    ${l}`);
    }
  }
  return lines.join('\n');
}

/** The verdict table, as the README shows it. */
export function formatDemo(rows: DemoRow[]): string {
  const head = ['variant', 'rr', 'cpu1 delayed', 'PCT depth 2', 'verdict'];
  const body = rows.map((r) => [r.variant, r.rr, r.delayed, r.pct, r.verdict.toUpperCase()]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  const out = [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)];
  for (const r of rows) {
    if (!r.failure) continue;
    out.push('', `${r.variant}: ${r.failure.summary}`, `  ${r.failure.replay}`);
  }
  return out.join('\n');
}
