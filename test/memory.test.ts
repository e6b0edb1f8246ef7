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
import { explore } from '../src/explore/explore.js';
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
});
