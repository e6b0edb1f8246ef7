/**
 * `penlab build PEN.S [MORE.S…] [--defsym K=V]… [-o OUT.elf]`: a user's pen,
 * assembled and linked for the board with the firmware library and link
 * script shipped in the package (src/elf/assemble.ts; docs/firmware.md).
 */
import type { Command } from 'commander';

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description("assemble and link a pen for the board with penlab's firmware library (start.S, vectors.S, gic.S, print.S, sync.S, board.inc) and link script")
    .argument('<source.S...>', 'assembly sources (GNU as, no C preprocessor); one of them defines main')
    .option('--defsym <name=value>', 'define an absolute symbol in the sources, as arm-none-eabi-as --defsym (repeatable)', collect)
    .option('-o, --output <file>', 'where the ELF goes (default: the first source with .elf for .S)')
    .action(async (sources: string[], o: { defsym?: string[]; output?: string }) => {
      const { copyFileSync, renameSync, rmSync } = await import('node:fs');
      const { assemblePen, isAssemblySource, parseDefsym } = await import('../elf/assemble.js');
      const { InputError } = await import('../errors.js');
      const { checkDistinctOutputs, checkOutputFile } = await import('../report/files.js');
      for (const s of sources) if (!isAssemblySource(s)) throw new InputError(`${s}: not an assembly source (.S or .s)`);
      const defsyms = (o.defsym ?? []).map(parseDefsym);
      const out = o.output ?? sources[0]!.replace(/\.[sS]$/, '.elf');
      // checked before assembling: a bad -o is one line, and nothing is built for nothing
      checkOutputFile('-o', out);
      checkDistinctOutputs([['-o', out]], sources);
      const elf = assemblePen(sources, defsyms);
      const tmp = `${out}.partial`;
      try {
        copyFileSync(elf, tmp);
        renameSync(tmp, out);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new InputError(`-o ${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`);
      }
      process.stdout.write(`${out}\n`);
    });
}
