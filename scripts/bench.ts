/**
 * `npm run bench` (make bench): the figures BENCHMARKS.md records.
 *   1. lockstep steps/s: penlab rr, quantum 1, against a C program doing the
 *      same alternate single-stepping of two engines, in the same run (and
 *      against that program with Unicorn's exit list enabled, as penlab's stepper has it)
 *   2. steps/s of `run` on the SGI ping-pong and the kexec hand-over
 *   3. schedules/s of exploration for each kexec variant, one job and two;
 *      peak RSS over a long exploration (PENLAB_BENCH_MEMORY_RUNS, default
 *      20,000 schedules; 100,000 is the target's count), one job and two;
 *      dpor and exhaustive with machine-snapshot checkpoints off and on; the
 *      checks' JavaScript per event on a replayed event stream (scripts/bench-checks.ts)
 *   4. wall time of one run against QEMU on the same ELF (the checkout's CLI: src/ through tsx); per
 *      schedule of a 1000-schedule CLI exploration of kexec-notify-ack against one QEMU run (20 runs),
 *      from the checkout here and as installed (one job and two) in section 6
 *   5. a 10 M-instruction trace (bench-loop, gzip): time and peak RSS of the
 *      writer, and of `trace diff` of it against itself, each in a child
 *      process (scripts/bench-trace.ts) so the figure is the trace's alone
 *   6. start-up of the CLI as installed (dist/ on plain node): `penlab --version`
 *      against a bare `node -e 0`, and one `penlab run` of sgi-pingpong, wall;
 *      save→verdict of `penlab watch` on an edited pen (scripts/bench-watch.ts)
 *   7. bounds: lockstep through never-written RAM, the decision log of 10^8
 *      lockstep decisions, a rejected 48 MB replay file
 * Figures vary from machine to machine: compare within one run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFirmware } from '../src/elf/elf.js';
import { explore } from '../src/explore/explore.js';
import { vexpressA9 } from '../src/machine/board.js';
import { RoundRobin } from '../src/scheduler/policies.js';
import { DecisionLog } from '../src/scheduler/decision-log.js';
import { prepareMachine, runOn } from '../src/run.js';
import { ROOT } from '../src/demo.js';

const fw = (name: string) => join(ROOT, 'firmware', 'build', `${name}.elf`);
const tmp = mkdtempSync(join(tmpdir(), 'penlab-bench-'));
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1));
const rows: [string, string][] = [];
const say = (what: string, figure: string) => {
  rows.push([what, figure]);
  console.log(`${what.padEnd(64)} ${figure}`);
};

function timeIt<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`);

// 1. lockstep against C
const STEPS = 2_000_000;
const image = loadFirmware(fw('bench-loop'), vexpressA9());
const dram = new Uint8Array(1 << 20);
for (const s of image.segments) if (s.address >= 0x60000000) dram.set(s.data, s.address - 0x60000000);
writeFileSync(join(tmp, 'dram.bin'), dram);
const stepper = join(tmp, 'bench-stepper');
execFileSync('cc', ['-O2', '-o', stepper, join(ROOT, 'scripts', 'bench-stepper.c'), '-lunicorn']);
// each rate is the median of three runs of each program: one run of either varies by 5% or more
const median3 = (f: () => number): number => [f(), f(), f()].sort((a, b) => a - b)[1]!;
const cRate = (...extra: string[]) => median3(() => Number(execFileSync(stepper, [join(tmp, 'dram.bin'), String(image.entry), String(STEPS), ...extra], { encoding: 'utf8' }).trim()));
const c = cRate();
say('C: two engines, uc_emu_start(count 1) + read PC, steps/s', fmt(c));
const cExits = cRate('exits');
say('C: the same with Unicorn exits enabled, as penlab does, steps/s', fmt(cExits));
for (const [label, checks] of [['penlab rr quantum 1, no checks', false], ['penlab rr quantum 1, clobber + stale-code checks', true]] as const) {
  const m = prepareMachine(image, { noChecks: !checks });
  const rate = median3(() => STEPS / timeIt(() => runOn(m, new RoundRobin(1), { maxSteps: STEPS }))[1]);
  const target = checks ? '' : `; target 0.7: ${rate / c >= 0.7 ? 'met' : 'not met'}`;
  say(`${label}, steps/s`, `${fmt(rate)} (${(rate / c).toFixed(2)} of C${target}; ${(rate / cExits).toFixed(2)} of C with exits)`);
  const [, q] = timeIt(() => runOn(m, new RoundRobin(100), { maxSteps: STEPS * 10 }));
  say(`${label.replace('quantum 1', 'quantum 100')}, steps/s`, fmt((STEPS * 10) / q));
  m.dispose();
}

// 2. real firmware
for (const name of ['sgi-pingpong', 'kexec-notify-ack']) {
  const img = loadFirmware(fw(name), vexpressA9());
  const m = prepareMachine(img, {});
  runOn(m, new RoundRobin(1));
  const n = 50;
  const [runs, secs] = timeIt(() => Array.from({ length: n }, () => runOn(m, new RoundRobin(1)).result.steps));
  say(`run ${name} (rr, checks on, engines reused): steps/s`, `${fmt(runs.reduce((a, b) => a + b, 0) / secs)} (${(secs / n * 1000).toFixed(2)} ms per run)`);
  m.dispose();
}

// 3. exploration
for (const v of ['none', 'notify', 'notify-ack', 'cpu-kill']) {
  for (const jobs of [1, 2]) {
    const runs = 1000;
    const [r, secs] = await (async () => {
      const t0 = performance.now();
      const res = await explore(fw(`kexec-${v}`), { strategy: 'pct', runs, jobs, out: join(tmp, `${v}-${jobs}`), shrink: false });
      return [res, (performance.now() - t0) / 1000] as const;
    })();
    const runsMade = r.schedules + r.duplicates;
    say(`explore kexec-${v} pct, ${jobs} job${jobs > 1 ? 's' : ''}: runs/s`, `${fmt(runsMade / secs)} (${r.schedules} distinct of ${runsMade} runs in ${secs.toFixed(1)} s${r.stopped ? '; stopped: no new schedule' : ''})`);
  }
}

// 3b. the relaxed memory model's cost (docs/memory-model.md; target: at most 3x sc)
{
  const secs: Record<string, number> = {};
  for (const memory of ['sc', 'relaxed'] as const) {
    for (const strategy of ['pct', 'exhaustive', 'dpor'] as const) {
      const t0 = performance.now();
      const r = await explore(fw('kexec-notify-ack'), { strategy, runs: 1000, out: join(tmp, `mem-${memory}-${strategy}`), shrink: false, run: { memory } });
      secs[`${memory} ${strategy}`] = (performance.now() - t0) / 1000;
      const done = strategy === 'dpor' ? `, complete ${r.complete}` : '';
      say(`explore kexec-notify-ack ${strategy} --memory ${memory} (1 job, at most 1000 schedules)`, `${r.schedules} schedules in ${secs[`${memory} ${strategy}`]!.toFixed(1)} s${done}`);
    }
  }
  for (const strategy of ['pct', 'exhaustive', 'dpor']) say(`relaxed / sc time, ${strategy}`, `${(secs[`relaxed ${strategy}`]! / secs[`sc ${strategy}`]!).toFixed(2)}x`);
}

// 3c. dpor: the verdict with complete:true, and the schedules it needed (wall time of the library call: probe, search, shrink)
for (const v of ['notify-ack', 'cpu-kill', 'notify', 'none']) {
  const t0 = performance.now();
  const r = await explore(fw(`kexec-${v}`), { strategy: 'dpor', out: join(tmp, `dpor-${v}`) });
  const secs = (performance.now() - t0) / 1000;
  const found = r.failures.map((f) => f.outcome).join(', ') || 'no failure';
  say(`explore kexec-${v} dpor: wall time to a complete verdict`, `${secs.toFixed(2)} s (${r.schedules} schedules, complete ${r.complete}, ${found})`);
}
for (const name of ['lost-wakeup', 'release-order', 'busy-wait', 'deadlock']) {
  const t0 = performance.now();
  const r = await explore(fw(name), { strategy: 'dpor', out: join(tmp, `dpor-${name}`) });
  const secs = (performance.now() - t0) / 1000;
  say(`explore ${name} dpor: wall time to a complete verdict`, `${secs.toFixed(2)} s (${r.schedules} schedules, complete ${r.complete}, ${r.failures.map((f) => f.outcome).join(', ') || 'no failure'})`);
}

// 3d. memory over a long exploration (scripts/bench-memory.ts, a process each): peak RSS against the
// targets (1 job: 300 MB; 2 jobs: twice the 1-job peak), the quarters' peaks (flat: the last no higher
// than the second), and the growth from the second quarter's peak to the last, extrapolated to 100,000
{
  const runs = Number(process.env.PENLAB_BENCH_MEMORY_RUNS ?? 20_000);
  /** how far apart two quarters' peaks of one run land with nothing growing (engines reopen at different moments) */
  const NOISE_MIB = 8;
  let single = 0;
  for (const jobs of [1, 2]) {
    const m = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-memory.ts'), fw('kexec-notify-ack'), String(runs), String(jobs)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 })) as
      { schedules: number; secs: number; maxRssKiB: number; quarterPeaksMiB: number[] };
    const [, q2 = 0, , q4 = 0] = m.quarterPeaksMiB;
    const perSchedule = Math.max(0, q4 - q2) / (runs / 2);
    const at100k = q4 + perSchedule * Math.max(0, 100_000 - runs);
    const peak = m.maxRssKiB / 1024;
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    // the target is in MB (10^6 bytes), the figures in MiB
    const target = jobs === 1
      ? `target <= 300 MB (${(300e6 / 1048576).toFixed(0)} MiB): ${met(peak * 1048576 <= 300e6)}`
      : `${(peak / single).toFixed(2)}x the 1-job peak, target <= 2x: ${met(peak <= 2 * single)}`;
    if (jobs === 1) single = peak;
    say(`explore kexec-notify-ack random, ${m.schedules} schedules, ${jobs} job${jobs > 1 ? 's' : ''}: peak RSS; quarter peaks; at 100,000; runs/s`,
      `${peak.toFixed(0)} MiB (${target}); ${m.quarterPeaksMiB.join('/')} MiB (${q4 <= q2 + NOISE_MIB ? 'flat' : `+${(q4 - q2).toFixed(0)} MiB from the 2nd to the 4th`}); ${runs >= 100_000 ? 'measured' : `${at100k.toFixed(0)} MiB extrapolated from quarters 2-4`}; ${(m.schedules / m.secs).toFixed(0)} runs/s (${m.secs.toFixed(0)} s)`);
  }
}

// 3e. machine snapshots: the searches' schedules per CPU second with checkpoints off (every run from reset) and on,
// each after a warm-up search on its own session (the first search of a session pays for its engines' translations)
{
  const { ExploreSession } = await import('../src/explore/session.js');
  const { LocalExecutor } = await import('../src/explore/pool.js');
  const { dpor, freshDpor } = await import('../src/explore/dpor.js');
  const { exhaustive } = await import('../src/explore/exhaustive.js');
  const { freshState } = await import('../src/explore/state.js');
  for (const strategy of ['dpor', 'exhaustive'] as const) {
    const rate: Record<string, number[]> = {};
    const sessions = [0, 4000].map((checkpointSteps) => new ExploreSession(fw('kexec-notify-ack'), { checkpointSteps }));
    const search = async (s: (typeof sessions)[number]) => {
      let n = 0;
      const tally = () => { n++; return true; };
      const exec = new LocalExecutor(s);
      const cpu0 = process.cpuUsage();
      if (strategy === 'dpor') await dpor(exec, freshDpor(), { cap: 100_000, cores: 2, tally, schedules: () => n, save: () => {} });
      else await exhaustive(exec, freshState('bench', ''), { bound: 2, cap: 3000, shard: 0, shards: 1, tally, save: () => {} });
      const cpu = process.cpuUsage(cpu0);
      return n / ((cpu.user + cpu.system) / 1e6);
    };
    for (const s of sessions) await search(s);
    for (let rep = 0; rep < 3; rep++) for (const s of sessions) (rate[String(s.checkpoints ? 'on' : 'off')] ??= []).push(await search(s));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const [off, on] = [median(rate.off!), median(rate.on!)];
    say(`explore kexec-notify-ack ${strategy}: schedules per CPU s, from reset / checkpoints`, `${off.toFixed(0)} / ${on.toFixed(0)} (${(on / off).toFixed(2)}x)`);
    for (const s of sessions) s.dispose();
  }
}

// 3f. the checks' JavaScript alone: kexec-notify-ack's event stream replayed into the detectors and the
// early-wake oracle, engines not running (scripts/bench-checks.ts, a process of its own)
{
  const f = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-checks.ts'), '--json'], { cwd: ROOT, encoding: 'utf8' })) as
    { nsPerEvent: number; msPerRun: number; eventsPerRun: number };
  say('checks (clobber, stale-code, early wake) on a replayed kexec-notify-ack stream', `${f.nsPerEvent.toFixed(1)} ns per event, ${f.msPerRun.toFixed(3)} ms per run (${f.eventsPerRun.toFixed(0)} events)`);
}

// 4. against QEMU
for (const name of ['sgi-pingpong', 'gic-regs']) {
  const t0 = performance.now();
  const q = spawnSync(join(ROOT, 'firmware', 'qemu-run.sh'), [fw(name)], { encoding: 'latin1', timeout: 60_000 });
  const qemu = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const p = spawnSync(process.execPath, [join(ROOT, 'bin', 'penlab.js'), 'run', fw(name)], { encoding: 'utf8' });
  const penlab = (performance.now() - t1) / 1000;
  say(`wall time of one run of ${name}: penlab CLI (checkout, tsx) vs qemu-system-arm`, `${penlab.toFixed(2)} s vs ${qemu.toFixed(2)} s${q.status === 0 && p.status === 0 ? '' : ' (a run failed)'}`);
}

// 4b. the issue's exploration target: per schedule of kexec-notify-ack, the CLI end to end over 1000
// schedules (random) against one QEMU run of the same ELF (the mean of 20); as installed too (section 6)
const targetElf = fw('kexec-notify-ack');
let qemuRun = 0;
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  spawnSync(join(ROOT, 'firmware', 'qemu-run.sh'), [targetElf], { encoding: 'latin1', timeout: 60_000 });
  qemuRun += (performance.now() - t0) / 20;
}
/** `penlab explore` as a user runs it: wall time, exit status and the JSON it printed (if any) */
function cliExplore(penlabBin: string, elf: string, args: string[], out: string) {
  const t1 = performance.now();
  const p = spawnSync(process.execPath, [penlabBin, 'explore', elf, ...args, '--out', join(tmp, out), '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t1;
  const json = p.stdout ? JSON.parse(p.stdout) as { schedules: number; complete: boolean; failures: { outcome: string }[] } : undefined;
  return { ms, status: p.status, json };
}
function cliExploration(where: string, penlabBin: string, ...extra: string[]): void {
  const p = cliExplore(penlabBin, targetElf, ['--strategy', 'random', '--runs', '1000', ...extra], `cli-1000-${where}${extra.join('')}`);
  const schedules = p.status === 0 ? p.json!.schedules : 0;
  const per = schedules ? p.ms / schedules : Infinity;
  const ratio = qemuRun / per;
  say(`explore kexec-notify-ack, CLI (${where}${extra.length ? `, ${extra.join(' ')}` : ''}) end to end, 1000 random schedules: per schedule vs one QEMU run`, `${per.toFixed(2)} ms vs ${qemuRun.toFixed(1)} ms: ${ratio.toFixed(0)}x (target 300x: ${ratio >= 300 ? 'met' : 'not met'})${p.status === 0 ? '' : ` (exit ${p.status})`}`);
}
cliExploration('checkout, tsx', join(ROOT, 'bin', 'penlab.js'));

// 5. traces with bounded memory
{
  const big = join(tmp, 'big.trace.gz');
  const child = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-trace.ts'), ...args], { cwd: ROOT, encoding: 'utf8' })) as { secs: number; bytes: number; maxRssMiB: number };
  const w = child(fw('bench-loop'), big, String(10_000_000));
  // the target is peak RSS <= 200 MB (10^6 bytes), with Node's default heap settings
  const target = (mib: number) => `${(mib * 1.048576).toFixed(0)} MB, target <= 200 MB: ${mib * 1.048576 <= 200 ? 'met' : 'MISSED'}`;
  say('trace of 10 M instructions (text, gzip): time, peak RSS, size', `${w.secs.toFixed(1)} s, ${w.maxRssMiB.toFixed(0)} MiB (${target(w.maxRssMiB)}), ${(w.bytes / 1e6).toFixed(1)} MB`);
  const d = child('', big, '', big);
  say('trace diff of that trace against itself: time, peak RSS', `${d.secs.toFixed(1)} s, ${d.maxRssMiB.toFixed(0)} MiB (${target(d.maxRssMiB)})`);
}

// 6. start-up as installed: the package's bin beside dist/ and no src/, as in node_modules/penlab
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
const installed = join(tmp, 'installed');
mkdirSync(join(installed, 'bin'), { recursive: true });
copyFileSync(join(ROOT, 'bin', 'penlab.js'), join(installed, 'bin', 'penlab.js'));
symlinkSync(join(ROOT, 'dist'), join(installed, 'dist'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function wall(args: string[], n = 15): number {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    ms.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  }
  return median(ms);
}
const bin = join(installed, 'bin', 'penlab.js');
wall([bin, 'run', fw('sgi-pingpong')], 1); // the native stepper in the cache first
const bare = wall(['-e', '0']);
const version = wall([bin, '--version']);
say('start-up, median of 15: node -e 0 / penlab --version (installed)', `${bare.toFixed(0)} ms / ${version.toFixed(0)} ms (+${(version - bare).toFixed(0)} ms; target +150 ms)`);
say('wall time of penlab run sgi-pingpong.elf (installed), median of 15', `${wall([bin, 'run', fw('sgi-pingpong')]).toFixed(0)} ms (target 300 ms)`);
cliExploration('installed', bin);
cliExploration('installed', bin, '--jobs', '2');
// the issue's title, whole explorations in QEMU runs: DPOR to a complete verdict, installed, end to end
for (const v of ['notify-ack', 'notify']) {
  const { ms, status, json: r } = cliExplore(bin, fw(`kexec-${v}`), ['--strategy', 'dpor'], `cli-dpor-${v}`);
  const verdict = r ? `${r.schedules} schedules, complete ${r.complete}, ${r.failures.map((f) => f.outcome).join(', ') || 'no failure'}` : `exit ${status}`;
  say(`explore kexec-${v} --strategy dpor, CLI (installed) end to end to a complete verdict, in QEMU runs`, `${ms.toFixed(0)} ms (${verdict}): ${(ms / qemuRun).toFixed(1)} QEMU runs of ${qemuRun.toFixed(1)} ms`);
}

// 6b. edit→verdict: penlab watch over a saved pen (scripts/bench-watch.ts), from a checkout and as installed
for (const [where, penlabBin] of [['checkout, tsx', join(ROOT, 'bin', 'penlab.js')], ['installed', bin]] as const) {
  const rowsW = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-watch.ts'), penlabBin, '--json'], { cwd: ROOT, encoding: 'utf8' })) as [string, number][];
  for (const [label, ms] of rowsW) say(`save → verdict (${where}): penlab watch pen.S -- ${label}, median of 7`, `${ms.toFixed(0)} ms (target 2000 ms)`);
}

// 7. bounds
{
  const zero = loadFirmware(fw('zero-run'), vexpressA9());
  const m = prepareMachine(zero, {});
  const steps = 1_000_000;
  const rss0 = process.memoryUsage().rss;
  const [, secs] = timeIt(() => runOn(m, new RoundRobin(1), { maxSteps: steps }));
  const grew = (process.memoryUsage().rss - rss0) / steps;
  say('rr quantum 1 through never-written RAM (zero-run), checks on: steps/s', `${fmt(steps / secs)} (RSS grew ${grew.toFixed(1)} bytes/step)`);
  m.dispose();
  const log = new DecisionLog();
  const [, lsecs] = timeIt(() => { for (let i = 0; i < 5e7; i++) { log.run(0, 1); log.run(1, 1); } });
  say('decision log of 10^8 lockstep rr decisions: schedule text, time', `${log.toSchedule('np').toString().length} chars, ${lsecs.toFixed(1)} s`);
  const huge = join(tmp, 'huge.schedule');
  closeSync(openSync(huge, 'w'));
  truncateSync(huge, 48_000_000);
  const t0 = performance.now();
  const p = spawnSync(process.execPath, [join(ROOT, 'bin', 'penlab.js'), 'run', fw('bench-loop'), '--schedule', `replay:${huge}`], { encoding: 'utf8' });
  say('a 48 MB replay file refused (CLI wall time, exit status)', `${((performance.now() - t0) / 1000).toFixed(2)} s, ${p.status}`);
}

writeFileSync(join(tmp, 'bench.json'), JSON.stringify(rows, null, 2));
