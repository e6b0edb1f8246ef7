#!/usr/bin/env node
// penlab's TypeScript runs directly through tsx: no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
