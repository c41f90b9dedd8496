/**
 * get_sources on the host, for a local engine: the project directory that is bind-mounted into the job's
 * containers is fetched and checked out by the runner's own git, so the job's image needs no git and
 * no route to the coordinator. The repository is kept per slot; every job starts from a clean
 * checkout of its own commit.
 */
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SourcesSpec } from "../../jobscript/index.js";
import type { StageIo, StageOutcome } from "../types.js";
import { runHostProcess } from "./host-process.js";

function say(io: StageIo, line: string): void {
  io.sink(Buffer.from(`${line}\n`));
}

function failed(o: StageOutcome): boolean {
  return o.kind !== "exited" || o.exitCode !== 0;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

export interface HostSources {
  /** The project directory on the host. */
  readonly hostDir: string;
  /** The same directory as the job sees it, for messages. */
  readonly jobDir: string;
}

export async function getHostSources(
  dirs: HostSources,
  spec: SourcesSpec,
  io: StageIo,
): Promise<StageOutcome> {
  const git = (args: readonly string[], sink = io.sink): Promise<StageOutcome> =>
    runHostProcess("git", args, dirs.hostDir, { ...io, sink });
  const quiet = async (args: readonly string[]): Promise<StageOutcome> => {
    const chunks: Uint8Array[] = [];
    const outcome = await git(args, (c) => chunks.push(c));
    if (failed(outcome)) for (const c of chunks) io.sink(c);
    return outcome;
  };
  if (spec.strategy === "none") {
    await mkdir(dirs.hostDir, { recursive: true });
    say(io, "Skipping Git repository setup (GIT_STRATEGY=none)");
    return { kind: "exited", exitCode: 0 };
  }
  if (spec.strategy === "clone") await rm(dirs.hostDir, { recursive: true, force: true });
  await mkdir(dirs.hostDir, { recursive: true });
  if (existsSync(join(dirs.hostDir, ".git"))) say(io, `Reusing git repository in ${dirs.jobDir}`);
  else {
    say(io, `Initialized empty Git repository in ${dirs.jobDir}/.git/`);
    const init = await quiet(["init", "--quiet"]);
    if (failed(init)) return init;
  }
  say(io, `Fetching changes from ${redact(spec.git.repo_url)}...`);
  // A fresh repository has no origin yet: set-url failing is expected then, and not shown.
  if (failed(await git(["remote", "set-url", "origin", spec.git.repo_url], () => undefined))) {
    const added = await quiet(["remote", "add", "origin", spec.git.repo_url]);
    if (failed(added)) return added;
  }
  const sha = spec.git.sha;
  const has = await git(["cat-file", "-e", `${sha}^{commit}`], () => undefined);
  if (has.kind !== "exited") return has;
  if (has.exitCode !== 0) {
    const refspecs = spec.git.refspecs.length > 0 ? spec.git.refspecs : [`+${sha}`];
    const depth = spec.depth > 0 ? [`--depth=${spec.depth}`] : [];
    const fetched = await git(["fetch", "--prune", "--quiet", "--no-tags", ...depth, "origin", ...refspecs]);
    if (failed(fetched)) return fetched;
  }
  if (!spec.checkout) {
    say(io, "Skipping Git checkout (GIT_CHECKOUT=false)");
    return { kind: "exited", exitCode: 0 };
  }
  say(io, `Checking out ${sha.slice(0, 8)} as detached HEAD (ref is ${spec.git.ref})...`);
  const checkout = await quiet([
    "-c",
    "advice.detachedHead=false",
    "checkout",
    "--quiet",
    "--force",
    "--detach",
    sha,
  ]);
  if (failed(checkout)) return checkout;
  if (spec.cleanFlags.length > 0) {
    const clean = await quiet(["clean", ...spec.cleanFlags]);
    if (failed(clean)) return clean;
  }
  return { kind: "exited", exitCode: 0 };
}
