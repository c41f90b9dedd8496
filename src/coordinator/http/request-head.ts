/**
 * HTTP/1.x request heads parsed in place, strictly: a request line and `name: value` lines with
 * CRLF endings. Anything this parser does not fully understand (folded lines, bare LF, control
 * characters, a duplicate Content-Length or Transfer-Encoding, another HTTP version) is reported
 * as `odd`, and the connection goes to node:http, which answers it as it always has.
 */

export interface RequestHead {
  readonly method: string;
  /** The request target as sent. */
  readonly target: string;
  readonly minorVersion: 0 | 1;
  /** Lower-cased names; repeated headers combined as node:http combines them. */
  readonly headers: ReadonlyMap<string, string>;
}

export type HeadParse =
  | { readonly kind: "head"; readonly head: RequestHead }
  | { readonly kind: "odd"; readonly reason: string };

const REQUEST_LINE = /^([A-Z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
/** One header line after its CRLF: token name, colon, value without control characters but HTAB. */
const HEADER_LINE = /\r\n([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\t\x20-\x7e\x80-\xff]*)/y;

/** Headers of which node:http keeps only the first (its `matchKnownFields`). */
const KEEP_FIRST = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** node:http keeps this many headers (its default `maxHeadersCount`) and drops the rest. */
const MAX_HEADER_LINES = 1000;

/** Repeats that llhttp refuses (request smuggling); node:http answers them. */
const NO_REPEAT = new Set(["content-length", "transfer-encoding"]);

/** `text` is the head without its final empty line: latin1 text up to, not including, `\r\n\r\n`. */
export function parseRequestHead(text: string): HeadParse {
  const lineEnd = text.indexOf("\r\n");
  const line = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const m = REQUEST_LINE.exec(line);
  if (m === null) return { kind: "odd", reason: "request line" };
  const headers = new Map<string, string>();
  if (lineEnd >= 0) {
    HEADER_LINE.lastIndex = lineEnd;
    let lines = 0;
    while (HEADER_LINE.lastIndex < text.length) {
      if (++lines > MAX_HEADER_LINES) return { kind: "odd", reason: "too many headers" };
      const h = HEADER_LINE.exec(text);
      if (h === null) return { kind: "odd", reason: "header line" };
      const end = HEADER_LINE.lastIndex;
      if (end < text.length && text.charCodeAt(end) !== 13) return { kind: "odd", reason: "header line" };
      const name = (h[1] ?? "").toLowerCase();
      const value = trimEnd(h[2] ?? "");
      const before = headers.get(name);
      if (before === undefined) headers.set(name, value);
      else if (NO_REPEAT.has(name)) return { kind: "odd", reason: `repeated ${name}` };
      else if (!KEEP_FIRST.has(name))
        headers.set(name, `${before}${name === "cookie" ? "; " : ", "}${value}`);
    }
  }
  return {
    kind: "head",
    head: { method: m[1] ?? "", target: m[2] ?? "", minorVersion: m[3] === "0" ? 0 : 1, headers },
  };
}

/** Trailing spaces and tabs (optional whitespace); `trim()` would also eat latin1 NBSP. */
function trimEnd(value: string): string {
  let end = value.length;
  while (end > 0) {
    const c = value.charCodeAt(end - 1);
    if (c !== 32 && c !== 9) break;
    end--;
  }
  return end === value.length ? value : value.slice(0, end);
}

/** The comma-separated tokens of a header such as `Connection`, lower-cased. */
export function headerTokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .toLowerCase()
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}
