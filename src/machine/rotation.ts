/**
 * Turns in rotation (docs/architecture.md): round-robin turns that the
 * stepper runs back to back in one native call (native/rotate.c), applied
 * here afterwards exactly as the turn runner would have applied each one
 * after its own native run — the `switch` events the scheduler would have
 * sent, the log delivered to the observers, steps, PCs, polls and state
 * hashes. The turn that ended the rotation (it stopped for something) is
 * finished by the turn runner's ordinary code. A device callback in the
 * middle of a rotation first catches the machine up with the turns before
 * it, so devices and observers see the same steps, clock and PCs.
 */
import type { Machine } from './machine.js';
import { Rot, RunFlag } from './native.js';
import type { InRun, TurnRunner } from './turn.js';

export class Rotation {
  /** a rotation is in progress (device callbacks come from its turns) */
  active = false;
  /** the turns applied so far, the turn a device callback began, the last core begun */
  private rotated = 0;
  private rotatedRun = -1;
  private rotationLast: number | undefined;

  constructor(private readonly m: Machine, private readonly turns: TurnRunner) {}

  /**
   * Turns of `quantum` steps over the cores in `ready` (a bit per id) after
   * `last`, at most `maxSteps` steps; each is handed to `onTurn` with its
   * steps, in order. Returns how many the stepper ran.
   */
  run(ready: number, last: number | undefined, quantum: number, maxSteps: number, onTurn: (core: number, steps: number) => void): number {
    const m = this.m;
    const rot = m.bus.native.rotation;
    for (let id = 0; id < m.cores.length; id++) {
      rot.ticks[id] = this.turns.hashTick[id]!;
      rot.epochs[id] = m.waiting.hashEpoch(id);
    }
    this.rotated = 0;
    this.rotatedRun = -1;
    this.rotationLast = last;
    this.active = true;
    let n: number;
    try {
      n = m.bus.native.rotate(ready, last ?? 8, quantum, maxSteps, this.turns.logFlags());
    } finally {
      this.active = false;
      this.turns.inRun = undefined;
    }
    for (let id = 0; id < m.cores.length; id++) this.turns.hashTick[id] = rot.ticks[id]!;
    this.applyRotated(n);
    const records = rot.records;
    for (let i = 0; i < n; i++) {
      const at = i * Rot.Words;
      const word = records[at + Rot.Core]!;
      const id = word & 0xff;
      if (i < this.rotated) {
        onTurn(id, records[at + Rot.Retired]!);
        continue;
      }
      // the turn that stopped for something, unless the run ended before it began (then it is never reported)
      if (!(word & Rot.Last) || (m.ended && this.rotatedRun !== i)) break;
      if (this.rotatedRun !== i) this.beginRotated(id, records[at + Rot.LogStart]!);
      onTurn(id, this.turns.run(id, quantum, false, undefined, word & Rot.Hashed ? RunFlag.Hash : 0));
    }
    return n;
  }

  /** a turn of the rotation begins for the event stream: the switch the scheduler would have announced, its log from `logStart` */
  private beginRotated(id: number, logStart: number): InRun {
    const m = this.m;
    if (this.rotationLast !== undefined && id !== this.rotationLast && m.events.wantsEvents) {
      m.emit({ kind: 'switch', step: m.steps, from: this.rotationLast, to: id });
    }
    this.rotationLast = id;
    return this.turns.resetRun(id, logStart);
  }

  /** A device is called in the middle of a rotation: the machine catches up with the turns before this one. */
  catchUp(): void {
    const rot = this.m.bus.native.rotation;
    const finished = rot.running[2]!;
    this.applyRotated(finished);
    const id = rot.running[0]!;
    if (id === Rot.None) return;
    if (this.rotatedRun !== finished) {
      this.rotatedRun = finished;
      this.turns.inRun = this.beginRotated(id, rot.records[finished * Rot.Words + Rot.LogStart]!);
    }
  }

  /**
   * The rotation's turns before record `upTo` (not its last, which `run`
   * finishes), as `run` leaves a plain turn: its log delivered, steps, PC,
   * polls and state hash. Once the run has ended (a hazard) no further turn
   * is reported, and the stepper is told to start none.
   */
  private applyRotated(upTo: number): void {
    const m = this.m;
    const rot = m.bus.native.rotation;
    const records = rot.records;
    for (; this.rotated < upTo; this.rotated++) {
      const at = this.rotated * Rot.Words;
      const word = records[at + Rot.Core]!;
      if (word & Rot.Last) return;
      const begun = this.rotatedRun === this.rotated;
      if (m.ended && !begun) {
        this.halt();
        return;
      }
      const id = word & 0xff;
      const run = begun ? this.turns.runOf(id) : this.beginRotated(id, records[at + Rot.LogStart]!);
      if (m.events.wantsFetch) this.turns.deliver(run, id, records[at + Rot.LogEnd]!);
      const core = m.cores[id]!;
      const retired = records[at + Rot.Retired]!;
      core.pc = records[at + Rot.Pc]!;
      core.cpsr = records[at + Rot.Cpsr]!;
      m.noteCutPc(id, core.pc);
      m.steps += retired;
      m.retired[id] = m.retired[id]! + retired;
      const hash = word & Rot.Hashed ? records[at + Rot.HashHi]! * 0x100000000 + records[at + Rot.HashLo]! : undefined;
      m.waiting.note(id, records[at + Rot.Wrote] === 1, undefined, hash, records[at + Rot.Epoch]!);
    }
  }

  /** a hazard ended the run: the stepper starts no further turn of this rotation */
  halt(): void {
    this.m.bus.native.rotation.running[3] = 1;
  }
}
