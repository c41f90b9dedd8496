/**
 * get_sources for the shell executor. The git work is done once per slot and kept: a job whose commit
 * the slot's repository already has needs no network, just a forced detached checkout and a clean, so
 * every job still starts from a clean tree at its own sha. When the slot's tree provably has not
 * changed since its last checkout and clean of the same commit (see CleanCheckout), not even those.
 */
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SourcesSpec } from "../../jobscript/index.js";
import type { StageIo, StageOutcome } from "../types.js";
import type { CleanCheckout } from "./clean-checkout.js";
import type { LaunchSpec } from "./slot-launcher.js";

export interface GitRun {
  readonly projectDir: string;
  /** Starts a process in the slot (see SlotLauncher). */
  readonly launch: (spec: LaunchSpec, io: StageIo) => Promise<StageOutcome>;
  /** The slot's last clean checkout, reused when nothing has touched it. */
  readonly cleanCheckout?: CleanCheckout;
}

function say(io: StageIo, line: string): void {
  io.sink(Buffer.from(`${line}\n`));
}

function git(run: GitRun, args: readonly string[], io: StageIo): Promise<StageOutcome> {
  return run.launch({ command: "git", args, cwd: run.projectDir }, io);
}

/** Runs git quietly: its output reaches the trace only when it fails and `showFailure` is set. */
async function gitQuiet(
  run: GitRun,
  args: readonly string[],
  io: StageIo,
  showFailure: boolean,
): Promise<StageOutcome> {
  const chunks: Uint8Array[] = [];
  const outcome = await git(run, args, { ...io, sink: (c) => chunks.push(c) });
  if (showFailure && failed(outcome)) for (const c of chunks) io.sink(c);
  return outcome;
}

function failed(outcome: StageOutcome): boolean {
  return outcome.kind !== "exited" || outcome.exitCode !== 0;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

async function fetchFromRemote(
  run: GitRun,
  spec: SourcesSpec,
  io: StageIo,
  fresh: boolean,
): Promise<StageOutcome> {
  say(io, `Fetching changes from ${redact(spec.git.repo_url)}...`);
  // A repository just made has no remote to update yet.
  const remote = fresh
    ? undefined
    : await gitQuiet(run, ["remote", "set-url", "origin", spec.git.repo_url], io, false);
  if (remote === undefined || failed(remote)) {
    const added = await git(run, ["remote", "add", "origin", spec.git.repo_url], io);
    if (failed(added)) return added;
  }
  const refspecs = spec.git.refspecs.length > 0 ? spec.git.refspecs : [`+${spec.git.sha}`];
  const depth = spec.depth > 0 ? [`--depth=${spec.depth}`] : [];
  return git(run, ["fetch", "--prune", "--quiet", "--no-tags", ...depth, "origin", ...refspecs], io);
}

export async function getSources(run: GitRun, spec: SourcesSpec, io: StageIo): Promise<StageOutcome> {
  const reusable = spec.strategy === "fetch" && spec.checkout;
  if (reusable && run.cleanCheckout?.reusable(run.projectDir, spec)) {
    say(io, `Reusing git repository in ${run.projectDir}`);
    say(io, `Checking out ${spec.git.sha.slice(0, 8)} as detached HEAD (ref is ${spec.git.ref})...`);
    return { kind: "exited", exitCode: 0 };
  }
  run.cleanCheckout?.forget();
  if (spec.strategy === "none") {
    await mkdir(run.projectDir, { recursive: true });
    say(io, "Skipping Git repository setup (GIT_STRATEGY=none)");
    return { kind: "exited", exitCode: 0 };
  }
  if (spec.strategy === "clone") await rm(run.projectDir, { recursive: true, force: true });
  await mkdir(run.projectDir, { recursive: true });
  const fresh = !existsSync(join(run.projectDir, ".git"));
  if (fresh) {
    say(io, `Initialized empty Git repository in ${run.projectDir}/.git/`);
    // No template: sample hooks do nothing but add files every job's tree check has to look at.
    const init = await git(run, ["init", "--quiet", "--template="], io);
    if (failed(init)) return init;
  } else {
    say(io, `Reusing git repository in ${run.projectDir}`);
  }
  const sha = spec.git.sha;
  if (!spec.checkout) {
    const fetched = await fetchFromRemote(run, spec, io, fresh);
    if (failed(fetched)) return fetched;
    say(io, "Skipping Git checkout (GIT_CHECKOUT=false)");
    return { kind: "exited", exitCode: 0 };
  }
  const checkoutArgs = ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", sha];
  // A repository just made cannot have the commit: fetch first. Otherwise the commit is likely there
  // already, and the checkout alone does.
  let checkout: StageOutcome = fresh
    ? { kind: "exited", exitCode: 1 }
    : await gitQuiet(run, checkoutArgs, io, false);
  if (checkout.kind !== "exited") return checkout;
  if (checkout.exitCode !== 0) {
    const fetched = await fetchFromRemote(run, spec, io, fresh);
    if (failed(fetched)) return fetched;
    checkout = await git(run, checkoutArgs, io);
    if (failed(checkout)) return checkout;
  }
  say(io, `Checking out ${sha.slice(0, 8)} as detached HEAD (ref is ${spec.git.ref})...`);
  if (spec.cleanFlags.length > 0) {
    const clean = await gitQuiet(run, ["clean", ...spec.cleanFlags], io, true);
    if (failed(clean)) return clean;
  }
  if (reusable) await run.cleanCheckout?.remember(run.projectDir, spec);
  return { kind: "exited", exitCode: 0 };
}
