import { existsSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { Strategy } from '../explore/explore.js';
import { DEFAULT_MAX_STEPS, MAX_SEED } from '../limits.js';
import { emit, parseInteger, parseRange, parseSeconds } from './options.js';

/** the command line again, with --resume, quoted for a POSIX shell */
function resumeCommand(argv: string[]): string {
  const args = argv.includes('--resume') ? argv : [...argv, '--resume'];
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['penlab', ...args].map(quote).join(' ');
}

function parseShard(v: string): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[1]) >= Number(m[2])) throw new InvalidArgumentError(`--shard expects I/N with 0 <= I < N, got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('run many interleavings; report distinct outcomes and a shrunk replay file for each failure')
    .argument('<firmware>', 'ELF32 little-endian ARM executable, or a .S pen (built as by penlab build)')
    .option('--strategy <s>', 'random | pct | exhaustive | dpor', 'random')
    .option('--runs <n>', 'distinct schedules to run (exhaustive, dpor: an upper bound)', parseInteger('--runs', 1))
    .option('--seed <s>', 'seed for random and pct', parseInteger('--seed', 0, MAX_SEED), 1)
    .option('--depth <d>', 'PCT bug depth: d-1 priority change points', parseInteger('--depth', 1), 2)
    .option('--preemptions <p>', 'exhaustive: preemption bound (CHESS iterative context bounding, default 2); dpor: bound the search (default none)', parseInteger('--preemptions', 0))
    .option('--jobs <j>', 'worker threads', parseInteger('--jobs', 1), 1)
    .option('--shard <i/n>', 'run only share I of N (CI matrices split one exploration)', parseShard)
    .option('--out <dir>', 'where replay files and the resume state go', 'out')
    .option('--resume', 'continue the exploration saved in --out')
    .option('--no-shrink', 'keep failing schedules as found')
    .option('--cores <n>', 'number of cores (1-4)', parseInteger('--cores', 1), 2)
    .option('--max-steps <n>', 'step budget of each run', parseInteger('--max-steps', 1), DEFAULT_MAX_STEPS)
    .option('--safe <start:end>', 'extra safe region (repeatable)', parseRange)
    .option('--strict-code-sync', 'stale code includes bytes written by other cores')
    .option('--timeout <seconds>', 'wall-clock bound of each schedule (timeout when spent)', parseSeconds('--timeout'))
    .option('--console-limit <bytes>', 'console bytes kept per run', parseInteger('--console-limit', 0), 1 << 20)
    .option('--clock-hz <hz>', 'virtual clock: instructions retired machine-wide per virtual second (default 100000000)', parseInteger('--clock-hz', 1))
    .option('--fault-on-exception', 'an undefined instruction, BKPT or alignment fault ends a run as a fault')
    .option('--memory <model>', 'sc (default) | relaxed: store buffers whose drains are scheduling choices (docs/memory-model.md)')
    .option('--json', 'print one JSON document (shape in docs/cli.md)')
    .action(async (file: string, o) => {
      const { explore, stateFile } = await import('../explore/explore.js');
      const saved = () => existsSync(stateFile(o.out));
      const { formatExplore } = await import('../report/human.js');
      const { SingleBar } = await import('cli-progress');
      const bar = process.stderr.isTTY && !o.json
        ? new SingleBar({ format: 'exploring [{bar}] {value}/{total} schedules | {outcomes}', stream: process.stderr, hideCursor: true })
        : undefined;
      let started = false;
      // Ctrl-C: the terminal back at once, then stop between batches with the state saved;
      // a second Ctrl-C does not wait for the batch
      const abort = new AbortController();
      const onSigint = () => {
        if (started) bar?.stop();
        started = false;
        if (abort.signal.aborted) {
          // the state is saved after the first batch: before that there is nothing to resume
          process.stderr.write(saved() ? `penlab: interrupted; resume with: ${resumeCommand(process.argv.slice(2))}\n` : 'penlab: interrupted before any state was saved\n');
          process.exit(130);
        }
        abort.abort();
        process.stderr.write('penlab: interrupted, stopping after the schedules running now (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSigint);
      if (o.resume && !saved()) process.stderr.write(`penlab: --resume: no exploration saved in ${o.out}; starting from the beginning\n`);
      let r;
      try {
        r = await explore(file, {
          strategy: o.strategy as Strategy, runs: o.runs, seed: o.seed, depth: o.depth, preemptions: o.preemptions,
          jobs: o.jobs, shard: o.shard, out: o.out, resume: o.resume, shrink: o.shrink, signal: abort.signal,
          run: { cores: o.cores, maxSteps: o.maxSteps, safe: o.safe, strictCodeSync: o.strictCodeSync, timeout: o.timeout, consoleLimit: o.consoleLimit, clockHz: o.clockHz, faultOnException: o.faultOnException, memory: o.memory },
          onProgress: (done, total, outcomes) => {
            if (!bar || abort.signal.aborted) return; // once interrupted, the bar stays down
            const text = Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
            if (!started) { bar.start(total ?? done, done, { outcomes: text }); started = true; }
            if (total === undefined) bar.setTotal(done);
            bar.update(done, { outcomes: text });
          },
        });
      } finally {
        if (started) bar?.stop();
        process.off('SIGINT', onSigint);
      }
      const result = r;
      emit(o.json, result, () => formatExplore(result));
      if (result.interrupted) {
        process.stderr.write(`penlab: interrupted after ${result.schedules} schedules; resume with: ${resumeCommand(process.argv.slice(2))}\n`);
        process.exitCode = 130;
      } else process.exitCode = result.failures.length ? 1 : 0;
    });
}
