/**
 * `penlab` command line. Exit status: 0 the run (or every explored run) ended
 * as expected, 1 a property failed, 2 bad input (one line naming the file,
 * address or option), 3 penlab cannot run here (one line naming the missing
 * Debian package) or an internal error (a stack trace).
 */
// Start-up is what a user waits for on every command: only commander and
// small modules load here; each command imports its implementation (the
// machine, koffi, capstone) when it runs.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { emit, parseInteger, parseRange, parseSeconds } from './options.js';
import { InputError, ReplayDivergence, SetupError } from '../errors.js';
import { DEFAULT_MAX_STEPS } from '../limits.js';
import { registerBuild } from './build.js';
import { registerExplore } from './explore.js';
import { registerDemo } from './demo.js';
import { registerTrace } from './trace.js';
import { registerWatch } from './watch.js';

// a reader that closes the pipe early (`--json | head`) ends the output, not penlab with a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// src/cli and dist/cli both sit two levels below package.json
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('penlab')
  .description('Lockstep testbed for ARMv7 multi-core bring-up and shutdown code on Unicorn-emulated Cortex-A9 cores')
  .version(version, '-V, --version', 'print the version of penlab')
  .showHelpAfterError(false)
  .configureOutput({
    outputError: (str, write) => write(`penlab: ${str.replace(/^error: /, '').trim()}\n`),
  })
  .exitOverride();

program
  .command('run')
  .description('run a bare-metal ARMv7 ELF (built for qemu-system-arm -M vexpress-a9 -smp 2) on the emulated board')
  .argument('<firmware>', 'ELF32 little-endian ARM executable, or a .S pen (built as by penlab build)')
  .option('--cores <n>', 'number of Cortex-A9 cores (1-4)', parseInteger('--cores', 1), 2)
  .option('--schedule <policy>', 'rr | random:SEED | np | pct:DEPTH:SEED | replay:FILE', 'rr')
  .option('--quantum <q>', 'steps a core runs per turn under rr and random', parseInteger('--quantum', 1), 1)
  .option('--max-steps <n>', 'step budget for the whole run (timeout when spent)', parseInteger('--max-steps', 1), DEFAULT_MAX_STEPS)
  .option('--safe <start:end>', 'extra safe region (repeatable); everything outside system RAM is safe already', parseRange)
  .option('--strict-code-sync', 'stale code includes bytes written by other cores (the ARM cross-modifying-code rule)')
  .option('--continue-after-hazard', 'keep running after a clobber or stale-code hazard and list them all')
  .option('--no-checks', 'run without the clobber and stale-code detectors')
  .option('--clock-hz <hz>', 'virtual clock: instructions retired machine-wide per virtual second (default 100000000)', parseInteger('--clock-hz', 1))
  .option('--fault-on-exception', 'end the run as a fault at an undefined instruction, BKPT or alignment fault instead of entering the vector')
  .option('--trace <file>', 'write a trace: one line per instruction (registers written, memory accesses) and per machine event; .gz compresses; - writes it to stdout and the report to stderr (docs/traces.md)')
  .option('--trace-format <format>', 'text (default) or jsonl (default for a .jsonl or .jsonl.gz name)')
  .option('--trace-filter <term>', 'keep only core=N, addr=LO-HI, symbol=GLOB or kind=K records (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
  .option('--trace-from <step|symbol>', 'start the trace at this step, or at the first instruction at this symbol')
  .option('--trace-to <step|symbol>', 'end the trace after this step, or before the first instruction at this symbol')
  .option('--save-schedule <file>', 'write the decisions taken as a replay file (for --schedule replay:FILE)')
  .option('--timeout <seconds>', 'wall-clock bound of the run (timeout when spent)', parseSeconds('--timeout'))
  .option('--console-limit <bytes>', 'console bytes kept; the rest are counted as dropped', parseInteger('--console-limit', 0), 1 << 20)
  .option('--force', 'replay a schedule file recorded for another firmware image')
  .option('--memory <model>', 'sc (every store visible at once) | relaxed (store buffers, non-coherent caches: docs/memory-model.md); default sc, or what a replay file says')
  .option('--json', 'print one JSON document (shape in docs/cli.md)')
  .addOption(new Option('--dram-size <bytes>', 'system RAM size').argParser(parseInteger('--dram-size', 0x100000)).hideHelp())
  .action(async (file: string, o) => {
    const { runFirmware } = await import('../run.js');
    const { formatRun } = await import('../report/human.js');
    const r = await runFirmware(file, {
      cores: o.cores, schedule: o.schedule, quantum: o.quantum, maxSteps: o.maxSteps, safe: o.safe,
      strictCodeSync: o.strictCodeSync, continueAfterHazard: o.continueAfterHazard, noChecks: o.checks === false,
      trace: o.trace, traceFormat: o.traceFormat, traceFilter: o.traceFilter, traceFrom: o.traceFrom, traceTo: o.traceTo,
      saveSchedule: o.saveSchedule, dramSize: o.dramSize, clockHz: o.clockHz, faultOnException: o.faultOnException,
      timeout: o.timeout, consoleLimit: o.consoleLimit, force: o.force, memory: o.memory,
    });
    // with the trace on stdout, the report goes to stderr so the two never mix
    emit(o.json, r, () => formatRun(file, r), o.trace === '-' ? process.stderr : process.stdout);
    process.exitCode = r.outcome === 'pass' ? 0 : 1;
  });

registerBuild(program);
registerExplore(program);
registerDemo(program);
registerTrace(program);
registerWatch(program);

try {
  if (process.argv.length <= 2) {
    // no command is a mistake, not a request for help: usage on stderr, exit 2
    process.stderr.write(program.helpInformation());
    process.exitCode = 2;
  } else await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: unknown }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
    process.exitCode = 0;
  } else if (typeof code === 'string' && code.startsWith('commander.')) {
    process.exitCode = 2; // commander already printed the one-line reason
  } else if (e instanceof InputError || e instanceof ReplayDivergence || e instanceof SetupError) {
    process.stderr.write(`penlab: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`penlab: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 3;
  }
}
