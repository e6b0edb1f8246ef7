/**
 * Every bad input is one line on stderr, exit status 2, before any work,
 * nothing half-written, in bounded time and memory: run as a user runs
 * penlab, as a child process. Outputs are checked on a firmware that would
 * run for minutes (bench-loop with a huge step budget), so a check made only
 * after the run shows up as the spawn's timeout.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fw, penlab, penlabMeasured, ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'penlab-bad-'));
const FOREVER = ['--max-steps', '100000000000'];

/** one line, exit 2, nothing on stdout, no stack trace */
function refused(r: { status: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^penlab: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const partials = (d: string) => readdirSync(d).filter((f) => f.endsWith('.partial'));

describe('the command line', () => {
  it('with no arguments prints usage on stderr and exits 2', () => {
    const r = penlab();
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: penlab /);
    expect(r.stderr).toContain('explore');
  });

  it('--trace - writes the trace to stdout, the same bytes as a file, and the report to stderr', () => {
    const file = join(dir, 'pingpong.trace');
    expect(penlab('run', fw('sgi-pingpong'), '--trace', file).status).toBe(0);
    const r = penlab('run', fw('sgi-pingpong'), '--trace', '-', '--json');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(file, 'utf8'));
    expect(JSON.parse(r.stderr)).toMatchObject({ outcome: 'pass' });
    expect(existsSync(join(ROOT, '-'))).toBe(false);
  });
});

describe('output paths are checked before the run', () => {
  const ro = '/sys/penlab-nope'; // sysfs takes no new files, even from root
  it.each([
    ['--trace', dir, /--trace .*: is a directory/],
    ['--save-schedule', dir, /--save-schedule .*: is a directory/],
    ['--save-schedule', '/proc/penlab-x', /--save-schedule \/proc\/penlab-x: cannot write \(ENOENT\)/],
    ['--save-schedule', `${ro}.schedule`, /--save-schedule \/sys\/penlab-nope.schedule: cannot write \(EACCES\)/],
    ['--trace', `${ro}.trace`, /--trace \/sys\/penlab-nope.trace: cannot write \(EACCES\)/],
    ['--trace', join(dir, 'no-such-dir', 'x.trace'), /no directory/],
  ])('run %s %s', (option, path, message) => {
    refused(penlab('run', fw('bench-loop'), ...FOREVER, option, path), message);
    expect(partials(dir)).toEqual([]);
  });

  it('refuses an output that is an input, or another output, or a device: nothing overwritten', () => {
    const elf = join(dir, 'copy.elf');
    writeFileSync(elf, readFileSync(fw('bench-loop')));
    refused(penlab('run', elf, ...FOREVER, '--trace', elf), /--trace .*copy\.elf: is the input .*copy\.elf/);
    refused(penlab('run', elf, ...FOREVER, '--trace', join(dir, 'same'), '--save-schedule', join(dir, 'same')), /--save-schedule .*same: --trace writes the same file/);
    expect(readFileSync(elf)).toEqual(readFileSync(fw('bench-loop')));
    const pen = join(dir, 'pen.S');
    writeFileSync(pen, '\t.text\n\t.global main\nmain:\tmov r0, #0\n\tbx lr\n');
    refused(penlab('build', pen, '-o', pen), /-o .*pen\.S: is the input/);
    refused(penlab('build', pen, '-o', '/dev/null'), /-o \/dev\/null: not a regular file/);
    expect(readFileSync(pen, 'utf8')).toMatch(/^\t\.text/);
    expect(partials(dir)).toEqual([]);
  });

  it('demo --out where nothing can be created, before the first run', () => {
    refused(penlab('demo', '--out', '/proc/penlab-nope', '--runs', '2'), /--out \/proc\/penlab-nope\/none: cannot create/);
  });

  it('explore --out where nothing can be created or written', () => {
    refused(penlab('explore', fw('bench-loop'), '--out', '/proc/penlab-nope', '--runs', '2'), /--out \/proc\/penlab-nope: cannot create/);
    refused(penlab('explore', fw('bench-loop'), '--out', '/sys/kernel', '--runs', '2'), /--out \/sys\/kernel: cannot create or write there \(EACCES\)/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    refused(penlab('explore', fw('bench-loop'), '--out', file, '--runs', '2'), /--out .*a-file: cannot create or write there \(ENOTDIR\)/);
  });
});

describe('policy specs and board options', () => {
  it.each([
    [['--schedule', 'random:4294967296'], /SEED must be at most 4294967295/],
    [['--schedule', 'random-visible:1:0=9'], /decision 0 has options 0, 1, not 9/],
    [['--dram-size', '1048577'], /--dram-size 1048577: must be a multiple of 4096/],
    [['--dram-size', '4294967296'], /--dram-size 4294967296: must be a multiple of 4096 from 1 MiB/],
    [['--trace', ''], /--trace '': expected a file name, or - for stdout/],
  ])('run %j', (args, message) => {
    refused(penlab('run', fw('sgi-pingpong'), ...args), message);
  });

  it('explore --out \'\' (it would have written into the working directory)', () => {
    refused(penlab('explore', fw('sgi-pingpong'), '--out', '', '--runs', '2'), /--out '': expected a directory/);
  });

  it('refuses a replay file that goes on with another replay file (it could name itself)', () => {
    const file = join(dir, 'self.schedule');
    writeFileSync(file, `# penlab schedule v1\nthen: replay:${file}\n0:1\n`);
    refused(penlab('run', fw('sgi-pingpong'), '--schedule', `replay:${file}`, '--force'), /then: replay:.*not another replay file/);
  });

  it('refuses a trace with a line no trace has, without building it (a gzip bomb of one line)', () => {
    const good = join(dir, 'good.trace');
    expect(penlab('run', fw('sgi-pingpong'), '--trace', good).status).toBe(0);
    const header = readFileSync(good, 'utf8').split('\n')[0]!;
    const long = join(dir, 'long.trace');
    writeFileSync(long, `${header}\n${'y'.repeat(3 << 20)}`);
    refused(penlab('trace', 'diff', good, long), /long\.trace: a line longer than 1048576 bytes/);
  });

  it('a reader that closes stdout early ends the output, not penlab with a stack trace', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${join(ROOT, 'bin', 'penlab.js')}" run "${fw('chatter')}" --max-steps 300000 --json | head -c 100 >/dev/null`], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
  });
});

describe('schedule files', () => {
  const sched = (name: string, text: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('refuses firmware that is not a regular file', () => {
    refused(penlab('run', '/dev/zero'), /\/dev\/zero: not a regular file \(a character device\)/);
  });

  it.each([
    ['/dev/null', /\/dev\/null: not a regular file \(a character device\)/],
    ['/dev/zero', /\/dev\/zero: not a regular file \(a character device\)/],
    [dir, /not a regular file \(a directory\)/],
  ])('refuses replay:%s unread', (path, message) => {
    refused(penlab('run', fw('bench-loop'), ...FOREVER, '--schedule', `replay:${path}`), message);
  });

  it('refuses empty, truncated, binary and foreign files in one line', () => {
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${sched('empty.schedule', '')}`), /empty file/);
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${sched('cut.schedule', '# penlab schedule v1\nthen: np\n(0:1 1:')}`), /bad schedule token '1:'/);
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${sched('open.schedule', '# penlab schedule v1\n(0:1 1:1')}`), /repeat group opened and never closed/);
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${sched('sha.schedule', '# penlab schedule v1\nfirmware-sha256: 12ab\n0:1')}`), /bad firmware-sha256 '12ab'/);
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${fw('mpidr')}`), /not a schedule file \(binary data\)/);
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${join(ROOT, 'README.md')}`), /README.md: bad schedule token '#'/);
  });

  it('refuses a 48 MB file from its size, quickly and in bounded memory', () => {
    const p = join(dir, 'huge.schedule');
    closeSync(openSync(p, 'w'));
    truncateSync(p, 48_000_000);
    const r = penlabMeasured(['run', fw('bench-loop'), ...FOREVER, '--schedule', `replay:${p}`], { timeout: 30_000 });
    refused(r, /48000000 bytes is over the 4194304 byte limit for schedule file/);
    expect(r.maxRssKiB).toBeLessThan(300 * 1024); // it read nothing: reading it took 2.6 GB
  });

  it('refuses a replay recorded for another ELF unless --force', () => {
    const saved = join(dir, 'pingpong.schedule');
    expect(penlab('run', fw('sgi-pingpong'), '--save-schedule', saved).status).toBe(0);
    expect(readFileSync(saved, 'utf8')).toMatch(/^firmware-sha256: [0-9a-f]{64}$/m);
    expect(penlab('run', fw('sgi-pingpong'), '--schedule', `replay:${saved}`).status).toBe(0);
    refused(penlab('run', fw('mpidr'), '--schedule', `replay:${saved}`), /recorded for another firmware \(sha256 [0-9a-f]{12}…\) than .*mpidr.elf .*use --force/);
    const forced = penlab('run', fw('mpidr'), '--schedule', `replay:${saved}`, '--force');
    expect(forced.stderr).not.toMatch(/another firmware/);
  });
});

describe('explore --resume state', () => {
  const stateDir = (name: string, content?: string) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    if (content !== undefined) writeFileSync(join(d, 'explore-state.json'), content);
    return d;
  };

  it('refuses a truncated, empty, foreign or wrongly shaped state in one line', () => {
    const good = stateDir('good');
    expect(penlab('explore', fw('lost-wakeup'), '--runs', '20', '--out', good, '--no-shrink').status).toBe(1);
    const text = readFileSync(join(good, 'explore-state.json'), 'utf8');
    const args = (d: string) => ['explore', fw('lost-wakeup'), '--runs', '20', '--out', d, '--resume', '--no-shrink'];
    refused(penlab(...args(stateDir('cut', text.slice(0, text.length >> 1)))), /explore-state.json: not a readable exploration state \(truncated or not JSON\)/);
    refused(penlab(...args(stateDir('empty', ''))), /explore-state.json: empty file/);
    refused(penlab(...args(stateDir('foreign', '{"name": "some-package", "version": "1.0.0"}'))), /not an exploration state of this penlab version \(.*\)/);
    const wrong = JSON.parse(text);
    wrong.frames = 'none';
    refused(penlab(...args(stateDir('shape', JSON.stringify(wrong)))), /not an exploration state of this penlab version \(.* at frames\)/);
    const d = stateDir('dir');
    mkdirSync(join(d, 'explore-state.json'));
    refused(penlab(...args(d)), /explore-state.json: not a regular file \(a directory\)/);
    // and the good one resumes
    expect(penlab(...args(good)).status).toBe(1);
  });
});

describe('Ctrl-C during explore', () => {
  const long = ['explore', fw('kexec-notify'), '--strategy', 'pct', '--runs', '100000', '--no-shrink'];

  it('on a terminal: restores cursor and line wrap, prints the summary and the --resume command, exits 130', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'penlab-sigint-'));
    const script = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' });
    if (script.status !== 0) return; // util-linux's script gives the child a real terminal; without it see the test below
    // a real Ctrl-C: the byte 0x03 typed into a pseudo-terminal, turned into SIGINT by its line discipline
    const cmd = [process.execPath, join(ROOT, 'bin', 'penlab.js'), ...long].map((a) => `'${a}'`).join(' ');
    // typed once the first batch has saved the state: the progress bar is up by then
    const typeCtrlC = 'while [ ! -f out/explore-state.json ]; do sleep 0.2; done; sleep 1; printf \'\\003\'; sleep 15';
    const r = spawnSync('sh', ['-c', `(${typeCtrlC}) | script -qefc "${cmd.replace(/"/g, '\\"')}" /dev/null`], {
      cwd, encoding: 'latin1', timeout: 120_000,
    });
    expect(r.status).toBe(130);
    const out = r.stdout;
    const hidden = out.indexOf('\x1b[?25l');
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(out.indexOf('\x1b[?25h', hidden)).toBeGreaterThan(hidden); // cursor shown again
    expect(out.lastIndexOf('\x1b[?7h')).toBeGreaterThan(out.lastIndexOf('\x1b[?7l')); // line wrap back on
    expect(out).toMatch(/kexec-notify.elf: \d+ schedules \(pct, seed 1, interrupted/);
    expect(out).toMatch(/resume with: penlab explore \S+kexec-notify.elf --strategy pct --runs 100000 --no-shrink --resume/);
    expect(existsSync(join(cwd, 'out', 'explore-state.json'))).toBe(true);
    expect(partials(join(cwd, 'out'))).toEqual([]);
  }, 150_000);

  it('without a terminal: SIGINT saves the state, and the printed command resumes it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'penlab-sigint-'));
    const { spawn } = await import('node:child_process');
    const args = ['explore', fw('lost-wakeup'), '--runs', '3000', '--seed', '4', '--no-shrink', '--json'];
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'penlab.js'), ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => { stdout += b; });
    child.stderr.on('data', (b) => { stderr += b; });
    // interrupt once the state file shows progress
    const state = join(cwd, 'out', 'explore-state.json');
    while (!existsSync(state)) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const status = await new Promise<number | null>((r) => child.on('close', r));
    expect(status).toBe(130);
    const first = JSON.parse(stdout);
    expect(first.interrupted).toBe(true);
    expect(first.schedules).toBeLessThan(3000);
    const resume = /resume with: penlab (.*)$/m.exec(stderr)?.[1];
    expect(resume).toBe(`${args.join(' ')} --resume`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'penlab.js'), ...resume!.split(' ')], { cwd, encoding: 'utf8', timeout: 300_000 });
    const done = JSON.parse(r.stdout);
    expect(done.schedules).toBe(3000);
    expect(done.interrupted).toBeUndefined();
  }, 400_000);
});
