/**
 * How often random runs meet a machine state an earlier run already met:
 * the ceiling on what caching work *across* runs (a state graph instead of
 * re-running from reset) could save. At every branching decision of RUNS
 * random runs it hashes the machine three ways and counts distinct hashes:
 *
 * - architectural: the RAM bytes a run changed and each core's r0-r15, CPSR;
 * - without counters: that, plus everything a snapshot holds (device,
 *   scheduler, waiting and detector state) except the instruction counters
 *   (steps, per-core retired, the clock built on them);
 * - whole: everything a machine snapshot holds (what a cache must match to
 *   hand back exactly the run that re-running would give).
 *
 * Then what a perfect cache of (state, choice) -> next state would leave
 * to run, where in a run the last quarter's new states were met, and the
 * distinct values per snapshot field, to show which state keeps runs apart. Figures only; nothing here is used by exploration.
 *   npx tsx scripts/bench-states.ts [ELF] [RUNS]
 */
import { createHash } from 'node:crypto';
import { serialize } from 'node:v8';
import { disposeSnapshot } from '../src/machine/machine.js';
import { ExploreSession } from '../src/explore/session.js';
import { optionOf, RandomVisible } from '../src/scheduler/policies/random-visible.js';
import { isContended, type Policy, type SchedulerView } from '../src/scheduler/policy.js';
import { runOn } from '../src/run.js';

const elf = process.argv[2] ?? new URL('../firmware/build/kexec-notify-ack.elf', import.meta.url).pathname;
const runs = Number(process.argv[3] ?? 100);
const session = new ExploreSession(elf, {});
const machine = session.machine;
const COUNTERS = new Set(['steps', 'retired', 'clock']);

const sha = (...parts: (string | Uint8Array)[]) => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const seen = { architectural: new Set<string>(), 'without counters': new Set<string>(), whole: new Set<string>() };
const perField = new Map<string, Set<string>>();
let branching = 0;

/** in the last quarter of the runs: new whole states, by the step they were met at (thousands) */
const lateNew = new Map<number, number>();
let late = false;

function note(step: number): string {
  const snap = machine.snapshot();
  try {
    const pages = [...snap.ram.pages].sort((a, b) => a[0] - b[0]).flatMap(([g, bytes]) => [String(g), bytes]);
    const regs = machine.cores.map((c) => [...Array.from({ length: 16 }, (_, i) => c.reg(i)), c.cpsr].join(',')).join(';');
    const fields = machine.stateFields;
    const state = snap.state.map((v) => sha(serialize(v)));
    const held = snap.held.map((v) => sha(serialize(v)));
    const tally = (field: string, h: string) => perField.set(field, (perField.get(field) ?? new Set()).add(h));
    state.forEach((h, i) => tally(fields[i]!, h));
    held.forEach((h, i) => tally(`detector ${i}`, h));
    const arch = sha(...pages, regs);
    seen.architectural.add(arch);
    seen['without counters'].add(sha(arch, ...state.filter((_, i) => !COUNTERS.has(fields[i]!)), ...held));
    const size = seen.whole.size;
    const whole = sha(arch, `${snap.ram.epoch},${snap.ram.seenEpoch}`, ...[...snap.ram.readers].flatMap(([g, r]) => [String(g), r]), ...state, ...held);
    seen.whole.add(whole);
    const thousand = Math.floor(step / 1000);
    if (late && seen.whole.size > size) lateNew.set(thousand, (lateNew.get(thousand) ?? 0) + 1);
    return whole;
  } finally {
    disposeSnapshot(snap);
  }
}

/**
 * What a perfect cache of (whole state, choice) -> next branching state would
 * leave to run: the steps of the stretches that start at a state and choice
 * no earlier run took (the stretch before the first branching decision is
 * the same in every run). Counted over the last quarter of the runs.
 */
const edges = new Set<string>();
let open: { key: string; from: number } | undefined = { key: 'reset', from: 0 };
let lateSteps = 0;
let lateUncached = 0;
function close(step: number): void {
  if (!open) return;
  if (late) lateSteps += step - open.from;
  if (!edges.has(open.key)) {
    edges.add(open.key);
    if (late) lateUncached += step - open.from;
  }
  open = undefined;
}

/** the exploration's random walk, noting the machine at each branching decision */
function noting(inner: RandomVisible): Policy {
  return {
    spec: inner.spec,
    untilVisible: inner.untilVisible,
    next(v: SchedulerView) {
      if (!isContended(v) && session.oracle.offers(v).length === 0) return inner.next(v);
      branching++;
      close(v.step);
      const state = note(v.step);
      const d = inner.next(v);
      open = { key: `${state} ${optionOf(d)}`, from: v.step };
      return d;
    },
  };
}

const counts = () => Object.entries(seen).map(([k, s]) => `${k} ${s.size}`).join(', ');
const sizes = () => Object.fromEntries(Object.entries(seen).map(([k, s]) => [k, s.size]));
let before = sizes();
for (let i = 1; i <= runs; i++) {
  late = i > runs - Math.floor(runs / 4);
  open = { key: 'reset', from: 0 };
  runOn(machine, noting(new RandomVisible(i, session.oracle)), session.options);
  close(machine.steps);
  if (i % Math.max(1, Math.floor(runs / 4)) === 0 || i === runs) {
    const quarter = Object.entries(seen).map(([k, s]) => `${k} +${s.size - before[k]!}`).join(', ');
    console.log(`after ${i} runs, ${branching} branching decisions: distinct states ${counts()} (new since last line: ${quarter})`);
    before = sizes();
  }
}
console.log(`new whole states in the last quarter of the runs, by the step they were met at: ${[...lateNew].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k * 1000}-${k * 1000 + 999}: ${n}`).join(', ')}`);
console.log(`steps a perfect cache of (state, choice) would leave to run, last quarter: ${lateUncached} of ${lateSteps} (${(100 * lateUncached / lateSteps).toFixed(1)}%)`);
console.log(`distinct values per snapshot field: ${[...perField].filter(([, s]) => s.size > 1).map(([k, s]) => `${k} ${s.size}`).join(', ')}`);
session.dispose();
