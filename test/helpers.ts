import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFirmware, type RunOptions, type RunResult } from '../src/run.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** path of a built firmware program (firmware/build/NAME.elf) */
export function fw(name: string): string {
  return join(ROOT, 'firmware', 'build', `${name}.elf`);
}

export function run(name: string, o: RunOptions = {}): Promise<RunResult> {
  return runFirmware(fw(name), o);
}

/** the real CLI, as a user runs it */
export function penlab(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'penlab.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
