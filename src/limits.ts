/** Defaults the command line shows in --help and the drivers apply: one place, importable without loading the machine. */

/** step budget of one run; a run that spends it is a `timeout` */
export const DEFAULT_MAX_STEPS = 10_000_000;

/** seeds are 32-bit (the generators' state): a larger one would stand for the same run as a smaller one */
export const MAX_SEED = 0xffffffff;
