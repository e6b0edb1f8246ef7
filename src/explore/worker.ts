/** An exploration worker: one session (its own engines), runs specs on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { initDisassembler } from '../disasm.js';
import type { LearnedPath } from '../scheduler/trie.js';
import { ExploreSession, type Learned, type RunSpec } from './session.js';

const port = parentPort!;
const { path, options, learned } = workerData as { path: string; options: ConstructorParameters<typeof ExploreSession>[1]; learned: Learned };
try {
  await initDisassembler();
  const session = new ExploreSession(path, options, learned);
  port.on('message', (m: { type: 'run'; id: number; spec: RunSpec } | { type: 'learn'; paths: LearnedPath[] }) => {
    if (m.type === 'learn') {
      session.learn(m.paths);
      return;
    }
    try {
      port.postMessage({ type: 'done', id: m.id, record: session.run(m.spec) });
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ type: 'ready', info: session.info });
} catch (e) {
  port.postMessage({ type: 'error', id: -1, message: e instanceof Error ? e.message : String(e) });
}
