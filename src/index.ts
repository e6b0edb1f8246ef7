/**
 * penlab's library API: what `penlab run` and `penlab explore` do, for test
 * suites and tools. Firmware ELF → machine → scheduler → checks → reports.
 */
export { runFirmware, prepareMachine, runOn, type RunOptions, type RunResult, type Outcome, type HazardReport } from './run.js';
export { explore, type ExploreOptions, type ExploreResult, type FailureReport, type Strategy } from './explore/explore.js';
export { demo } from './demo.js';
export { Machine } from './machine/machine.js';
export type { MachineEvent, MachineObserver, Hazard } from './machine/events.js';
export { vexpressA9, type Board } from './machine/board.js';
export { loadFirmware, FirmwareImage } from './elf/elf.js';
export { Schedule } from './scheduler/schedule.js';
export { parsePolicy, type Policy } from './scheduler/policies.js';
export { InputError, ReplayDivergence } from './errors.js';
export { formatRun, formatExplore, formatDemo } from './report/human.js';
export { penlabMatchers, type ClobberExpectation, type SafeExpectation } from './testing/matchers.js';
