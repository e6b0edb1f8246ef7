/**
 * Policy specs, as `--schedule` and replay files' `then:` take them:
 *
 *   rr                    round robin, `quantum` steps per turn
 *   random:SEED           a random core per turn, `quantum` steps
 *   np                    non-preemptive
 *   pct:DEPTH:SEED[:K]    PCT over K contended decisions (default 200)
 *   replay:FILE           a schedule file's decisions, then its `then` policy
 *   random-visible:SEED[:I=C,...]
 *                         exploration's random walk (with early WFE wakes); decision I
 *                         took option C instead of the draw (it avoided schedules already run)
 *   choices:C1,C2,...     exploration's forced prefix, then np
 *   dpor:C1,C2,...[:sleep=OPT@OP;...]
 *                         a DPOR run: the forced prefix, then np avoiding the
 *                         sleep set (each option with its operation, policies/dpor.ts)
 *
 * Every policy's `spec` parses back here into a policy that decides the same way.
 */
import { InputError } from '../errors.js';
import type { Machine } from '../machine/machine.js';
import { earlyWakes } from './early-wake.js';
import type { Policy } from './policy.js';
import { ChoicePolicy } from './policies/choices.js';
import { decodeOperation, DporPolicy } from './policies/dpor.js';
import { machineOperations, type Operation } from './operations.js';
import { NonPreemptive } from './policies/non-preemptive.js';
import { PctPolicy } from './policies/pct.js';
import { RandomVisible } from './policies/random-visible.js';
import { RandomPolicy } from './policies/random.js';
import { ReplayPolicy } from './policies/replay.js';
import { RoundRobin } from './policies/round-robin.js';
import { Schedule } from './schedule.js';
import { MAX_SEED } from '../limits.js';

export interface PolicyOptions {
  quantum: number;
  cores: number;
  /** the machine the policy will run on: exploration policies watch it for early-wake offers */
  machine?: Machine;
}

export const POLICY_SPECS = 'rr, random:SEED, np, pct:DEPTH:SEED, replay:FILE';

export function parsePolicy(spec: string, o: PolicyOptions): Policy {
  const bad = (why: string) => new InputError(`--schedule ${spec}: ${why}`);
  const [kind, ...args] = spec.split(':');
  const int = (s: string | undefined, what: string) => {
    if (s === undefined || !/^\d+$/.test(s)) throw bad(`${what} must be a non-negative integer`);
    return Number(s);
  };
  const seed = (s: string | undefined) => {
    const n = int(s, 'SEED');
    if (n > MAX_SEED) throw bad(`SEED must be at most ${MAX_SEED}`);
    return n;
  };
  const oracle = () => {
    if (!o.machine) throw bad(`${kind} needs the machine it runs on`);
    return earlyWakes(o.machine);
  };
  switch (kind) {
    case 'rr':
      if (args.length) throw bad('rr takes no argument (use --quantum)');
      return new RoundRobin(o.quantum);
    case 'random':
      if (args.length !== 1) throw bad('expected random:SEED');
      return new RandomPolicy(seed(args[0]), o.quantum);
    case 'np':
      if (args.length) throw bad('np takes no argument');
      return new NonPreemptive();
    case 'pct': {
      if (args.length !== 2 && args.length !== 3) throw bad('expected pct:DEPTH:SEED or pct:DEPTH:SEED:K');
      const depth = int(args[0], 'DEPTH');
      if (depth < 1) throw bad('DEPTH must be at least 1');
      const k = args[2] === undefined ? undefined : int(args[2], 'K');
      if (k !== undefined && k < 1) throw bad('K must be at least 1');
      return new PctPolicy(depth, seed(args[1]), o.cores, k);
    }
    case 'replay': {
      const file = args.join(':');
      if (!file) throw bad('expected replay:FILE');
      const schedule = Schedule.load(file, o.cores);
      // a chain of files could name itself: what follows a replay is a policy, not another file
      if (schedule.then.startsWith('replay:')) throw new InputError(`${file}: then: ${schedule.then}: a replay file goes on with a policy (${POLICY_SPECS.replace(', replay:FILE', '')}), not another replay file`);
      return new ReplayPolicy(schedule, file, parsePolicy(schedule.then, o));
    }
    case 'random-visible': {
      if (args.length !== 1 && args.length !== 2) throw bad('expected random-visible:SEED or random-visible:SEED:I=C,...');
      const overrides = new Map<number, string>();
      for (const o of args[1] ? args[1].split(',') : []) {
        const m = /^(\d+)=(w?\d+|d\d+\.\d+)$/.exec(o);
        if (!m) throw bad(`'${o}' is not DECISION=OPTION`);
        overrides.set(Number(m[1]), m[2]!);
      }
      return new RandomVisible(seed(args[0]), oracle(), overrides);
    }
    case 'choices': {
      const list = args.join(':');
      const prefix = list === '' ? [] : list.split(',');
      for (const c of prefix) {
        const core = /^(?:w?(\d+)|d(\d+)\.\d+)$/.exec(c);
        if (!core || Number(core[1] ?? core[2]) >= o.cores) throw bad(`choice '${c}' is not a core (or wCORE, dCORE.STORE) of ${o.cores}`);
      }
      return new ChoicePolicy(prefix, oracle());
    }
    case 'dpor': {
      if (args.length > 2 || (args.length === 2 && !args[1]!.startsWith('sleep='))) throw bad('expected dpor:C1,C2,... or dpor:C1,C2,...:sleep=OPT@OP;...');
      const prefix = args[0] ? args[0].split(',') : [];
      for (const c of prefix) {
        const core = /^w?(\d+)$/.exec(c);
        if (!core || Number(core[1]) >= o.cores) throw bad(`choice '${c}' is not a core (or wCORE) of ${o.cores}`);
      }
      const carry: Record<string, Operation> = {};
      const sleep = args[1]?.slice('sleep='.length) ?? '';
      for (const entry of sleep ? sleep.split(';') : []) {
        const at = entry.indexOf('@');
        const op = at > 0 ? decodeOperation(entry.slice(at + 1)) : undefined;
        if (!op) throw bad(`sleep entry '${entry}' is not OPT@CORErOBJ.OBJwOBJ.OBJ[g]`);
        carry[entry.slice(0, at)] = op;
      }
      const oracleOf = oracle();
      return new DporPolicy(prefix, carry, oracleOf, machineOperations(o.machine!));
    }
    default:
      throw bad(`unknown policy (expected ${POLICY_SPECS})`);
  }
}
