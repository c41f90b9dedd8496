/** Reading bounded request bodies and writing replies; the only place that touches raw node:http. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorCode, toRunfleetError } from "../../errors/index.js";

export type BodyResult = { readonly kind: "ok"; readonly body: Buffer } | { readonly kind: "too_large" };

/** Reads the whole body, refusing (without buffering) anything past `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ kind: "too_large" });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        resolve({ kind: "too_large" });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve({ kind: "ok", body: Buffer.concat(chunks) });
    });
    req.on("error", (err) => {
      if (!done) reject(err);
    });
  });
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(value) };
}

export function message(status: number, text: string, headers: Record<string, string> = {}): Reply {
  return json(status, { message: text }, headers);
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const body = reply.body ?? "";
  res.writeHead(reply.status, { ...reply.headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** HTTP status for each error code; a new code fails to compile until it is mapped. */
export const STATUS_FOR_CODE: Record<ErrorCode, number> = {
  CONFIG_INVALID: 400,
  CONFIG_NOT_FOUND: 404,
  INCLUDE_UNAVAILABLE: 400,
  PLAN_INVALID: 400,
  USAGE: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  BAD_REQUEST: 400,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** GitLab's body for a refused token; says nothing about why. */
export const FORBIDDEN: Reply = message(403, "403 Forbidden");

/** The JSON answer for anything a route threw; 5xx are logged (they are ours, not the client's). */
export function errorReply(err: unknown, method: string, target: string): Reply {
  const error = toRunfleetError(err);
  const status = STATUS_FOR_CODE[error.code];
  if (status >= 500) process.stderr.write(`coordinator: ${method} ${target}: ${error.format()}\n`);
  return json(status, { message: `${status} ${error.message}` });
}
