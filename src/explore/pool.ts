/**
 * Where runs execute: in this thread (one session) or on worker threads (one
 * session each). Results come back in the order the specs went in.
 */
import { Worker } from 'node:worker_threads';
import type { RunOptions } from '../run.js';
import type { LearnedPath } from '../scheduler/trie.js';
import { ExploreSession, type Learned, type RunRecord, type RunSpec, type SessionInfo } from './session.js';

/** compiled (dist/): the worker's JavaScript; from source (tsx, vitest): a loader that registers tsx first */
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker.js', import.meta.url);

/**
 * A worker's young generation, in MB. A worker's live heap is about 12 MiB;
 * V8's default young generation (and the old generation its promotions then
 * grew) let each worker's heap commit 45-75 MiB, which was most of what two
 * jobs cost over one. At 16 a worker's heap commits about 30 MiB, with no
 * measurable change in CPU time per schedule (docs/exploration.md).
 */
const WORKER_YOUNG_GENERATION_MB = 16;

export interface Executor {
  readonly info: SessionInfo;
  run(specs: RunSpec[]): Promise<RunRecord[]>;
  /** schedules run in earlier batches (random/pct avoid them), told to every session before the next batch */
  learn(paths: LearnedPath[]): void;
  close(): Promise<void>;
}

export class LocalExecutor implements Executor {
  readonly info: SessionInfo;
  constructor(readonly session: ExploreSession) {
    this.info = session.info;
  }
  async run(specs: RunSpec[]): Promise<RunRecord[]> {
    return specs.map((s) => this.session.run(s));
  }
  learn(paths: LearnedPath[]): void {
    this.session.learn(paths);
  }
  async close(): Promise<void> {}
}

type Reply = { type: 'ready'; info: SessionInfo } | { type: 'done'; id: number; record: RunRecord } | { type: 'error'; id: number; message: string };

export class WorkerPool implements Executor {
  private constructor(private readonly workers: Worker[], readonly info: SessionInfo) {}

  static async start(path: string, options: RunOptions, jobs: number, learned: Learned): Promise<WorkerPool> {
    const workers: Worker[] = [];
    const infos = await Promise.all(Array.from({ length: jobs }, () => new Promise<SessionInfo>((resolve, reject) => {
      const w = new Worker(WORKER, { workerData: { path, options, learned }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      workers.push(w);
      const onMessage = (m: Reply) => {
        if (m.type === 'ready') { w.off('message', onMessage); resolve(m.info); }
        if (m.type === 'error') reject(new Error(m.message));
      };
      w.on('message', onMessage);
      w.once('error', reject);
    })));
    return new WorkerPool(workers, infos[0]!);
  }

  run(specs: RunSpec[]): Promise<RunRecord[]> {
    const results = new Array<RunRecord>(specs.length);
    let next = 0;
    let finished = 0;
    return new Promise((resolve, reject) => {
      if (specs.length === 0) { resolve(results); return; }
      const feed = (w: Worker) => {
        if (next >= specs.length) return;
        const id = next++;
        const onMessage = (m: Reply) => {
          if (m.type === 'ready' || m.id !== id) return;
          w.off('message', onMessage);
          if (m.type === 'error') { reject(new Error(m.message)); return; }
          results[id] = m.record;
          if (++finished === specs.length) resolve(results);
          else feed(w);
        };
        w.on('message', onMessage);
        w.postMessage({ type: 'run', id, spec: specs[id] });
      };
      for (const w of this.workers) feed(w);
    });
  }

  learn(paths: LearnedPath[]): void {
    // a worker handles its messages in order: it knows these before its next run
    if (paths.length) for (const w of this.workers) w.postMessage({ type: 'learn', paths });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
