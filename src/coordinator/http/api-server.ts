/**
 * The coordinator's HTTP face on node:http: routes `/api/v4` runner and job calls, artifacts and git
 * smart HTTP, bounds and validates bodies at the edge, and turns every error into a status code. The
 * lean path (lean-server.ts) hands it every connection it does not serve itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { RunfleetError } from "../../errors/index.js";
import { Hangup } from "../dispatch/hangup.js";
import type { ApiContext, TokenSource } from "./api-context.js";
import { jobTokenOf } from "./api-context.js";
import { apiRouteFor, bodyLimitOf, serveApi } from "./api-routes.js";
import { downloadArtifact, uploadArtifact } from "./artifact-routes.js";
import { isGitPath, serveGit } from "./git-http.js";
import { errorReply, message, type Reply, readBody, send } from "./http-io.js";

const ARTIFACTS_PATH = /^\/api\/v4\/jobs\/(\d+)\/artifacts$/;
const BASE = "http://coordinator";

export interface ApiServerOptions {
  /**
   * Close a connection after a successful artifact transfer. Behind the lean path (lean-server.ts) a
   * connection handed to node:http stays there; closing it lets the runner's next small call open a
   * connection the lean path serves, instead of one pooled connection per upload drifting to node:http.
   */
  readonly releaseAfterArtifacts?: boolean;
}

export function createApiServer(ctx: ApiContext, options: ApiServerOptions = {}): Server {
  const server = createServer((req, res) => {
    // A reply is sent only once what the request wrote is committed (writes are group-committed).
    handle(ctx, req, res, options.releaseAfterArtifacts ?? false)
      .then(async (reply) => {
        await ctx.store.committed();
        return reply;
      })
      .then(
        (reply) => {
          if (reply !== undefined) send(res, reply);
        },
        (err: unknown) => send(res, errorReply(err, req.method ?? "GET", req.url ?? "/")),
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
export function isPlainApiPath(target: string): boolean {
  return target.startsWith("/api/v4/") && !/[?%#\\]|\/\.|\/\//.test(target);
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

async function handle(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  releaseAfterArtifacts: boolean,
): Promise<Reply | undefined> {
  const target = req.url ?? "/";
  let parsed: URL | undefined = isPlainApiPath(target) ? undefined : new URL(target, BASE);
  const url = (): URL => {
    parsed ??= new URL(target, BASE);
    return parsed;
  };
  const method = req.method ?? "GET";
  const path = parsed === undefined ? target : parsed.pathname;
  if (isGitPath(path)) return serveGit(ctx, req, res, url());

  const source: TokenSource = { target, header: (name) => headerOf(req, name), url };
  const route = apiRouteFor(method, path);
  if (route !== undefined) {
    const hangup = new Hangup();
    if (route.kind === "request-job") {
      // Only a client that hung up before its answer withdraws the parked request.
      res.once("close", () => {
        if (!res.writableFinished) hangup.fire();
      });
    }
    const body = await readBody(req, bodyLimitOf(ctx, route));
    return serveApi(ctx, route, {
      ...source,
      method,
      body: body.kind === "ok" ? body.body : undefined,
      hangup,
    });
  }
  const artifacts = ARTIFACTS_PATH.exec(path);
  if (artifacts !== null) {
    const id = Number(artifacts[1]);
    if (method === "POST") {
      const reply = await uploadArtifact(ctx, id, req, url(), jobTokenOf(source));
      // Only once the body has been read whole: closing earlier could reset an upload still being sent.
      if (releaseAfterArtifacts && reply.status === 201) res.setHeader("Connection", "close");
      return reply;
    }
    if (method === "GET") {
      if (releaseAfterArtifacts) res.setHeader("Connection", "close");
      return downloadArtifact(ctx, id, jobTokenOf(source), res);
    }
  }
  req.resume();
  if (path.startsWith("/api/v4/")) {
    throw new RunfleetError("NOT_FOUND", `no route for ${method} ${path}`);
  }
  return message(404, "404 Not Found");
}
