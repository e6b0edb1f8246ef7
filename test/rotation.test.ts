/**
 * Round-robin turns run back to back in C (rotate.c) give exactly the run
 * that one native call per turn gives: the same result, schedule, retired
 * counts and registers, on every firmware here — devices, timers, power,
 * sleep, exceptions, livelock and deadlock verdicts included.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFirmware } from '../src/elf/elf.js';
import { vexpressA9 } from '../src/machine/board.js';
import { NativeBus } from '../src/machine/native.js';
import { prepareMachine, runOn } from '../src/run.js';
import { RoundRobin } from '../src/scheduler/policies.js';
import { ROOT } from './helpers.js';

const BUILD = join(ROOT, 'firmware', 'build');
const ELFS = readdirSync(BUILD).filter((f) => f.endsWith('.elf')).sort();

/** rotations made and turns they ran, counted around the real native call */
const counted = { rotations: 0, turns: 0 };
const realRotate = NativeBus.prototype.rotate;
NativeBus.prototype.rotate = function (this: NativeBus, ...args: Parameters<typeof realRotate>) {
  const n = realRotate.apply(this, args);
  counted.rotations++;
  counted.turns += n;
  return n;
};
afterEach(() => {
  counted.rotations = counted.turns = 0;
});

function runOnce(elf: string, quantum: number, rotations: boolean, noChecks = true): string {
  const image = loadFirmware(join(BUILD, elf), vexpressA9());
  const m = prepareMachine(image, { noChecks, rotations });
  try {
    const { result, schedule } = runOn(m, new RoundRobin(quantum), { maxSteps: 200_000 });
    const regs = m.cores.map((c) => Array.from({ length: 16 }, (_, i) => c.reg(i)));
    return JSON.stringify({ result, schedule: schedule().toString(), retired: m.retired, regs, cpsr: m.cores.map((c) => c.cpsr) });
  } finally {
    m.dispose();
  }
}

describe('turns in rotation', () => {
  it('are used by rr with nothing watching, and take many turns per native call', () => {
    runOnce('bench-loop.elf', 1, true);
    expect(counted.rotations).toBeGreaterThan(0);
    expect(counted.turns / counted.rotations).toBeGreaterThan(100);
  });

  it('are not used where checks watch every instruction, nor when turned off', () => {
    runOnce('bench-loop.elf', 1, true, false);
    runOnce('bench-loop.elf', 1, false);
    expect(counted.rotations).toBe(0);
  });

  for (const quantum of [1, 3]) {
    it(`change nothing at quantum ${quantum}, on every firmware (${ELFS.length})`, () => {
      let rotated = 0;
      for (const elf of ELFS) {
        const plain = runOnce(elf, quantum, false);
        counted.rotations = 0;
        const fast = runOnce(elf, quantum, true);
        if (counted.rotations) rotated++;
        expect(fast, elf).toBe(plain);
      }
      // the comparison means something: most firmwares did rotate
      expect(rotated).toBeGreaterThan(ELFS.length / 2);
    }, 120_000);
  }
});
