/**
 * This process's peak resident memory in KiB. On Linux it is VmHWM, which
 * belongs to the process's own address space: getrusage's maxrss survives
 * fork and exec, so a child started by a large parent (the bench, a vitest
 * worker) would report at least the parent's size at the fork.
 */
import { readFileSync } from 'node:fs';

export function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux: fall back */ }
  return process.resourceUsage().maxRSS;
}
