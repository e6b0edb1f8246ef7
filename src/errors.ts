/** Bad input from the user: reported as one line, exit code 2, before any native call. */
export class InputError extends Error {
  readonly exitCode = 2;
}
