/**
 * The checks' JavaScript alone: the event stream of kexec-notify-ack under
 * 40 random schedules (fetches, RAM reads and writes, events), recorded once,
 * then replayed into a machine's detectors and early-wake oracle without
 * running the engines. Prints ns per event and ms per run, the best of 35
 * passes (the engines' share and the machine's load stay out of the figure).
 * `npx tsx scripts/bench-checks.ts [--json]`; `npm run bench` runs it as 3f.
 */
import { join } from 'node:path';
import { loadFirmware } from '../src/elf/elf.js';
import { vexpressA9 } from '../src/machine/board.js';
import type { MachineEvent } from '../src/machine/events.js';
import { prepareMachine, runFirmware } from '../src/run.js';
import { earlyWakes } from '../src/scheduler/early-wake.js';
import { ROOT } from '../src/demo.js';

const elf = join(ROOT, 'firmware', 'build', 'kexec-notify-ack.elf');
const RUNS = 40;
const PASSES = 40;
const WARM = 5;
const FETCH = 0, READ = 1, WRITE = 2, EVENT = 3;

/** one run's events: six numbers each (kind, core, step, address, size, value), objects aside */
const logs: { nums: Float64Array; objects: MachineEvent[] }[] = [];
for (let seed = 1; seed <= RUNS; seed++) {
  const nums: number[] = [];
  const objects: MachineEvent[] = [];
  await runFirmware(elf, {
    schedule: `random:${seed}`,
    observers: [{
      fetch: (core, step, pc, size, word) => { nums.push(FETCH, core, step, pc, size, word); },
      read: (core, step, address, size, value) => { nums.push(READ, core, step, address, size, value); },
      write: (core, step, address, size, value) => { nums.push(WRITE, core, step, address, size, value); },
      event: (e) => { nums.push(EVENT, objects.length, 0, 0, 0, 0); objects.push(e); },
    }],
  });
  logs.push({ nums: Float64Array.from(nums), objects });
}

const m = prepareMachine(loadFirmware(elf, vexpressA9()), {});
earlyWakes(m);
const ev = m.events;
let events = 0;
for (const { nums } of logs) events += nums.length / 6;
let best = Infinity;
for (let pass = 0; pass < PASSES; pass++) {
  let ns = 0;
  for (const { nums, objects } of logs) {
    m.reset();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < nums.length; i += 6) {
      const kind = nums[i]!;
      if (kind === FETCH) ev.fetch(nums[i + 1]!, nums[i + 2]!, nums[i + 3]!, nums[i + 4]!, nums[i + 5]!);
      else if (kind === READ) ev.read(nums[i + 1]!, nums[i + 2]!, nums[i + 3]!, nums[i + 4]!, nums[i + 5]!);
      else if (kind === WRITE) ev.write(nums[i + 1]!, nums[i + 2]!, nums[i + 3]!, nums[i + 4]!, nums[i + 5]!);
      else ev.emit(objects[nums[i + 1]!]!);
    }
    ns += Number(process.hrtime.bigint() - t0);
  }
  if (pass >= WARM) best = Math.min(best, ns);
}
const hazards = m.hazards.length;
m.dispose();
const figures = { nsPerEvent: best / events, msPerRun: best / 1e6 / RUNS, eventsPerRun: events / RUNS, hazards };
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else console.log(`checks replayed: ${figures.nsPerEvent.toFixed(1)} ns per event, ${figures.msPerRun.toFixed(3)} ms per run (${figures.eventsPerRun.toFixed(0)} events per run, best of ${PASSES - WARM} passes)`);
