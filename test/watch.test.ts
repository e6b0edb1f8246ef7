/**
 * `penlab watch`: the real watcher in a child process, over a pen copied
 * into a temporary directory and edited as an editor would save it. Each
 * test waits for lines on the watcher's output (never for a time), so a
 * loaded machine makes it slower, not flaky.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { penlab, ROOT } from './helpers.js';

const pen = (exit: number, extra = '') => `\t.include "board.inc"\n\t.syntax\tunified\n\t.arm\n\t.text\n\t.global\tmain\nmain:\n${extra}\tmov\tr0, #${exit}\n\tbx\tlr\n`;

class Watcher {
  readonly child: ChildProcessWithoutNullStreams;
  out = '';
  private waiters: (() => void)[] = [];
  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin', 'penlab.js'), 'watch', ...args], { cwd });
    const take = (d: Buffer) => {
      this.out += d.toString();
      for (const w of this.waiters) w();
    };
    this.child.stdout.on('data', take);
    this.child.stderr.on('data', take);
  }
  /** resolves when `re` has matched `count` times in the output; fails with the output after 60 s */
  until(re: RegExp, count = 1): Promise<string> {
    const g = new RegExp(re.source, `${re.flags}g`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} (x${count}) in 60 s; the watcher printed:\n${this.out}`)), 60_000);
      const check = () => {
        if ((this.out.match(g) ?? []).length >= count) {
          clearTimeout(timer);
          resolve(this.out);
        } else if (this.child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`watcher exited ${this.child.exitCode}:\n${this.out}`));
        }
      };
      this.waiters.push(check);
      this.child.on('exit', check);
      check();
    });
  }
  /** every status line the watcher printed (the command's report is in between) */
  get statuses(): string[] {
    return this.out.split('\n').filter((l) => l.startsWith('penlab watch: '));
  }
  stop(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve(this.child.exitCode);
      this.child.on('exit', (code) => resolve(code));
      this.child.kill('SIGINT');
    });
  }
}

/** an editor's save: a new file renamed over the old one (the watched inode goes away) */
function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp~`, text);
  renameSync(`${path}.tmp~`, path);
}

let watcher: Watcher | undefined;
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
});

describe('penlab watch', () => {
  it('runs at once, again with the new verdict after each save, one line for an assembler error, and keeps watching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'penlab-watch-'));
    writeFileSync(join(dir, 'pen.S'), pen(0));
    watcher = new Watcher(['pen.S', '--', 'run', 'pen.S'], dir);
    await watcher.until(/exit 0 \(passed\)/);
    expect(watcher.out).toMatch(/pen\.S: PASS/);

    save(join(dir, 'pen.S'), pen(1));
    await watcher.until(/exit 1 \(failed\)/);
    expect(watcher.out).toMatch(/pen\.S: EXIT-FAILURE/);

    save(join(dir, 'pen.S'), pen(0, '\tmovx\tr1, #2\n'));
    const out = await watcher.until(/exit 2 \(bad input\)/);
    const afterSave = out.slice(out.lastIndexOf('pen.S changed')).trim().split('\n');
    // the change, the assembler's one line, the verdict
    expect(afterSave).toHaveLength(3);
    expect(afterSave[1]).toMatch(/^penlab: pen\.S:7: Error: bad instruction `movx r1,#2'$/);

    save(join(dir, 'pen.S'), pen(0));
    await watcher.until(/exit 0 \(passed\)/, 2);
    expect(watcher.statuses.filter((l) => /changed: penlab run pen\.S$/.test(l))).toHaveLength(3);
    expect(await watcher.stop()).toBe(130);
    expect(watcher.statuses.at(-1)).toBe('penlab watch: stopped');
  });

  it('a touch or a save of the same bytes runs nothing; an .inc beside the pen counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'penlab-watch-'));
    writeFileSync(join(dir, 'answer.inc'), '\t.equ\tANSWER, 0\n');
    writeFileSync(join(dir, 'pen.S'), pen(0).replace('#0', '#ANSWER').replace('.include "board.inc"', '.include "board.inc"\n\t.include "answer.inc"'));
    watcher = new Watcher(['pen.S', '--', 'run', 'pen.S'], dir);
    await watcher.until(/exit 0 \(passed\)/);
    utimesSync(join(dir, 'pen.S'), new Date(), new Date());
    writeFileSync(join(dir, 'notes.txt'), 'not a source');
    save(join(dir, 'answer.inc'), '\t.equ\tANSWER, 3\n');
    await watcher.until(/exit 1 \(failed\)/);
    // only the .inc's save ran the command: the touch and the text file did nothing
    expect(watcher.statuses.filter((l) => l.includes('changed'))).toEqual(['penlab watch: answer.inc changed: penlab run pen.S']);
  });

  it('a save during a run stops that run and starts the new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'penlab-watch-'));
    // core 0 spins: a run of 10^9 steps would take minutes
    writeFileSync(join(dir, 'pen.S'), pen(0, 'spin:\tb\tspin\n'));
    watcher = new Watcher(['pen.S', '--', 'run', 'pen.S', '--max-steps', '1000000000'], dir);
    await watcher.until(/start: penlab run/);
    save(join(dir, 'pen.S'), pen(0));
    await watcher.until(/exit 0 \(passed\)/);
    expect(watcher.out).toMatch(/pen\.S changed: stopping the run under way/);
  });

  it('makes a watched directory that has a Makefile first; a make error is one line and it keeps watching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'penlab-watch-'));
    writeFileSync(join(dir, 'Makefile'), `pen.o: pen.S\n\tarm-none-eabi-as -I ${join(ROOT, 'firmware', 'lib')} -o pen.o pen.S\n`);
    writeFileSync(join(dir, 'pen.S'), pen(0));
    watcher = new Watcher(['.', '--', 'run', 'pen.S'], dir);
    await watcher.until(/exit 0 \(passed\)/);
    save(join(dir, 'pen.S'), pen(0, '\tmovx\tr1, #2\n'));
    await watcher.until(/make -C \.: /);
    expect(watcher.statuses.at(-1)).toMatch(/^penlab watch: make -C \.: pen\.S:7: Error: bad instruction `movx r1,#2'; waiting for changes$/);
    save(join(dir, 'pen.S'), pen(1));
    await watcher.until(/exit 1 \(failed\)/);
  });

  it('refuses a missing command, an unknown command and a missing path, in one line with exit status 2', () => {
    for (const [args, msg] of [
      [['watch', 'test'], /^penlab: watch: give the penlab command to run after --/],
      [['watch', 'test', '--', 'bogus'], /^penlab: watch: 'bogus' is not a penlab command/],
      [['watch', 'nope.S', '--', 'run', 'nope.S'], /^penlab: nope\.S: cannot watch: no such file or directory$/],
      [['watch', 'test', '--make', 'test', '--', 'run', 'x.S'], /^penlab: --make test: no Makefile there$/],
    ] as const) {
      const r = penlab(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(msg);
    }
  });
});
