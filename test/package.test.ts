/**
 * penlab as a stranger gets it: `npm pack`, the tarball installed into a
 * fresh project with `npm install --omit=dev` (its dependencies from the npm
 * registry), then, in that project: `npx penlab --version`, `penlab build`
 * and `penlab explore` of pens written there, a vitest file using the
 * matchers, and a strict NodeNext `tsc` over code importing the package.
 * Slow (npm installs): about a minute.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const vitestVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'vitest', 'package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'penlab-package-'));
const project = join(work, 'project');
// a cache of its own: the first run in the project builds the native stepper, as a new user's does
// and none of the npm_* variables of an enclosing `npm test`, which would point npm at this checkout
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  XDG_CACHE_HOME: join(work, 'cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false',
};

function sh(cmd: string, args: string[], cwd = project) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const HEADER = '\t.include "board.inc"\n\t.syntax\tunified\n\t.arm\n\t.text\n';

// core 1 waits for core 0's hello, answers; both through the library's post_word/wait_word
const CLEAN = `${HEADER}
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =hello
	bl	puts
	ldr	r0, =ready
	mov	r1, #1
	bl	post_word
	ldr	r0, =done
	mov	r1, #1
	bl	wait_word
	ldr	r0, =bye
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =ready
	mov	r1, #1
	bl	wait_word
	ldr	r0, =done
	mov	r1, #1
	bl	post_word
	b	park
	.ltorg

	.data
	.balign	4
ready:	.word	0
done:	.word	0
	.section .rodata
hello:	.asciz	"hello from a pen\\n"
bye:	.asciz	"core 1 answered\\n"
`;

// core 1 overwrites main's first instruction while core 0 waits inside main: a clobber
const CLOBBER = `${HEADER}
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =ready
	mov	r1, #1
	bl	post_word
	ldr	r0, =done
	mov	r1, #1
	bl	wait_word
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =ready
	mov	r1, #1
	bl	wait_word
	ldr	r0, =main
	ldr	r1, =0xe1a00000			@ mov r0, r0
	str	r1, [r0]
	ldr	r0, =done
	mov	r1, #1
	bl	post_word
	b	park
	.ltorg

	.data
	.balign	4
ready:	.word	0
done:	.word	0
`;

const VITEST_FILE = `import { expect, test } from 'vitest';
import { explore, runFirmware } from 'penlab';
import { penlabMatchers } from 'penlab/testing';

expect.extend(penlabMatchers);

test('the pen runs clean', async () => {
  expect(await runFirmware('pen.S')).toHaveNoHazards();
});

test('exploration finds the clobber', async () => {
  expect(await explore('clobber.S', { strategy: 'pct', runs: 20, out: 'out-vitest' })).toClobber({ victim: 0, writer: 1 });
});

test.fails('toClobber fails on the clean pen', async () => {
  expect(await runFirmware('pen.S')).toClobber();
});
`;

const LIBRARY_TS = `import { explore, runFirmware, type ExploreResult, type RunResult } from 'penlab';

export async function check(): Promise<[RunResult, ExploreResult]> {
  return [await runFirmware('pen.S', { cores: 2 }), await explore('pen.S', { runs: 2 })];
}
`;

const MATCHERS_TS = `import { expect } from 'vitest';
import { runFirmware } from 'penlab';
import { penlabMatchers, type ClobberExpectation } from 'penlab/testing';

expect.extend(penlabMatchers);
const want: ClobberExpectation = { victim: 1, writerSymbol: 'relocate' };
export const check = async () => expect(await runFirmware('pen.S')).not.toClobber(want);
`;

let vitestInstalled = false;
function installVitest(): void {
  if (vitestInstalled) return;
  const add = sh('npm', ['install', '--no-save', `vitest@${vitestVersion}`]);
  if (add.status !== 0) throw new Error(`npm install vitest failed: ${add.stderr}`);
  vitestInstalled = true;
}

describe('the packed package in a fresh project', { timeout: 300_000 }, () => {
  let tarball = '';

  beforeAll(() => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string }[];
    tarball = join(work, packed[0]!.filename);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-pens', private: true, type: 'module' }, null, 2));
    const install = sh('npm', ['install', '--omit=dev', tarball]);
    if (install.status !== 0) throw new Error(`npm install --omit=dev of the tarball failed: ${install.stderr}`);
    writeFileSync(join(project, 'pen.S'), CLEAN);
    writeFileSync(join(project, 'clobber.S'), CLOBBER);
  }, 300_000);

  it('ships compiled JavaScript, no TypeScript sources, and no dev dependencies', () => {
    const installed = join(project, 'node_modules', 'penlab');
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'src', 'cli', 'main.ts'))).toBe(false);
    for (const dev of ['tsx', 'typescript', 'vitest']) expect(existsSync(join(project, 'node_modules', dev))).toBe(false);
  });

  it('answers npx penlab --version with the package version', () => {
    const r = sh('npx', ['penlab', '--version']);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
  });

  it('builds a pen written in the project, and refuses a broken one in one line', () => {
    const r = sh('npx', ['penlab', 'build', 'pen.S', '--defsym', 'UNUSED=1', '-o', 'pen.elf']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(project, 'pen.elf')).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const run = sh('npx', ['penlab', 'run', 'pen.elf']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('hello from a pen');

    writeFileSync(join(project, 'broken.S'), `${HEADER}\t.global main\nmain:\tmovv r0, #0\n`);
    const bad = sh('npx', ['penlab', 'build', 'broken.S']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^penlab: broken\.S:6: Error: bad instruction `movv r0,#0'$/)]);
    expect(existsSync(join(project, 'broken.elf'))).toBe(false);
  });

  it('explores a .S pen directly: passes the clean one, finds and saves the clobber', () => {
    const clean = sh('npx', ['penlab', 'explore', 'pen.S', '--runs', '10', '--jobs', '2', '--json']);
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ schedules: 10, failures: [] });

    const found = sh('npx', ['penlab', 'explore', 'clobber.S', '--strategy', 'pct', '--runs', '10', '--jobs', '2', '--out', 'found', '--json']);
    expect(found.status).toBe(1);
    const j = JSON.parse(found.stdout) as { failures: { outcome: string; replay: string; hazard: { victim: { core: number; symbol: string } } }[] };
    expect(j.failures[0]).toMatchObject({ outcome: 'clobber', hazard: { victim: { core: 0 } } });
    expect(readdirSync(join(project, 'found')).some((f) => f.endsWith('.schedule'))).toBe(true);
  });

  it('type-checks a strict NodeNext consumer of the library without vitest, and of penlab/testing with it', () => {
    const tsc = () => sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
    const consumer = (file: string) => writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noUncheckedIndexedAccess: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: [] },
      files: [file],
    }));
    writeFileSync(join(project, 'library.ts'), LIBRARY_TS);
    writeFileSync(join(project, 'matchers.ts'), MATCHERS_TS);
    consumer('library.ts');
    const lib = tsc();
    expect(lib.stdout + lib.stderr).toBe('');
    expect(lib.status).toBe(0);
    // the check can fail: a wrong option type is reported
    writeFileSync(join(project, 'library.ts'), `${LIBRARY_TS}\nexport const wrong = runFirmware('pen.S', { cores: 'two' });\n`);
    expect(tsc().stdout).toMatch(/library\.ts.*error TS2322/);

    installVitest();
    consumer('matchers.ts');
    const m = tsc();
    expect(m.stdout + m.stderr).toBe('');
    expect(m.status).toBe(0);
  });

  it('runs a vitest file using the matchers (vitest installed in the project)', () => {
    installVitest();
    writeFileSync(join(project, 'pen.test.js'), VITEST_FILE);
    const r = sh('npx', ['vitest', 'run', '--reporter=json', '--outputFile=vitest.json']);
    expect(r.status).toBe(0);
    const tests = (JSON.parse(readFileSync(join(project, 'vitest.json'), 'utf8')) as { testResults: { assertionResults: { title: string; status: string }[] }[] })
      .testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.status]));
    expect(tests).toEqual([
      ['the pen runs clean', 'passed'],
      ['exploration finds the clobber', 'passed'],
      ['toClobber fails on the clean pen', 'passed'],
    ]);
  });
});
