// Preloaded into a child penlab (node --import): writes the process's peak
// resident memory in KiB to $PENLAB_RSS_FILE when it exits, so a test can
// bound a real run's memory without timing anything.
import { readFileSync, writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.PENLAB_RSS_FILE) writeFileSync(process.env.PENLAB_RSS_FILE, String(peakRssKiB()));
});

// VmHWM, not getrusage's maxrss: that survives fork and exec, so this child
// would report at least the size of the vitest worker that started it
function peakRssKiB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}
