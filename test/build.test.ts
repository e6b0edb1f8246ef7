/**
 * `penlab build`, `.S` pens given straight to run/explore, the build cache,
 * `--version`, and what a machine without the Debian packages penlab needs
 * is told (one line naming the package and the apt-get command).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'penlab-build-'));
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function penlab(args: string[], o: { env?: NodeJS.ProcessEnv; wrap?: string[] } = {}) {
  const argv = [...(o.wrap ?? []), process.execPath, join(ROOT, 'bin', 'penlab.js'), ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, env: { ...process.env, ...o.env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function oneLine(r: { stderr: string }): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};

const HEADER = '\t.include "board.inc"\n\t.syntax\tunified\n\t.arm\n\t.text\n';
// prints GREETING's value (a --defsym) and the value of ANSWER from answer.inc beside it
write('greet.S', `${HEADER}\t.include "answer.inc"
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =GREETING
	bl	print_udec
	mov	r0, #' '
	bl	putc
	ldr	r0, =ANSWER
	bl	print_udec
	mov	r0, #'\\n'
	bl	putc
	mov	r0, #0
	pop	{r4, pc}
	.ltorg
`);
write('answer.inc', '\t.equ\tANSWER, 42\n');
// main in one file, the helper it calls in another
write('two-main.S', `${HEADER}\t.global main\nmain:\tpush {r4, lr}\n\tbl helper\n\tmov r0, #0\n\tpop {r4, pc}\n`);
write('two-helper.S', `${HEADER}\t.global helper\nhelper:\tldr r0, =msg\n\tb puts\n\t.ltorg\n\t.section .rodata\nmsg:\t.asciz "helper says hi\\n"\n`);

describe('penlab --version', () => {
  it('prints the package version and exits 0', () => {
    expect(penlab(['--version'])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    expect(penlab(['-V']).stdout).toBe(`${version}\n`);
  });
});

describe('penlab build', () => {
  it('assembles and links a pen with the firmware library; --defsym reaches the source', () => {
    expect(penlab(['build', 'greet.S', '--defsym', 'GREETING=7', '-o', 'seven.elf'])).toEqual({ status: 0, stdout: 'seven.elf\n', stderr: '' });
    expect(penlab(['build', 'greet.S', '--defsym', 'GREETING=0x9'])).toEqual({ status: 0, stdout: 'greet.elf\n', stderr: '' });
    expect(penlab(['run', 'seven.elf']).stdout).toContain('| 7 42\n');
    expect(penlab(['run', 'greet.elf']).stdout).toContain('| 9 42\n');
    // without the --defsym, the symbol is undefined and the link says so
    const r = penlab(['build', 'greet.S', '-o', 'none.elf']);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toMatch(/^penlab: greet\.S: cannot link: .*undefined reference to `GREETING'/);
    expect(existsSync(join(dir, 'none.elf'))).toBe(false);
  });

  it('links several sources into one pen', () => {
    expect(penlab(['build', 'two-main.S', 'two-helper.S', '-o', 'two.elf']).status).toBe(0);
    const r = penlab(['run', 'two.elf']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('helper says hi');
    const alone = penlab(['build', 'two-main.S', '-o', 'alone.elf']);
    expect(alone.status).toBe(2);
    expect(oneLine(alone)).toMatch(/undefined reference to `helper'/);
  });

  it.each([
    [['build', 'missing.S'], /^penlab: missing\.S: cannot read assembly source \(ENOENT\)$/],
    [['build', 'answer.inc'], /^penlab: answer\.inc: not an assembly source \(\.S or \.s\)$/],
    [['build', 'greet.S', '--defsym', 'GREETING'], /^penlab: --defsym GREETING: expected NAME=VALUE/],
    [['build', 'greet.S', '--defsym', 'GREETING=1+1'], /^penlab: --defsym GREETING=1\+1: expected NAME=VALUE/],
    [['build', 'greet.S', '--defsym', 'GREETING=1', '-o', 'nowhere/x.elf'], /^penlab: -o nowhere\/x\.elf: no directory /],
    [['build', 'greet.S', '--defsym', 'GREETING=1', '-o', '.'], /^penlab: -o \.: is a directory; expected a file name$/],
    [['build', 'syntax.S'], /^penlab: syntax\.S:6: Error: bad instruction `movv r0,#1' \(and 1 more\)$/],
    [['build', 'nomain.S'], /^penlab: nomain\.S: cannot link: .*undefined reference to `main' \(a pen defines main: see docs\/firmware\.md\)$/],
    [['build', 'greet.S', '--bogus'], /^penlab: unknown option '--bogus'$/],
    [['build', 'huge.S'], /^penlab: huge\.S: arm-none-eabi-as's output is over the 64 MiB limit for a firmware image$/],
  ])('refuses %j in one line, exit 2, writing nothing', (args, message) => {
    write('syntax.S', `${HEADER}\t.global main\nmain:\tmovv r0, #1\n\tbogus\n`);
    write('nomain.S', `${HEADER}\tnop\n`);
    write('huge.S', '\t.data\n\t.space 0x7fffffff\n');
    const before = readdirSync(dir).sort();
    const r = penlab(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(oneLine(r)).toMatch(message as RegExp);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('.S pens given to run and explore', () => {
  it("docs/firmware.md's example pen runs as the page says", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'firmware.md'), 'utf8');
    const example = /```asm\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    write('doc-example.S', example!);
    const r = penlab(['run', 'doc-example.S']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| core 1 answered\n');
  });

  it('are built into the cache, and rebuilt when a file they include changes', () => {
    const cache = join(dir, 'cache-include');
    write('answer-pen.S', `${HEADER}\t.include "answer.inc"\n\t.equ GREETING, 1\n${readFileSync(join(dir, 'greet.S'), 'utf8').slice(HEADER.length + '\t.include "answer.inc"\n'.length)}`);
    const env = { XDG_CACHE_HOME: cache };
    expect(penlab(['run', 'answer-pen.S'], { env }).stdout).toContain('| 1 42\n');
    expect(readdirSync(join(cache, 'penlab')).filter((d) => d.startsWith('pen-'))).toHaveLength(1);
    write('answer.inc', '\t.equ\tANSWER, 43\n');
    try {
      expect(penlab(['run', 'answer-pen.S'], { env }).stdout).toContain('| 1 43\n');
    } finally {
      write('answer.inc', '\t.equ\tANSWER, 42\n');
    }
    expect(penlab(['run', 'answer-pen.S'], { env }).stdout).toContain('| 1 42\n');
  });

  it('the same source in another directory includes that directory\'s file, not the cached one', () => {
    const env = { XDG_CACHE_HOME: join(dir, 'cache-dirs') };
    // gas looks in the working directory first: the include's name is one only the subdirectories have
    const text = `${HEADER}\t.include "sub-answer.inc"\n\t.global main\nmain:\tpush {r4, lr}\n\tmov r0, #1\n\tbl print_udec\n\tmov r0, #' '\n\tbl putc\n\tldr r0, =ANSWER\n\tbl print_udec\n\tmov r0, #'\\n'\n\tbl putc\n\tmov r0, #0\n\tpop {r4, pc}\n\t.ltorg\n`;
    for (const [sub, answer] of [['a', 7], ['b', 8], ['a', 7]] as const) {
      mkdirSync(join(dir, sub), { recursive: true });
      write(join(sub, 'answer-pen.S'), text);
      write(join(sub, 'sub-answer.inc'), `\t.equ\tANSWER, ${answer}\n`);
      expect(penlab(['run', join(sub, 'answer-pen.S')], { env }).stdout).toContain(`| 1 ${answer}\n`);
    }
  });

  it('explore takes a .S and reports a bad one in one line', () => {
    const bad = penlab(['explore', 'two-helper.S', '--runs', '2']);
    expect(bad.status).toBe(2);
    expect(oneLine(bad)).toMatch(/^penlab: two-helper\.S: cannot link: .*undefined reference to `main'/);
    const r = penlab(['explore', join(ROOT, 'firmware', 'tests', 'wfe-sev.S'), '--runs', '4', '--json', '--out', join(dir, 'explore-out')]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schedules: 4, failures: [] });
  });
});

describe('a machine without what penlab needs is told what to install', () => {
  // PATH with node only: no cc, no arm-none-eabi-as
  const bare = join(dir, 'bare-bin');
  mkdirSync(bare);
  symlinkSync(process.execPath, join(bare, 'node'));
  const mpidr = join(ROOT, 'firmware', 'build', 'mpidr.elf');

  it('no arm-none-eabi-as: names binutils-arm-none-eabi (with nothing cached to fall back on)', () => {
    const r = penlab(['build', 'two-main.S', 'two-helper.S', '-o', 'never.elf'], { env: { PATH: bare, XDG_CACHE_HOME: join(dir, 'cache-noas') } });
    expect(r.status).toBe(3);
    expect(oneLine(r)).toBe("penlab: arm-none-eabi-as not found: install Debian's binutils-arm-none-eabi: apt-get install binutils-arm-none-eabi");
    expect(existsSync(join(dir, 'never.elf'))).toBe(false);
  });

  it('no C compiler: names gcc and libunicorn-dev, builds nothing into the cache', () => {
    const cache = join(dir, 'cache-nocc');
    const r = penlab(['run', mpidr], { env: { PATH: bare, XDG_CACHE_HOME: cache } });
    expect(r.status).toBe(3);
    expect(oneLine(r)).toBe("penlab: cannot build penlab's native stepper: no C compiler ('cc' not found); install one: apt-get install libunicorn-dev gcc");
    const entries = readdirSync(join(cache, 'penlab'));
    for (const e of entries) expect(readdirSync(join(cache, 'penlab', e))).toEqual([]);
  });

  it('builds the stepper once into an empty cache, then reuses it', () => {
    const cache = join(dir, 'cache-fresh');
    expect(penlab(['run', mpidr], { env: { XDG_CACHE_HOME: cache } }).status).toBe(0);
    const native = readdirSync(join(cache, 'penlab')).filter((d) => d.startsWith('native-'));
    expect(native).toHaveLength(1);
    expect(readdirSync(join(cache, 'penlab', native[0]!))).toEqual(['libpenstep.so']);
    expect(penlab(['run', mpidr], { env: { XDG_CACHE_HOME: cache, PATH: bare } }).status).toBe(0); // no compiler needed now
  });

  // a mount namespace hides one file or directory from this process alone
  const unshare = spawnSync('unshare', ['-rm', 'true']).status === 0;
  const hiding = (target: string, over: string) => ['unshare', '-rm', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"', over, target];

  it.skipIf(!unshare)('no libunicorn-dev: names it and the command', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = penlab(['run', mpidr], { env: { XDG_CACHE_HOME: join(dir, 'cache-nodev') }, wrap: hiding('/usr/include/unicorn', empty) });
    expect(r.status).toBe(3);
    expect(oneLine(r)).toBe("penlab: cannot build penlab's native stepper: Debian's libunicorn-dev is missing (unicorn/unicorn.h, libunicorn.so); install it: apt-get install libunicorn-dev gcc");
  });

  it.skipIf(!unshare)('no usable libunicorn.so.2: names libunicorn2 and the command', () => {
    const lib = spawnSync('sh', ['-c', 'readlink -f "$(ldconfig -p | awk \'/libunicorn\\.so\\.2 /{print $NF; exit}\')"'], { encoding: 'utf8' }).stdout.trim();
    expect(lib).toMatch(/libunicorn\.so/);
    const r = penlab(['run', mpidr], { wrap: hiding(lib, '/dev/null') });
    expect(r.status).toBe(3);
    expect(oneLine(r)).toMatch(/^penlab: cannot load libunicorn\.so\.2 \(.*\): install Debian's libunicorn2: apt-get install libunicorn2$/);
  });
});
