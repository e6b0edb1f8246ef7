/**
 * Round-robin turns run back to back in C (rotate.c) give exactly the run
 * that one native call per turn gives: the same result, schedule, retired
 * counts and registers, and the same event stream to every observer, on
 * every firmware here — devices, timers, power, sleep, exceptions, hazards,
 * livelock and deadlock verdicts included.
 */
import { createHash } from 'node:crypto';
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

type Watch = 'nothing' | 'checks' | 'everything';

/** every event an observer can get, in order, hashed (with the detectors on) */
function everything() {
  const h = createHash('sha256');
  const put = (...xs: unknown[]) => h.update(`${xs.join(',')};`);
  return {
    digest: () => h.digest('hex'),
    observer: {
      fetch: (...a: number[]) => put('f', ...a),
      read: (...a: number[]) => put('r', ...a),
      write: (...a: number[]) => put('w', ...a),
      register: (...a: number[]) => put('g', ...a),
      device: (core: number, address: number, write: boolean) => put('d', core, address, write),
      event: (e: object) => put('e', JSON.stringify(e)),
    },
  };
}

function runOnce(elf: string, quantum: number, rotations: boolean, watch: Watch = 'nothing'): string {
  const image = loadFirmware(join(BUILD, elf), vexpressA9());
  const stream = watch === 'everything' ? everything() : undefined;
  const m = prepareMachine(image, { noChecks: watch === 'nothing', rotations, observers: stream ? [stream.observer] : [] });
  try {
    const { result, schedule } = runOn(m, new RoundRobin(quantum), { maxSteps: 100_000 });
    const regs = m.cores.map((c) => Array.from({ length: 16 }, (_, i) => c.reg(i)));
    const reported = m.cores.map((c) => [c.pc, c.cpsr]);
    // a run a hazard ended stops reporting at it: the engines may have gone a little further
    const engines = result.outcome === 'pass' || result.outcome === 'exit-failure' || !result.hazards?.length ? regs : 'cut';
    return JSON.stringify({ result, schedule: schedule().toString(), retired: m.retired, reported, engines, events: stream?.digest() });
  } finally {
    m.dispose();
  }
}

describe('turns in rotation', () => {
  it('are used by rr, with or without observers, and take many turns per native call', () => {
    runOnce('bench-loop.elf', 1, true);
    expect(counted.rotations).toBeGreaterThan(0);
    expect(counted.turns / counted.rotations).toBeGreaterThan(100);
    counted.rotations = 0;
    runOnce('bench-loop.elf', 1, true, 'checks');
    expect(counted.rotations).toBeGreaterThan(0);
  });

  it('are not used when turned off', () => {
    runOnce('bench-loop.elf', 1, false);
    runOnce('bench-loop.elf', 1, false, 'everything');
    expect(counted.rotations).toBe(0);
  });

  const cases: [number, Watch][] = [[1, 'nothing'], [3, 'nothing'], [1, 'checks'], [1, 'everything'], [5, 'everything']];
  for (const [quantum, watch] of cases) {
    it(`change nothing at quantum ${quantum} watched by ${watch}, on every firmware (${ELFS.length})`, () => {
      let rotated = 0;
      for (const elf of ELFS) {
        const plain = runOnce(elf, quantum, false, watch);
        counted.rotations = 0;
        const fast = runOnce(elf, quantum, true, watch);
        if (counted.rotations) rotated++;
        expect(fast, elf).toBe(plain);
      }
      // the comparison means something: most firmwares did rotate
      expect(rotated).toBeGreaterThan(ELFS.length / 2);
    }, 300_000);
  }
});
