/**
 * A reply as node:http's ServerResponse writes it for `send()` — status line, the route's headers,
 * Content-Length, Date, then Connection/Keep-Alive — built as one string so the lean path answers
 * with one write.
 */
import { STATUS_CODES } from "node:http";
import { RunfleetError } from "../../errors/index.js";
import type { Reply } from "./http-io.js";

export interface ReplyFraming {
  /** Answer with `Connection: close` (the connection ends after this reply). */
  readonly close: boolean;
  /** Advertised as `Keep-Alive: timeout=<s>` on kept-alive connections. */
  readonly keepAliveSeconds: number;
  readonly now: number;
}

/** What node:http writes when a head takes longer than `headersTimeout`, then it closes. */
export const REQUEST_TIMEOUT_REPLY = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

const UNSAFE = /[\r\n\0]/;
let dateText = "";
let dateUntil = 0;

/** The `Date` header value, formatted at most once a second. */
export function httpDate(now: number): string {
  if (now >= dateUntil || now < dateUntil - 1000) {
    dateText = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateText;
}

export function encodeReply(reply: Reply, framing: ReplyFraming): string | Buffer {
  const body = reply.body ?? "";
  let head = `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? "unknown"}\r\n`;
  const headers = reply.headers;
  if (headers !== undefined) {
    for (const name in headers) {
      const value = headers[name] ?? "";
      // node:http refuses these too (ERR_INVALID_CHAR); a reply must never split its own head.
      if (UNSAFE.test(name) || UNSAFE.test(value)) {
        throw new RunfleetError("INTERNAL", `invalid character in the ${name} reply header`);
      }
      head += `${name}: ${value}\r\n`;
    }
  }
  head += `Content-Length: ${Buffer.byteLength(body)}\r\nDate: ${httpDate(framing.now)}\r\n`;
  head += framing.close
    ? "Connection: close\r\n\r\n"
    : `Connection: keep-alive\r\nKeep-Alive: timeout=${framing.keepAliveSeconds}\r\n\r\n`;
  if (typeof body === "string") return head + body;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}
