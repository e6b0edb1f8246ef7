/** Option parsing and output shared by the commands. */
import { InvalidArgumentError } from 'commander';

export function parseInteger(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${v}'`);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}, got '${v}'`);
    return n;
  };
}

export function parseRange(v: string, prev: [number, number][] = []): [number, number][] {
  const m = /^(0x[0-9a-f]+|\d+):(0x[0-9a-f]+|\d+)$/i.exec(v);
  const n = (s: string) => (s.toLowerCase().startsWith('0x') ? parseInt(s, 16) : Number(s));
  if (!m || n(m[1]!) >= n(m[2]!) || n(m[2]!) > 0x100000000) {
    throw new InvalidArgumentError(`expected START:END with START < END (e.g. 0x48000000:0x48010000), got '${v}'`);
  }
  return [...prev, [n(m[1]!), n(m[2]!)]];
}

export function parseSeconds(name: string) {
  return (v: string): number => {
    const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number of seconds, got '${v}'`);
    return n;
  };
}

/** the report: on stdout, or on stderr when stdout carries something else (`--trace -`) */
export function emit(json: boolean, value: unknown, human: () => string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

