import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** the real CLI in `cwd`, with its peak resident memory (KiB) measured by test/rss-probe.mjs */
export function penlabMeasured(args: string[], o: { cwd?: string; timeout?: number } = {}): { status: number; stdout: string; stderr: string; maxRssKiB: number } {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'penlab-rss-')), 'rss');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'test', 'rss-probe.mjs')).href, join(ROOT, 'bin', 'penlab.js'), ...args], {
    cwd: o.cwd ?? ROOT, encoding: 'utf8', timeout: o.timeout ?? 120_000, env: { ...process.env, PENLAB_RSS_FILE: rssFile },
    maxBuffer: 64 << 20,
  });
  const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, maxRssKiB: rss };
}
