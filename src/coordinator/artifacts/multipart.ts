/** Minimal `multipart/form-data` reader for the artifact upload: finds one named file part. */
import { RunfleetError } from "../../errors/index.js";

export interface FilePart {
  readonly filename: string;
  readonly data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  const boundary = m?.[1] ?? m?.[2];
  if (!contentType?.toLowerCase().startsWith("multipart/form-data") || boundary === undefined) {
    throw new RunfleetError("BAD_REQUEST", "artifact upload must be multipart/form-data with a boundary");
  }
  return boundary.trim();
}

/** The part whose form name is `field`; undefined when the body has none. */
export function findFilePart(body: Buffer, boundary: string, field: string): FilePart | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const headerStart = pos + delimiter.length + 2;
    if (body.subarray(pos + delimiter.length, pos + delimiter.length + 2).toString() === "--")
      return undefined;
    const headerEnd = body.indexOf("\r\n\r\n", headerStart);
    if (headerEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) return undefined;
    const headers = body.subarray(headerStart, headerEnd).toString("utf8");
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === field) {
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? field;
      return { filename, data: body.subarray(headerEnd + 4, next) };
    }
    pos = next + 2;
  }
  return undefined;
}
