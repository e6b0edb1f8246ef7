/** Bad input from the user: reported as one line, exit code 2, before any native call. */
export class InputError extends Error {
  readonly exitCode = 2;
}

/**
 * A replayed schedule does not fit the run (the firmware or options changed
 * since it was recorded). Not an InputError: exploration's shrinking tries
 * candidate schedules and must tell a divergence from any other bad input.
 * The CLI still reports it as bad input (one line, exit code 2).
 */
export class ReplayDivergence extends Error {
  readonly exitCode = 2;
}

/**
 * Something penlab needs from the machine is missing (a C compiler, a Debian
 * package, a writable cache). Reported as one line that names the package and
 * the command that installs it; exit code 3, like any other failure to run.
 */
export class SetupError extends Error {
  readonly exitCode = 3;
}
