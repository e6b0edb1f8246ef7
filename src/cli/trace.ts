/** `penlab trace diff A B`: exit 0 same, 1 different, 2 bad input (docs/traces.md). */
import type { Command } from 'commander';
import { emit, parseInteger } from './options.js';

export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('work with traces written by run --trace');
  trace
    .command('diff')
    .description('align two traces per core on instruction identity (symbol+offset and opcode) and show where they part')
    .argument('<a>', 'a trace (text or JSON Lines, .gz or not), e.g. the golden one')
    .argument('<b>', 'the trace to compare with it')
    .option('--context <n>', 'lines of context before each difference', parseInteger('--context', 0), 3)
    .option('--ignore-interleaving', "compare each core's own instructions only, repeated loop bodies collapsed")
    .option('--json', 'print one JSON document (shape in docs/traces.md)')
    .action(async (a: string, b: string, o) => {
      const { diffTraces, formatDiff } = await import('../trace/diff.js'); // loaded when the command runs: start-up stays small
      const r = await diffTraces(a, b, { context: o.context, ignoreInterleaving: o.ignoreInterleaving === true });
      emit(o.json, r, () => formatDiff(r));
      process.exitCode = r.same ? 0 : 1;
    });
}
