// Preloaded into a child penlab (node --import): writes the process's peak
// resident memory in KiB to $PENLAB_RSS_FILE when it exits, so a test can
// bound a real run's memory without timing anything.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.PENLAB_RSS_FILE) writeFileSync(process.env.PENLAB_RSS_FILE, String(process.resourceUsage().maxRSS));
});
