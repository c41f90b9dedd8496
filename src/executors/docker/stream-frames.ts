/**
 * The Docker API's multiplexed stream (attach and logs without a TTY): frames of an 8-byte header
 * (stream type, 3 zero bytes, big-endian payload length) followed by the payload. Frames arrive split
 * across and joined within network chunks; this parser keeps the partial frame between chunks.
 */
export type StreamKind = "stdin" | "stdout" | "stderr";

export interface StreamFrame {
  readonly stream: StreamKind;
  readonly data: Buffer;
}

const KINDS: readonly StreamKind[] = ["stdin", "stdout", "stderr"];
const HEADER = 8;

export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds one network chunk and returns the complete frames it finishes. */
  push(chunk: Buffer): StreamFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: StreamFrame[] = [];
    let at = 0;
    while (this.pending.length - at >= HEADER) {
      const kind = KINDS[this.pending[at] ?? 9];
      const size = this.pending.readUInt32BE(at + 4);
      if (kind === undefined) {
        // Not a multiplexed stream (a TTY container): everything is raw output.
        frames.push({ stream: "stdout", data: this.pending.subarray(at) });
        at = this.pending.length;
        break;
      }
      if (this.pending.length - at - HEADER < size) break;
      frames.push({ stream: kind, data: this.pending.subarray(at + HEADER, at + HEADER + size) });
      at += HEADER + size;
    }
    this.pending = at === 0 ? this.pending : Buffer.from(this.pending.subarray(at));
    return frames;
  }

  /** Bytes of an unfinished frame left when the stream ended. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Builds one frame; for tests and fakes of the engine. */
export function encodeFrame(stream: StreamKind, data: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = KINDS.indexOf(stream);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}
