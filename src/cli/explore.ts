import { type Command, InvalidArgumentError } from 'commander';
import { SingleBar } from 'cli-progress';
import { explore, type Strategy } from '../explore/explore.js';
import { formatExplore } from '../report/human.js';
import { DEFAULT_MAX_STEPS } from '../run.js';
import { emit, parseInteger, parseRange } from './options.js';

function parseShard(v: string): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[1]) >= Number(m[2])) throw new InvalidArgumentError(`--shard expects I/N with 0 <= I < N, got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('run many interleavings; report distinct outcomes and a shrunk replay file for each failure')
    .argument('<firmware.elf>', 'ELF32 little-endian ARM executable')
    .option('--strategy <s>', 'random | pct | exhaustive', 'random')
    .option('--runs <n>', 'schedules to run (exhaustive: an upper bound)', parseInteger('--runs', 1))
    .option('--seed <s>', 'seed for random and pct', parseInteger('--seed', 0), 1)
    .option('--depth <d>', 'PCT bug depth: d-1 priority change points', parseInteger('--depth', 1), 2)
    .option('--preemptions <p>', 'exhaustive: preemption bound (CHESS iterative context bounding)', parseInteger('--preemptions', 0), 2)
    .option('--jobs <j>', 'worker threads', parseInteger('--jobs', 1), 1)
    .option('--shard <i/n>', 'run only share I of N (CI matrices split one exploration)', parseShard)
    .option('--out <dir>', 'where replay files and the resume state go', 'out')
    .option('--resume', 'continue the exploration saved in --out')
    .option('--no-shrink', 'keep failing schedules as found')
    .option('--cores <n>', 'number of cores (1-4)', parseInteger('--cores', 1), 2)
    .option('--max-steps <n>', 'step budget of each run', parseInteger('--max-steps', 1), DEFAULT_MAX_STEPS)
    .option('--safe <start:end>', 'extra safe region (repeatable)', parseRange)
    .option('--strict-code-sync', 'stale code includes bytes written by other cores')
    .option('--clock-hz <hz>', 'virtual clock: instructions retired machine-wide per virtual second (default 100000000)', parseInteger('--clock-hz', 1))
    .option('--fault-on-exception', 'an undefined instruction, BKPT or alignment fault ends a run as a fault')
    .option('--json', 'print one JSON document (shape in docs/cli.md)')
    .action(async (file: string, o) => {
      const bar = process.stderr.isTTY && !o.json
        ? new SingleBar({ format: 'exploring [{bar}] {value}/{total} schedules | {outcomes}', stream: process.stderr, hideCursor: true })
        : undefined;
      let started = false;
      const r = await explore(file, {
        strategy: o.strategy as Strategy, runs: o.runs, seed: o.seed, depth: o.depth, preemptions: o.preemptions,
        jobs: o.jobs, shard: o.shard, out: o.out, resume: o.resume, shrink: o.shrink,
        run: { cores: o.cores, maxSteps: o.maxSteps, safe: o.safe, strictCodeSync: o.strictCodeSync, clockHz: o.clockHz, faultOnException: o.faultOnException },
        onProgress: (done, total, outcomes) => {
          if (!bar) return;
          const text = Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
          if (!started) { bar.start(total ?? done, done, { outcomes: text }); started = true; }
          if (total === undefined) bar.setTotal(done);
          bar.update(done, { outcomes: text });
        },
      });
      bar?.stop();
      emit(o.json, r, () => formatExplore(r));
      process.exitCode = r.failures.length ? 1 : 0;
    });
}
