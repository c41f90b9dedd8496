import { type ErrorCode, RunfleetError } from "../../../../src/errors/index.js";
import type { ApiStatus } from "./types.js";

const codeByStatus: Readonly<Record<number, ErrorCode>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  410: "CONFLICT",
  422: "BAD_REQUEST",
};

/** A failed API call; keeps the HTTP status and the server's reason so callers can branch on them. */
export class KubeApiError extends RunfleetError {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(method: string, path: string, status: number, body: ApiStatus | undefined, cause?: unknown) {
    const code = codeByStatus[status] ?? (status >= 500 || status === 0 ? "UNAVAILABLE" : "INTERNAL");
    const reason = cause instanceof Error ? cause.message : "no response";
    const detail = body?.message ?? (status === 0 ? reason : `HTTP ${status}`);
    super(code, `${method} ${path}: ${detail}`, {
      cause,
      hint: status === 403 ? "the Node authorizer only allows objects of pods bound to this node" : undefined,
    });
    this.status = status;
    this.reason = body?.reason;
  }
}

export function isApiStatus(status: number, err: unknown): boolean {
  return err instanceof KubeApiError && err.status === status;
}
