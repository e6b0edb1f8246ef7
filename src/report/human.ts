/** Human-readable reports of runs. */
import type { RunResult } from '../run.js';

export function formatRun(file: string, r: RunResult): string {
  const lines: string[] = [];
  const exit = r.exitCode === null ? 'no exit' : `exit code ${r.exitCode}`;
  lines.push(`${file}: ${r.outcome.toUpperCase()} (${exit}, ${r.steps} steps, schedule ${r.schedule}, quantum ${r.quantum}, ${r.switches} switches)`);
  if (r.message) lines.push(`  ${r.message}`);
  if (r.console) {
    lines.push('console:');
    for (const l of r.console.replace(/\n$/, '').split('\n')) lines.push(`  | ${l}`);
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
