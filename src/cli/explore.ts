import type { Command } from 'commander';

export function registerExplore(_program: Command): void {}
