import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { RunfleetError } from "../errors/index.js";
import { PIPELINE_SOURCES, type PipelineSource } from "../plan/types.js";

export const EXECUTORS = ["docker", "shell"] as const;
export type LocalExecutor = (typeof EXECUTORS)[number];

export interface RunOptions {
  /** Jobs to run (with everything they `needs`, transitively); empty = the whole pipeline. */
  readonly jobs: readonly string[];
  /** The config file as given, relative to `cwd`; undefined = the nearest `.gitlab-ci.yml`. */
  readonly file: string | undefined;
  readonly cwd: string;
  readonly concurrency: number;
  readonly variables: Readonly<Record<string, string>>;
  readonly ref: string | undefined;
  readonly source: PipelineSource;
  readonly quiet: boolean;
  readonly report: string | undefined;
  /** Undefined: automatic — jobs with an `image:` in containers when a Docker Engine API answers. */
  readonly executor: LocalExecutor | undefined;
  /** With `--executor docker`: the image of jobs that name none (`[runners.docker] image`). */
  readonly image: string | undefined;
  readonly help: boolean;
}

/**
 * Echo-type jobs spend most of their time waiting on process start-up and HTTP round trips, not on
 * their own CPU, so several per core overlap those waits; but every slot costs a launcher shell, its
 * own repository (init + fetch + checkout once per slot) and memory. On the 2-core machine it was
 * chosen on (load average 5–10 from other work), 1000 echo jobs (`npm run bench:local`) took, best of
 * 3: 8.2 s at 4 slots, 7.8 s at 6, 6.1 s at 8 and 10.3 s at 16; CPU 8.1–9.6 ms per job at 8 slots
 * against 10.2–10.6 at 16, and a tree PSS of 63–69 MB against 80–87 MB.
 */
export const JOBS_PER_CORE = 4;

export function defaultConcurrency(cores: number = availableParallelism()): number {
  return Math.max(2, cores * JOBS_PER_CORE);
}

export const RUN_USAGE = `Usage: runfleet run [JOB...] [options]

Runs the pipeline of the project on this machine: the working tree as it is now (uncommitted and
untracked files included, your branch and index untouched), through a local coordinator and runner.

The project is the git repository containing --cwd (or --cwd itself outside git). The config file is
--file relative to --cwd, or else the nearest .gitlab-ci.yml from --cwd up to the project root.

Options:
  JOB...              run only these jobs and what they need: their needs (or, without needs, the
                      jobs of earlier stages) and dependencies; manual jobs run only when named
  --file F            config file (relative to --cwd)
  --cwd D             directory to start from (default: the current directory)
  --concurrency N     jobs run at once (default: ${JOBS_PER_CORE} per CPU core, here ${defaultConcurrency()})
  --var K=V           pipeline variable (repeatable)
  --ref R             branch the pipeline runs for (default: the checked-out branch)
  --source S          pipeline source: ${PIPELINE_SOURCES.join(", ")} (default: push)
  --quiet             job events and the summary only, no job output
  --report FILE       write a JSON report: status and per job name, stage, status, exitCode, durationMs, log
  --executor E        where jobs run: ${EXECUTORS.join(" or ")} (default: automatic, see below)
  --image I           with --executor docker: the image of jobs that have no image:
  -h, --help          this help

Executors: without --executor, jobs with an image: run in that image (with their services) when a
Docker Engine API answers at $DOCKER_HOST (default unix:///var/run/docker.sock; podman's API service
works too), and jobs without one run on this machine (shell). Without an engine, every job runs on
this machine and a notice names the images ignored. --executor shell always runs jobs on this machine;
--executor docker runs every job in a container and stops with an error when no engine answers; jobs
without image: then need --image (as GitLab Runner's docker executor needs a default image). Images are
pulled only when missing (pull policy if-not-present, so images built here just work) unless the job's
image:pull_policy says otherwise.

State is kept in <project>/.runfleet/ (database, logs in .runfleet/logs/<pipeline>/); add it to .gitignore.
Exit codes: 0 the pipeline passed, 1 it failed, the config is invalid or --executor docker found no
engine, 2 usage error.
`;

/** Parses `runfleet run` arguments; anything malformed is a USAGE error (exit 2). */
export function parseRunOptions(args: readonly string[], cwd: string = process.cwd()): RunOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    throw usage(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const variables: Record<string, string> = {};
  for (const pair of v.var ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usage(`--var expects KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw usage(`--var: "${key}" is not a valid variable name`);
    variables[key] = pair.slice(eq + 1);
  }
  const source = v.source ?? "push";
  if (!isSource(source))
    throw usage(`--source must be one of ${PIPELINE_SOURCES.join(", ")}; got "${source}"`);
  const executor = v.executor;
  if (executor !== undefined && !isExecutor(executor))
    throw usage(`--executor must be one of ${EXECUTORS.join(", ")}; got "${executor}"`);
  if (v.image !== undefined && executor !== "docker")
    throw usage("--image needs --executor docker: it is the image of jobs that name none");
  let concurrency = defaultConcurrency();
  if (v.concurrency !== undefined) {
    concurrency = Number(v.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
      throw usage(`--concurrency must be a whole number from 1 to 10000; got "${v.concurrency}"`);
    }
  }
  for (const [flag, value] of [
    ["--file", v.file],
    ["--cwd", v.cwd],
    ["--ref", v.ref],
    ["--report", v.report],
    ["--image", v.image],
  ] as const) {
    if (value === "") throw usage(`${flag} needs a value`);
  }
  return {
    jobs: parsed.positionals,
    file: v.file,
    cwd: v.cwd === undefined ? cwd : resolveFrom(cwd, v.cwd),
    concurrency,
    variables,
    ref: v.ref,
    source,
    quiet: v.quiet ?? false,
    report: v.report === undefined ? undefined : resolveFrom(cwd, v.report),
    executor,
    image: v.image,
    help: v.help ?? false,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: "string" },
      cwd: { type: "string" },
      concurrency: { type: "string" },
      var: { type: "string", multiple: true },
      ref: { type: "string" },
      source: { type: "string" },
      quiet: { type: "boolean" },
      report: { type: "string" },
      executor: { type: "string" },
      image: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function resolveFrom(base: string, path: string): string {
  return path.startsWith("/") ? path : `${base.replace(/\/$/, "")}/${path}`;
}

function usage(message: string): RunfleetError {
  return new RunfleetError("USAGE", message, { hint: "runfleet run --help shows every option" });
}

function isSource(s: string): s is PipelineSource {
  return (PIPELINE_SOURCES as readonly string[]).includes(s);
}

function isExecutor(s: string): s is LocalExecutor {
  return (EXECUTORS as readonly string[]).includes(s);
}
