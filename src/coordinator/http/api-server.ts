/**
 * The coordinator's HTTP face on node:http: routes `/api/v4` runner and job calls and git smart HTTP,
 * bounds and validates bodies at the edge, and turns every error into a status code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { RunfleetError, toRunfleetError } from "../../errors/index.js";
import { Hangup } from "../dispatch/hangup.js";
import type { ApiContext } from "./api-context.js";
import { jobTokenOf } from "./api-context.js";
import { downloadArtifact, uploadArtifact } from "./artifact-routes.js";
import { isGitPath, serveGit } from "./git-http.js";
import { json, message, type Reply, readBody, STATUS_FOR_CODE, send } from "./http-io.js";
import { requestJob } from "./job-request-route.js";
import { updateJob } from "./job-update-route.js";
import { deleteManager, deleteRunner, registerRunner, verifyRunner } from "./runner-routes.js";
import { patchTrace } from "./trace-route.js";
import { type JsonObject, parseJsonObject } from "./validate.js";

const JOB_PATH = /^\/api\/v4\/jobs\/(\d+)(\/trace|\/artifacts)?$/;

export function createApiServer(ctx: ApiContext): Server {
  const server = createServer((req, res) => {
    // A reply is sent only once what the request wrote is committed (writes are group-committed).
    handle(ctx, req, res)
      .then(async (reply) => {
        await ctx.store.committed();
        return reply;
      })
      .then(
        (reply) => {
          if (reply !== undefined) send(res, reply);
        },
        (err: unknown) => {
          const error = toRunfleetError(err);
          const status = STATUS_FOR_CODE[error.code];
          if (status >= 500)
            process.stderr.write(`coordinator: ${req.method} ${req.url}: ${error.format()}\n`);
          send(res, json(status, { message: `${status} ${error.message}` }));
        },
      );
  });
  server.keepAliveTimeout = 65_000;
  // Long polls are held up to ~50 s; node's default request timeout must not cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

/**
 * A runner's calls name plain paths (`/api/v4/jobs/42/trace`): no query, escapes or dot segments,
 * so the path is the target as sent and parsing a URL per request can be skipped.
 */
function isPlainApiPath(target: string): boolean {
  return target.startsWith("/api/v4/") && !/[?%#\\]|\/\.|\/\//.test(target);
}

type JsonBody =
  | { readonly kind: "ok"; readonly body: JsonObject }
  | { readonly kind: "reply"; readonly reply: Reply };

async function jsonBody(ctx: ApiContext, req: IncomingMessage): Promise<JsonBody> {
  const body = await readBody(req, ctx.limits.maxJsonBytes);
  if (body.kind === "too_large")
    return { kind: "reply", reply: message(413, "413 Request Entity Too Large") };
  return { kind: "ok", body: parseJsonObject(body.body) };
}

async function handle(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Reply | undefined> {
  const target = req.url ?? "/";
  const plain = isPlainApiPath(target);
  let parsed: URL | undefined = plain ? undefined : new URL(target, "http://coordinator");
  const url = (): URL => {
    parsed ??= new URL(target, "http://coordinator");
    return parsed;
  };
  const method = req.method ?? "GET";
  const path = parsed === undefined ? target : parsed.pathname;
  if (isGitPath(path)) return serveGit(ctx, req, res, url());

  const withJson = async (fn: (body: JsonObject) => Promise<Reply>): Promise<Reply> => {
    const parsed = await jsonBody(ctx, req);
    return parsed.kind === "reply" ? parsed.reply : fn(parsed.body);
  };
  if (path === "/api/v4/runners" && method === "POST") return withJson((b) => registerRunner(ctx, b));
  if (path === "/api/v4/runners" && method === "DELETE") return withJson((b) => deleteRunner(ctx, b));
  if (path === "/api/v4/runners/verify" && method === "POST") return withJson((b) => verifyRunner(ctx, b));
  if (path === "/api/v4/runners/managers" && method === "DELETE")
    return withJson((b) => deleteManager(ctx, b));
  if (path === "/api/v4/jobs/request" && method === "POST") {
    const hangup = new Hangup();
    // Only a client that hung up before its answer withdraws the parked request.
    res.once("close", () => {
      if (!res.writableFinished) hangup.fire();
    });
    return withJson((b) => requestJob(ctx, b, hangup));
  }
  const m = JOB_PATH.exec(path);
  if (m !== null) {
    const id = Number(m[1]);
    const token = jobTokenOf(req, url);
    const sub = m[2] ?? "";
    if (sub === "" && method === "PUT") return withJson((b) => updateJob(ctx, id, b, token));
    if (sub === "/trace" && method === "PATCH") return patchTrace(ctx, id, req, token);
    if (sub === "/artifacts" && method === "POST") return uploadArtifact(ctx, id, req, url(), token);
    if (sub === "/artifacts" && method === "GET") return downloadArtifact(ctx, id, token, res);
  }
  req.resume();
  if (path.startsWith("/api/v4/")) {
    throw new RunfleetError("NOT_FOUND", `no route for ${method} ${path}`);
  }
  return message(404, "404 Not Found");
}
