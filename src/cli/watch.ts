/**
 * `penlab watch PATH... -- COMMAND...`: runs a penlab command, then again
 * each time a watched firmware source is saved (docs/cli.md). The command
 * runs in a child process of its own process group: a save during a run
 * ends that run (its verdict is already stale), Ctrl-C ends both, and
 * nothing a run does — an endless exploration, a crash — can wedge the
 * watcher. A `.S` given to run/explore is re-assembled by the command
 * itself (through the build cache); a watched directory with a Makefile is
 * made first.
 */
import type { Command } from 'commander';
import { parseInteger } from './options.js';
import type { ChangeBatch, SourceWatcher, WatchTarget } from './watch-files.js';

const COMMANDS = ['run', 'explore', 'build', 'demo', 'trace'];

/** what an exit status means for every penlab command (docs/cli.md, Exit status) */
function verdict(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  const meaning: Record<number, string> = { 0: 'passed', 1: 'failed', 2: 'bad input', 3: 'penlab could not run', 130: 'interrupted' };
  return `exit ${code}${meaning[code ?? -1] ? ` (${meaning[code!]})` : ''}`;
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('run a penlab command, and again each time a watched firmware source (.S, .inc, .ld, .schedule, Makefile) is saved: penlab watch pen.S -- run pen.S')
    .argument('<path...>', 'a source file (watched with the .inc files beside it) or a directory (every source file below it), then -- and the penlab command to run')
    .option('--make <dir>', 'run make -s -C DIR before each run (default: each watched directory that has a Makefile)')
    .option('--no-make', 'never run make')
    .option('--quiet-ms <ms>', 'wait this long after the last event of a save before running', parseInteger('--quiet-ms', 0), 100)
    .addHelpText('after', '\nExamples:\n  penlab watch pen.S -- run pen.S\n  penlab watch pen.S -- explore pen.S --strategy pct --runs 200\n  penlab watch firmware -- run firmware/build/sgi-pingpong.elf\n\nCtrl-C stops watching (exit status 130).')
    .action(async (all: string[], o: { make?: string | false; quietMs: number }) => {
      const { existsSync, statSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { InputError } = await import('../errors.js');
      // commander drops the `--`; the command is what follows it in the arguments main parsed
      const raw = process.argv;
      const sep = raw.indexOf('--', raw.indexOf('watch') + 1);
      const command = sep < 0 ? [] : raw.slice(sep + 1);
      const paths = all.slice(0, all.length - command.length);
      if (!command.length) throw new InputError('watch: give the penlab command to run after --, e.g. penlab watch pen.S -- run pen.S');
      if (!COMMANDS.includes(command[0]!)) throw new InputError(`watch: '${command[0]}' is not a penlab command to run (${COMMANDS.join(', ')})`);
      if (!paths.length) throw new InputError('watch: give a file or directory to watch before --');
      for (const p of paths) {
        if (!existsSync(p)) throw new InputError(`${p}: cannot watch: no such file or directory`);
      }
      let makeDirs: string[];
      if (o.make === false) makeDirs = [];
      else if (typeof o.make === 'string') {
        if (!existsSync(join(o.make, 'Makefile'))) throw new InputError(`--make ${o.make}: no Makefile there`);
        makeDirs = [o.make];
      } else makeDirs = paths.filter((p) => statSync(p).isDirectory() && existsSync(join(p, 'Makefile')));
      process.exitCode = await watchAndRun(paths, command, makeDirs, o.quietMs);
    });
}

/** resolves with the exit status when Ctrl-C (130) or SIGTERM (143) stops it */
async function watchAndRun(paths: string[], command: string[], makeDirs: string[], quietMs: number): Promise<number> {
  const { join } = await import('node:path');
  const { PACKAGE_ROOT } = await import('../cache.js');
  const { describeChange, makeError, RerunLoop, SourceWatcher, watchTargets } = await import('./watch-files.js');
  const { InputError, SetupError } = await import('../errors.js');
  // the penlab this is: argv[1] as node was given it (an installed bin runs dist/, a checkout's src/ through tsx)
  const bin = process.argv[1] ?? join(PACKAGE_ROOT, 'bin', 'penlab.js');
  const say = (line: string) => process.stderr.write(`penlab watch: ${line}\n`);
  const changed = (files: string[]) => describeChange(files, (f) => f.replace(`${process.cwd()}/`, ''));

  // no files: the run at the start
  const loop = new RerunLoop(async (files, savedAt) => {
    say(`${files.length ? changed(files) : 'start'}: penlab ${command.join(' ')}`);
    for (const dir of makeDirs) {
      const m = await loop.spawn('make', ['-s', '-C', dir], true);
      if (loop.cutShort) return false;
      if (m.code !== 0) {
        say(`${m.code === 127 ? `make: ${m.stderr}` : makeError(m.stderr, dir)}; waiting for changes`);
        return true;
      }
    }
    const r = await loop.spawn(process.execPath, [bin, ...command]);
    if (loop.cutShort) return false;
    const secs = ((performance.now() - savedAt) / 1000).toFixed(2);
    say(`${verdict(r.code, r.signal)}, ${secs} s after ${files.length ? 'the save' : 'the start'}; waiting for changes (Ctrl-C stops)`);
    return true;
  });

  let targets: WatchTarget[];
  try {
    targets = paths.flatMap(watchTargets);
  } catch (e) {
    throw new InputError(`${paths.join(' ')}: cannot watch (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const onChange = ({ files, savedAt }: ChangeBatch) => {
    if (loop.busy) say(`${changed(files)}: stopping the run under way`);
    loop.saved(files, savedAt);
  };
  let watcher: SourceWatcher;
  try {
    watcher = new SourceWatcher(targets, onChange, quietMs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EMFILE') throw new SetupError(`cannot watch ${paths.join(' ')}: ${code}: the system's limit on watches (fs.inotify.max_user_watches) is reached`);
    throw new InputError(`${paths.join(' ')}: cannot watch (${code ?? e})`);
  }
  loop.stopOn(watcher, say);
  loop.saved([], performance.now());
  return loop.exited;
}
