/**
 * A job's trace as the coordinator will store it: masked bytes, capped at `output_limit`, with the offset
 * the coordinator has acknowledged so the next patch starts where the last one ended (and a 416 can move
 * that offset back or forward).
 */
import { crc32 } from "node:zlib";
import { MAX_TRACE_PATCH_BYTES } from "../protocol/index.js";
import type { TraceMasker } from "./trace-masker.js";

export interface TracePatch {
  readonly start: number;
  readonly bytes: Buffer;
}

export class TraceBuffer {
  /** Only bytes before `size` are ever read, so the storage need not be zeroed. */
  private data = Buffer.allocUnsafe(4 * 1024);
  private size = 0;
  private sent = 0;
  private truncated = false;
  private finished = false;
  private readonly listeners: ((chunk: Buffer) => void)[] = [];

  constructor(
    private readonly masker: TraceMasker,
    private readonly limitBytes: number,
  ) {}

  /** Called with every masked chunk as it is appended. */
  onAppend(listener: (chunk: Buffer) => void): void {
    this.listeners.push(listener);
  }

  write(chunk: Uint8Array | string): void {
    if (this.finished) return;
    this.append(this.masker.write(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk));
  }

  /** Releases what the masker held back; nothing more is written after this. */
  finish(): void {
    if (this.finished) return;
    this.append(this.masker.flush());
    this.finished = true;
  }

  get byteSize(): number {
    return this.size;
  }

  get sentOffset(): number {
    return this.sent;
  }

  /** The next patch to send, at most one patch's worth; undefined when all is acknowledged. */
  nextPatch(maxBytes: number = MAX_TRACE_PATCH_BYTES): TracePatch | undefined {
    if (this.sent >= this.size) return undefined;
    const end = Math.min(this.size, this.sent + maxBytes);
    return { start: this.sent, bytes: Buffer.from(this.data.subarray(this.sent, end)) };
  }

  /** The coordinator now holds everything before `end`. */
  acknowledge(end: number): void {
    this.sent = Math.max(0, Math.min(this.size, end));
  }

  /** GitLab's `output.checksum` of the whole trace. */
  checksum(): string {
    return `crc32:${crc32(this.data.subarray(0, this.size)).toString(16).padStart(8, "0")}`;
  }

  contents(): Buffer {
    return Buffer.from(this.data.subarray(0, this.size));
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0 || this.truncated) return;
    let piece = chunk;
    let notice: Buffer | undefined;
    if (this.size + piece.length > this.limitBytes) {
      piece = piece.subarray(0, Math.max(0, this.limitBytes - this.size));
      this.truncated = true;
      notice = Buffer.from(
        `\n\x1b[31;1mJob's log exceeded limit of ${this.limitBytes} bytes.\nJob execution will continue but no more output will be collected.\x1b[0;m\n`,
      );
    }
    for (const part of notice ? [piece, notice] : [piece]) {
      this.ensure(this.size + part.length);
      part.copy(this.data, this.size);
      this.size += part.length;
      for (const listener of this.listeners) listener(part);
    }
  }

  private ensure(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = Buffer.allocUnsafe(Math.max(capacity, this.data.length * 2));
    this.data.copy(next, 0, 0, this.size);
    this.data = next;
  }
}
