/** Reading input files the user names: regular files only, size-capped, refusals in one line. */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from './errors.js';

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

/** an fs.Stats's kind, for refusals */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'an unknown kind of file';
}

/** How an input file's refusals read. */
export interface InputWording {
  /** what a refusal of the file's kind says it must be (default `expected WHAT`) */
  mustBe?: string;
  /** the size limit as a refusal names it (default `LIMIT byte limit for WHAT`) */
  limitText?: string;
  /** an empty file is read (its format's parser says why it is wrong) instead of refused */
  allowEmpty?: boolean;
}

/**
 * Reads an input file that must be a regular file of at most `limit` bytes:
 * devices, FIFOs and oversized files are refused from their stat, before a
 * byte is read, so /dev/zero or a 48 MB file costs no time and no memory.
 * `what` names the file's role in the one-line refusal.
 */
export function readRegularFile(path: string, what: string, limit: number, wording: InputWording = {}): Buffer {
  const refuse = (st: Stats) => {
    if (!st.isFile()) throw new InputError(`${path}: not a regular file (${fileKind(st)}): ${wording.mustBe ?? `expected ${what}`}`);
    if (st.size > limit) throw new InputError(`${path}: ${st.size} bytes is over the ${wording.limitText ?? `${limit} byte limit for ${what}`}`);
    if (st.size === 0 && !wording.allowEmpty) throw new InputError(`${path}: empty file: expected ${what}`);
  };
  let fd: number;
  try {
    refuse(statSync(path)); // before open: opening a FIFO would wait for a writer
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read ${what} (${errnoOf(e)})`);
  }
  try {
    const st = fstatSync(fd);
    refuse(st); // swapped since the stat
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read ${what} (${errnoOf(e)})`);
  } finally {
    closeSync(fd);
  }
}
