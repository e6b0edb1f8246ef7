/**
 * Where trace lines go, with bounded memory: lines are batched (about 1 MiB)
 * and written synchronously, because a run is one synchronous loop and an
 * asynchronous stream could not drain until it ended.
 *
 * A file is written under a temporary name and renamed when the run ends
 * (nothing half-written); a name ending in `.gz` is gzip-compressed, one
 * gzip member per batch (a multi-member gzip file: gzip, zcat and node:zlib
 * read it as one stream). Any other writable stream — stdout for `--trace -`
 * — is a `ByteSink` too.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { header, render, trailer, type TraceFormat } from './formats.js';
import { ByteBuffer, InsnEncoder, type InsnView } from './encode.js';
import type { TraceRecord } from './record.js';

export interface ByteSink {
  /** consumes the chunk before it returns: the writer reuses its buffer */
  write(chunk: Uint8Array): void;
  /** everything written: make it visible (rename into place) */
  finish(): void;
  /** the run failed: leave nothing behind */
  abort(): void;
}

/**
 * A file descriptor the caller owns (stdout): written to, never closed. A
 * non-blocking pipe may refuse a write for now (EAGAIN: try again); a reader
 * that went away (EPIPE, `| head`) ends the trace, not the run.
 */
export class FdSink implements ByteSink {
  private closed = false;
  constructor(private readonly fd: number) {}
  write(chunk: Uint8Array): void {
    for (let off = 0; off < chunk.length && !this.closed;) {
      try {
        off += writeSync(this.fd, chunk, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') this.closed = true;
        else if (code !== 'EAGAIN') throw e;
      }
    }
  }
  finish(): void {}
  abort(): void {}
}

export class FileSink implements ByteSink {
  private readonly fd: number;
  private readonly tmp: string;
  constructor(private readonly path: string, option = '--trace') {
    this.tmp = `${path}.partial`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new InputError(`${option} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  write(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off);
  }
  finish(): void {
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }
  abort(): void {
    try { closeSync(this.fd); } catch { /* already closed */ }
    rmSync(this.tmp, { force: true });
  }
}

/** gzip members of whole batches: deterministic (zlib writes no time or name into the header) */
export class GzipSink implements ByteSink {
  constructor(private readonly inner: ByteSink) {}
  write(chunk: Uint8Array): void {
    this.inner.write(gzipSync(chunk, { level: 6 }));
  }
  finish(): void {
    this.inner.finish();
  }
  abort(): void {
    this.inner.abort();
  }
}

const BATCH = 1 << 20;

/**
 * Records to lines of one format, in batches, into a sink; header first, `end` line last.
 * Instructions are encoded into the batch buffer in place (encode.ts); events, rare, are rendered.
 */
export class TraceWriter {
  private readonly out = new ByteBuffer(BATCH + (64 << 10));
  private insns: InsnEncoder;
  private records = 0;

  constructor(readonly format: TraceFormat, private readonly sink: ByteSink) {
    this.insns = new InsnEncoder(format, [], []);
    this.line(header(format));
  }

  /** the register and region names an `InsnView`'s indices stand for */
  names(regs: readonly string[], regions: readonly string[]): void {
    this.insns = new InsnEncoder(this.format, regs, regions);
  }

  private line(s: string): void {
    this.out.text(s);
    this.out.byte(10);
    this.batched();
  }

  private batched(): void {
    if (this.out.pos >= BATCH) this.sink.write(this.out.take());
  }

  record(r: TraceRecord): void {
    this.records++;
    this.line(render(this.format, r));
  }

  insn(r: InsnView): void {
    this.records++;
    this.insns.write(this.out, r);
    this.batched();
  }

  finish(): void {
    this.line(trailer(this.format, this.records));
    if (this.out.pos) this.sink.write(this.out.take());
    this.sink.finish();
  }

  abort(): void {
    this.out.take();
    this.sink.abort();
  }
}

/** the format a file name implies when none is given: .jsonl or .jsonl.gz is JSON Lines */
export function formatForPath(path: string): TraceFormat {
  return /\.jsonl(\.gz)?$/.test(path) ? 'jsonl' : 'text';
}

/** A writer to a file (`.gz`: compressed) or, for `-`, to stdout. */
export function openTrace(path: string, format: TraceFormat = formatForPath(path)): TraceWriter {
  if (path === '-') return new TraceWriter(format, new FdSink(1));
  const file = new FileSink(path);
  return new TraceWriter(format, path.endsWith('.gz') ? new GzipSink(file) : file);
}
