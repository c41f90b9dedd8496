/**
 * The small `/api/v4` JSON calls a runner makes per job, transport-neutral: both the node:http server
 * and the lean HTTP/1.1 path (lean-connection.ts) read the body, then call `serveApi` with the same
 * request shape, so status codes, bodies and headers cannot drift apart.
 */
import { MAX_TRACE_PATCH_BYTES } from "../../protocol/index.js";
import type { Hangup } from "../dispatch/hangup.js";
import type { ApiContext } from "./api-context.js";
import { jobTokenOf } from "./api-context.js";
import { message, type Reply } from "./http-io.js";
import { requestJob } from "./job-request-route.js";
import { updateJob } from "./job-update-route.js";
import { deleteManager, deleteRunner, registerRunner, verifyRunner } from "./runner-routes.js";
import { patchTrace } from "./trace-route.js";
import { type JsonObject, parseJsonObject } from "./validate.js";

/** A request whose body has been read; what the routes see of HTTP. */
export interface ApiRequest {
  readonly method: string;
  /** The target as sent (path and query). */
  readonly target: string;
  /** Lower-cased name; repeated headers joined as node:http joins them. */
  header(name: string): string | undefined;
  /** The parsed target; built only when a route needs the query. */
  url(): URL;
  /** The whole body, or undefined when it was over the route's limit (never buffered then). */
  readonly body: Buffer | undefined;
  /** Fires when the client hangs up before its answer (withdraws a parked long poll). */
  readonly hangup: Hangup;
}

export type ApiRoute =
  | { readonly kind: "register-runner" }
  | { readonly kind: "verify-runner" }
  | { readonly kind: "delete-runner" }
  | { readonly kind: "delete-manager" }
  | { readonly kind: "request-job" }
  | { readonly kind: "update-job"; readonly jobId: number }
  | { readonly kind: "patch-trace"; readonly jobId: number };

const JOB_PATH = /^\/api\/v4\/jobs\/(\d+)(\/trace)?$/;

/** The route for a method and URL path, or undefined for every other call (artifacts, git, 404s). */
export function apiRouteFor(method: string, path: string): ApiRoute | undefined {
  switch (path) {
    case "/api/v4/jobs/request":
      return method === "POST" ? { kind: "request-job" } : undefined;
    case "/api/v4/runners":
      if (method === "POST") return { kind: "register-runner" };
      return method === "DELETE" ? { kind: "delete-runner" } : undefined;
    case "/api/v4/runners/verify":
      return method === "POST" ? { kind: "verify-runner" } : undefined;
    case "/api/v4/runners/managers":
      return method === "DELETE" ? { kind: "delete-manager" } : undefined;
  }
  const m = JOB_PATH.exec(path);
  if (m === null) return undefined;
  const jobId = Number(m[1]);
  if (m[2] === undefined) return method === "PUT" ? { kind: "update-job", jobId } : undefined;
  return method === "PATCH" ? { kind: "patch-trace", jobId } : undefined;
}

/** Largest body the route reads; a bigger one is refused (413) without being buffered. */
export function bodyLimitOf(ctx: ApiContext, route: ApiRoute): number {
  return route.kind === "patch-trace" ? MAX_TRACE_PATCH_BYTES : ctx.limits.maxJsonBytes;
}

const TOO_LARGE = message(413, "413 Request Entity Too Large");

export async function serveApi(ctx: ApiContext, route: ApiRoute, req: ApiRequest): Promise<Reply> {
  if (route.kind === "patch-trace") {
    return patchTrace(ctx, route.jobId, req.header("content-range"), req.body, jobTokenOf(req));
  }
  if (req.body === undefined) return TOO_LARGE;
  const body: JsonObject = parseJsonObject(req.body);
  switch (route.kind) {
    case "register-runner":
      return registerRunner(ctx, body);
    case "verify-runner":
      return verifyRunner(ctx, body);
    case "delete-runner":
      return deleteRunner(ctx, body);
    case "delete-manager":
      return deleteManager(ctx, body);
    case "request-job":
      return requestJob(ctx, body, req.hangup);
    case "update-job":
      return updateJob(ctx, route.jobId, body, jobTokenOf(req));
    default: {
      const never: never = route;
      throw new Error(`unknown route ${JSON.stringify(never)}`);
    }
  }
}
