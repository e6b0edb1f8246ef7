import type { Command } from 'commander';
export function registerTrace(_program: Command): void {}
