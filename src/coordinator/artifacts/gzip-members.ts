/**
 * The members of a concatenated gzip stream, each decompressed on its own. GitLab's `gzip` report
 * format packs one file per member, and reads dotenv reports member by member: a file without a
 * final newline must not run into the next one, as it would when the stream is inflated whole.
 */
import { inflateRawSync } from "node:zlib";
import { RunfleetError } from "../../errors/index.js";

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const TRAILER_BYTES = 8;

export function gzipMembers(data: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const members: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const body = bodyStart(buf, offset);
    let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      inflated = inflateRawSync(buf.subarray(body), { info: true }) as unknown as typeof inflated;
    } catch (cause) {
      throw malformed(`member at byte ${offset} does not inflate`, cause);
    }
    members.push(inflated.buffer);
    offset = body + inflated.engine.bytesWritten + TRAILER_BYTES;
  }
  return members;
}

/** Where a member's deflate data starts, past its header and the optional fields its flags announce. */
function bodyStart(buf: Buffer, offset: number): number {
  if (buf[offset] !== 0x1f || buf[offset + 1] !== 0x8b || buf[offset + 2] !== 8) {
    throw malformed(`no gzip member at byte ${offset}`);
  }
  const flags = buf[offset + 3] ?? 0;
  let p = offset + 10;
  if (flags & FEXTRA) p += 2 + buf.readUInt16LE(p);
  if (flags & FNAME) p = buf.indexOf(0, p) + 1;
  if (flags & FCOMMENT) p = buf.indexOf(0, p) + 1;
  if (flags & FHCRC) p += 2;
  if (p <= offset || p > buf.length) throw malformed(`gzip member at byte ${offset} has a broken header`);
  return p;
}

function malformed(detail: string, cause?: unknown): RunfleetError {
  return new RunfleetError("BAD_REQUEST", `the gzip artifact is not valid: ${detail}`, {
    hint: "upload a report packed as concatenated gzip members, one per file",
    ...(cause === undefined ? {} : { cause }),
  });
}
