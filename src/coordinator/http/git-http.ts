/**
 * The project repository over git smart HTTP, read-only: `git http-backend` run as a CGI for
 * `/<project path>.git/info/refs` and `/git-upload-pack`, authenticated with the Basic credentials
 * `gitlab-ci-token:<job token>` of a live job of that project.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiContext } from "./api-context.js";
import { jobForToken } from "./api-context.js";
import { message, type Reply, send } from "./http-io.js";

const GIT_PATH = /^\/(.+?)\.git(\/info\/refs|\/git-upload-pack|\/git-receive-pack|\/HEAD|\/objects\/.*)$/;

export function isGitPath(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

function basicPassword(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization ?? "";
  const m = /^Basic\s+(.+)$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function serveGit(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<Reply | undefined> {
  const m = GIT_PATH.exec(url.pathname);
  const projectPath = m?.[1];
  const suffix = m?.[2];
  if (projectPath === undefined || suffix === undefined) return message(404, "404 Not Found");
  const service = url.searchParams.get("service");
  if (suffix === "/git-receive-pack" || service === "git-receive-pack") {
    return message(403, "403 Forbidden - the repository is read-only");
  }
  if (suffix !== "/info/refs" && suffix !== "/git-upload-pack") return message(404, "404 Not Found");
  const credentials = basicPassword(req);
  if (credentials === undefined) {
    return { status: 401, headers: { "WWW-Authenticate": 'Basic realm="Runfleet"' }, body: "" };
  }
  const job =
    credentials.user === "gitlab-ci-token" ? await jobForToken(ctx, credentials.password) : undefined;
  const project = await ctx.store.findProjectByPath(projectPath);
  const live =
    job !== undefined && (job.status === "pending" || job.status === "running" || job.status === "canceling");
  if (!live || project === undefined || job.projectId !== project.id) return message(403, "403 Forbidden");
  runBackend(req, res, project.gitDir, suffix, url.search.slice(1));
  return undefined;
}

function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  gitDir: string,
  pathInfo: string,
  query: string,
): void {
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: gitDir,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: pathInfo,
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: query,
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_USER: "gitlab-ci-token",
      REMOTE_ADDR: req.socket.remoteAddress ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
      // Jobs fetch their pipeline's commit by ref or sha; the repository may belong to another user.
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: "uploadpack.allowAnySHA1InWant",
      GIT_CONFIG_VALUE_0: "true",
      GIT_CONFIG_KEY_1: "safe.directory",
      GIT_CONFIG_VALUE_1: "*",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  req.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    const endLf = head.indexOf("\n\n");
    const cut = end >= 0 ? end : endLf;
    if (cut < 0) return;
    const sep = end >= 0 ? 4 : 2;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, cut).toString("latin1").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(cut + sep));
  });
  child.stderr.resume();
  child.on("close", () => {
    if (!headersDone) send(res, message(500, "500 git http-backend failed"));
    else res.end();
  });
  child.on("error", () => {
    if (!res.headersSent) send(res, message(500, "500 git http-backend is not available"));
  });
}
