#!/usr/bin/env node
// The installed package runs the compiled CLI (dist/) on plain node. A
// checkout has src/ and runs it through tsx (a devDependency), so editing the
// TypeScript never needs a build step; `npm run build` makes dist/ for a pack.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
