/** Every scheduling policy, from one place (each lives in policies/, the interface in policy.ts). */
export * from './policy.js';
export { RoundRobin } from './policies/round-robin.js';
export { RandomPolicy } from './policies/random.js';
export { NonPreemptive } from './policies/non-preemptive.js';
export { PctPolicy, DEFAULT_PCT_POINTS } from './policies/pct.js';
export { ReplayPolicy } from './policies/replay.js';
export { RandomVisible } from './policies/random-visible.js';
export { ChoicePolicy, type ChoicePoint } from './policies/choices.js';
export { SwitchRecorder } from './policies/recorder.js';
export { earlyWakes, EarlyWakeOracle } from './early-wake.js';
export { parsePolicy, type PolicyOptions, POLICY_SPECS } from './parse.js';
