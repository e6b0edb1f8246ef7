/**
 * The layering docs/architecture.md states: firmware ELF → machine →
 * scheduler → checks → reports, drivers and front ends on top. A module may
 * import only from its own layer or below; this reads every import in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const SRC = join(ROOT, 'src');
const LAYERS: [number, RegExp][] = [
  [0, /^(errors|format|disasm|cache|limits|input)\.ts$/],
  [1, /^elf\//],
  [2, /^machine\//],
  [3, /^scheduler\//],
  [4, /^checks\//],
  [5, /^(report|trace)\//],
  [6, /^(run|demo)\.ts$|^explore\//],
  [7, /^(cli|testing)\/|^index\.ts$/],
];

function layerOf(file: string): number {
  const hit = LAYERS.find(([, re]) => re.test(file));
  if (!hit) throw new Error(`${file}: in no layer (add it to test/layers.test.ts and docs/architecture.md)`);
  return hit[0];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.ts$/.test(n) ? [p] : [];
  });
}

describe('layers', () => {
  it('no module imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const path of walk(SRC)) {
      const file = relative(SRC, path);
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
        const target = relative(SRC, resolve(dirname(path), m[1]!)).replace(/\.js$/, '.ts');
        if (target.startsWith('..')) continue;
        if (layerOf(target) > layerOf(file)) upward.push(`${file} imports ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('catches an upward import (the check can fail)', () => {
    expect(layerOf('machine/turn.ts')).toBeLessThan(layerOf('report/result.ts'));
    expect(() => layerOf('nowhere/x.ts')).toThrow(/in no layer/);
  });
});
