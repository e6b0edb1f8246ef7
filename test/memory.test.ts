/**
 * Memory stays flat however many schedules run: Unicorn 2.0.1 never reclaims
 * the translation buffer of removed blocks, and the kexec firmware retranslates
 * the copied kernel in every run, so engines are reopened past a budget.
 * (Figures belong to the benchmark; this only checks a generous ceiling.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { explore } from '../src/explore/explore.js';
import { DecisionHashes } from '../src/explore/seen.js';
import { fw, ROOT } from './helpers.js';

describe('bounded memory over long explorations', () => {
  it('3000 schedules of kexec-notify-ack stay under 300 MB peak RSS', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'long-explore.ts'), fw('kexec-notify-ack'), '3000'],
      { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { schedules: number; outcomes: Record<string, number>; maxRssKb: number };
    expect(out.schedules).toBe(3000);
    expect(out.outcomes).toEqual({ pass: 3000 });
    expect(out.maxRssKb / 1024).toBeLessThan(300);
  }, 600_000);

  it('6000 schedules on 2 worker threads: every one counted, under 2 x 300 MB', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'long-explore.ts'), fw('kexec-notify-ack'), '6000', '2'],
      { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { schedules: number; distinct: number; outcomes: Record<string, number>; maxRssKb: number };
    expect(out.schedules).toBe(6000);
    expect(out.distinct).toBe(6000);
    expect(out.outcomes).toEqual({ pass: 6000 });
    expect(out.maxRssKb / 1024).toBeLessThan(600);
  }, 600_000);

  it('reopening engines changes no result', async () => {
    const go = (engineBlockBudget?: number) => explore(fw('kexec-notify'), {
      strategy: 'pct', runs: 60, seed: 3, out: mkdtempSync(join(tmpdir(), 'penlab-reopen-')), run: { engineBlockBudget },
    });
    const normal = await go();
    const churned = await go(200); // reopens at nearly every reset
    const strip = (r: Awaited<ReturnType<typeof go>>) => ({ ...r, failures: r.failures.map((f) => ({ ...f, replay: '', command: f.command.replace(f.replay, '') })) });
    expect(strip(churned)).toEqual(strip(normal));
    expect(normal.outcomes.clobber).toBeGreaterThan(0);
  });

  it('keeps 100,000 decision hashes in about 2 MiB outside the JS heap, each counted once', () => {
    const hash = (i: number) => createHash('sha1').update(String(i)).digest('hex').slice(0, 16);
    const set = new DecisionHashes();
    for (let i = 0; i < 100_000; i++) expect(set.add(hash(i))).toBe(true);
    expect(set.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 7) expect(set.add(hash(i))).toBe(false);
    expect(set.size).toBe(100_000);
    expect(set.has(hash(99_999))).toBe(true);
    expect(set.has(hash(100_000))).toBe(false);
    // all 64 bits count: a hash one digit off either word is another hash
    const h = hash(5);
    expect(set.has(`${h.slice(0, 7)}${h[7] === '0' ? '1' : '0'}${h.slice(8)}`)).toBe(false);
    expect(set.has(`${h.slice(0, 15)}${h[15] === '0' ? '1' : '0'}`)).toBe(false);
    expect(set.bytes).toBeLessThanOrEqual(32 * 100_000);
    const text = set.toHex();
    expect(text.slice(0, 32)).toBe(hash(0) + hash(1));
    expect(DecisionHashes.from(text).toHex()).toBe(text);
    expect(DecisionHashes.from(text.match(/.{16}/g)!).toHex()).toBe(text);
    expect(() => set.add('not-a-hash')).toThrow(/decision hash "not-a-hash": expected 16 hex digits/);
  });
});
