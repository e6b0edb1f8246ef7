/**
 * The interfaces between parts that are easy to let drift: the C stepper's
 * numbers against native.ts, and every policy spec against the parser.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFirmware } from '../src/elf/elf.js';
import { explore } from '../src/explore/explore.js';
import { vexpressA9 } from '../src/machine/board.js';
import { checkLayout, expectedLayout, Out } from '../src/machine/native.js';
import { prepareMachine, runOn } from '../src/run.js';
import { parsePolicy } from '../src/scheduler/parse.js';
import { fw, run } from './helpers.js';

describe('the C/TypeScript stepper interface', () => {
  it('the built library matches native.ts (a run works at all only then)', async () => {
    const r = await run('mpidr');
    expect(r.outcome).toBe('pass');
  });

  it('refuses a library from another ABI version, or one whose numbers moved', () => {
    const want = expectedLayout();
    const serve = (v: number[]) => (dst: Uint32Array) => { dst.set(v); return v.length; };
    expect(() => checkLayout('lib.so', serve(want))).not.toThrow();
    expect(() => checkLayout('lib.so', serve([1, ...want.slice(1)]))).toThrow(/lib\.so speaks stepper ABI 1, this penlab needs 15/);
    const moved = [...want];
    moved[1 + Out.SeenWrites] = 42;
    expect(() => checkLayout('lib.so', serve(moved))).toThrow(/differs from native\.ts at entry 19/);
    expect(() => checkLayout('lib.so', serve(want.slice(0, -1)))).toThrow(/differs/);
  });
});

describe('every policy spec parses back into a policy that decides the same way', () => {
  const specs = ['rr', 'random:7', 'np', 'pct:2:5', 'pct:3:9:40', 'random-visible:11', 'random-visible:11:3=1,5=0', 'choices:1,0,1', 'dpor:', 'dpor:1,0,1', 'dpor:0,1:sleep=0@0r4096w8192.16385g;w1@1rw2097169'];
  for (const spec of specs) {
    it(spec, () => {
      const board = vexpressA9();
      const image = loadFirmware(fw('lost-wakeup'), board);
      const machine = prepareMachine(image, {});
      try {
        const o = { quantum: 1, cores: 2, machine };
        const first = parsePolicy(spec, o);
        expect(first.spec).toBe(spec);
        const again = parsePolicy(first.spec, o);
        const a = runOn(machine, first, { maxSteps: 200_000 });
        const b = runOn(machine, again, { maxSteps: 200_000 });
        expect(b.result).toEqual(a.result);
        expect(b.schedule().toString()).toBe(a.schedule().toString());
      } finally {
        machine.dispose();
      }
    });
  }

  it('refuses malformed specs with the option named', () => {
    const o = { quantum: 1, cores: 2 };
    expect(() => parsePolicy('np:3', o)).toThrow(/--schedule np:3: np takes no argument/);
    expect(() => parsePolicy('pct:2:5:0', o)).toThrow(/K must be at least 1/);
    expect(() => parsePolicy('choices:0,7', o)).toThrow(/choice '7' is not a core/);
    expect(() => parsePolicy('random-visible:3', o)).toThrow(/needs the machine/);
    expect(() => parsePolicy('random-visible:3:x=1', o)).toThrow(/'x=1' is not DECISION=OPTION/);
    expect(() => parsePolicy('dpor:0,9', o)).toThrow(/choice '9' is not a core/);
    expect(() => parsePolicy('dpor:0:sleep=1@x', o)).toThrow(/sleep entry '1@x'/);
    expect(() => parsePolicy('dpor:0:wake', o)).toThrow(/expected dpor:/);
  });
});

describe('resume compares every option that changes results', () => {
  const out = () => mkdtempSync(join(tmpdir(), 'penlab-resume-'));
  for (const [what, run] of [['cores', { cores: 3 }], ['noChecks', { noChecks: true }], ['dramSize', { dramSize: 0x200000 }], ['maxSteps', { maxSteps: 99_999 }]] as const) {
    it(`refuses to resume with another ${what}`, async () => {
      const dir = out();
      await explore(fw('lost-wakeup'), { strategy: 'random', runs: 5, out: dir });
      await expect(explore(fw('lost-wakeup'), { strategy: 'random', runs: 5, out: dir, resume: true, run })).rejects.toThrow(/other exploration options/);
    });
  }

  it('resumes when only result-neutral options differ (jobs), and counts defaults as given', async () => {
    const dir = out();
    const first = await explore(fw('lost-wakeup'), { strategy: 'random', runs: 10, out: dir });
    const again = await explore(fw('lost-wakeup'), { strategy: 'random', runs: 10, seed: 1, out: dir, resume: true, jobs: 2, run: { maxSteps: 10_000_000 } });
    expect(again.schedules).toBe(first.schedules);
  });

  it('refuses a truncated state file with one line', async () => {
    const dir = out();
    await explore(fw('lost-wakeup'), { strategy: 'random', runs: 5, out: dir });
    const { readFileSync, writeFileSync } = await import('node:fs');
    const path = join(dir, 'explore-state.json');
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 40));
    await expect(explore(fw('lost-wakeup'), { strategy: 'random', runs: 5, out: dir, resume: true })).rejects.toThrow(/explore-state\.json: not a readable exploration state \(truncated or not JSON\)/);
  });
});
