import type { Command } from 'commander';
import { emit, parseInteger } from './options.js';
import { MAX_SEED } from '../limits.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the kexec hand-over: every protocol variant under rr, a delayed cpu1 and a PCT search, with a verdict each')
    .option('--runs <n>', 'PCT schedules per variant', parseInteger('--runs', 1), 200)
    .option('--seed <s>', 'PCT seed', parseInteger('--seed', 0, MAX_SEED), 1)
    .option('--jobs <j>', 'worker threads', parseInteger('--jobs', 1), 1)
    .option('--out <dir>', 'where replay files go (one folder per variant)', 'out')
    .option('--json', 'print one JSON document')
    .action(async (o) => {
      const { demo, formatDemo } = await import('../demo.js');
      const rows = await demo({ runs: o.runs, seed: o.seed, jobs: o.jobs, out: o.out });
      emit(o.json, rows, () => formatDemo(rows));
      process.exitCode = rows.every((r) => r.expected) ? 0 : 1;
    });
}
