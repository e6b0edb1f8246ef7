/**
 * Reads a trace file back into records, streaming (one line at a time, never
 * the whole file). gzip is recognised by its magic bytes, whatever the name;
 * the format by the header line. Anything that is not a complete penlab
 * trace — missing, empty, garbage, truncated (no `end` line, or a record
 * count that differs from it), or text and JSON Lines mixed — is an
 * InputError naming the file and the line.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { JSONL_HEADER, ParseError, type Parsed, parseJsonl, parseText, TEXT_HEADER, type TraceFormat } from './formats.js';
import type { TraceRecord } from './record.js';

export interface ReadRecord {
  record: TraceRecord;
  line: number;
}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function open(path: string): Readable {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${path}: not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (size === 0) throw new InputError(`${path}: empty file, not a penlab trace`);
  const raw = createReadStream(path);
  return into(isGzip(path) ? into(raw, createGunzip()) : raw, lineBound(path));
}

/** `from` piped into `to`, its errors too (pipe alone would leave them unhandled) */
function into<T extends NodeJS.WritableStream & Readable>(from: Readable, to: T): T {
  from.on('error', (e) => to.destroy(e));
  return from.pipe(to);
}

/** a trace line is at most a few hundred bytes: longer than this is not a trace, and readline would build it whole */
const MAX_LINE = 1 << 20;

/** passes bytes through, failing at a line longer than MAX_LINE (a gzip bomb of one line must not take the process down) */
function lineBound(path: string): Transform {
  let since = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let from = 0;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
        if (since + i - from > MAX_LINE) break;
        since = 0;
        from = i + 1;
      }
      since += chunk.length - from;
      if (since > MAX_LINE) done(new InputError(`${path}: a line longer than ${MAX_LINE} bytes: not a penlab trace`));
      else done(null, chunk);
    },
  });
}

/** Every record of a trace file, in file order, with its line number. */
export async function* readTrace(path: string): AsyncGenerator<ReadRecord, TraceFormat> {
  const input = open(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let format: TraceFormat | undefined;
  let n = 0;
  let records = 0;
  let end: number | undefined;
  const fail = (why: string): never => {
    input.destroy();
    throw new InputError(`${path}:${n}: ${why}`);
  };
  try {
    for await (const line of lines) {
      n++;
      if (format === undefined) {
        if (line === TEXT_HEADER) format = 'text';
        else if (line === JSONL_HEADER) format = 'jsonl';
        else fail('not a penlab trace (no "# penlab trace v1" or JSON Lines header)');
        continue;
      }
      if (end !== undefined) {
        if (line !== '') fail('text after the end line');
        continue;
      }
      const looksJson = line.startsWith('{');
      if (line !== '' && looksJson !== (format === 'jsonl')) {
        fail(`a ${looksJson ? 'JSON Lines' : 'text'} line in a ${format === 'jsonl' ? 'JSON Lines' : 'text'} trace (formats mixed)`);
      }
      let p: Parsed;
      try {
        p = format === 'text' ? parseText(line) : parseJsonl(line);
      } catch (e) {
        if (e instanceof ParseError) fail(e.message);
        throw e;
      }
      if ('record' in p) {
        records++;
        yield { record: p.record, line: n };
      } else if ('end' in p) {
        if (p.end !== records) fail(`end line says ${p.end} records, the file has ${records} (truncated or edited)`);
        end = p.end;
      } else if ('header' in p) {
        fail('a second header (two traces concatenated?)');
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}:${n}: cannot read (${code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' ? 'corrupt or truncated gzip' : code ?? String(e)})`);
  }
  if (format === undefined) throw new InputError(`${path}: empty file, not a penlab trace`);
  if (end === undefined) throw new InputError(`${path}:${n}: truncated (no end line)`);
  return format;
}
