/**
 * `runfleet run` arguments → RunOptions; anything malformed is a USAGE error (exit 2) pointing at
 * `runfleet run --help`.
 */
import {
  defaultConcurrency,
  EXECUTORS,
  JOBS_PER_CORE,
  type LocalExecutor,
  type RunOptions,
} from "../local-run/index.js";
import { PIPELINE_SOURCES, type PipelineSource } from "../plan/types.js";
import { parseCommandArgs, parseVariablePairs, usageError } from "./command-args.js";

export const RUN_USAGE = `Usage: runfleet run [JOB...] [options]

Runs the pipeline of the project on this machine: the working tree as it is now (uncommitted and
untracked files included, your branch and index untouched), through a local coordinator and runner.

The project is the git repository containing --cwd (or --cwd itself outside git). The config file is
--file relative to --cwd, or else the nearest .gitlab-ci.yml from --cwd up to the project root.

Options:
  JOB...              run only these jobs and what they need: their needs (or, without needs, the
                      jobs of earlier stages) and dependencies; manual jobs run only when named
  --manual JOB        play this manual job (repeatable): it runs when its stage or needs let it,
                      with the rest of the pipeline (or with the JOBs named)
  --file F            config file (relative to --cwd)
  --cwd D             directory to start from (default: the current directory)
  --concurrency N     jobs run at once (default: ${JOBS_PER_CORE} per CPU core, here ${defaultConcurrency()})
  --var K=V           pipeline variable (repeatable)
  --variables-file F  the project's CI/CD variables (relative to --cwd; default: .gitlab-ci-local-variables.yml
                      in the project when there): YAML KEY: value, or KEY: { values: { SCOPE: value },
                      type: file, masked: true, raw: true } with environment scopes (*, names,
                      review/*), or dotenv KEY=value lines
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

const RUN_FLAGS = {
  file: { type: "string" },
  cwd: { type: "string" },
  concurrency: { type: "string" },
  var: { type: "string", multiple: true },
  manual: { type: "string", multiple: true },
  "variables-file": { type: "string" },
  ref: { type: "string" },
  source: { type: "string" },
  quiet: { type: "boolean" },
  report: { type: "string" },
  executor: { type: "string" },
  image: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseRunOptions(args: readonly string[], cwd: string = process.cwd()): RunOptions {
  const parsed = parseCommandArgs("run", {
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: RUN_FLAGS,
  });
  const v = parsed.values;
  const variables = parseVariablePairs("run", v.var ?? []);
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
    ["--variables-file", v["variables-file"]],
    ["--image", v.image],
  ] as const) {
    if (value === "") throw usage(`${flag} needs a value`);
  }
  return {
    jobs: parsed.positionals,
    manual: v.manual ?? [],
    file: v.file,
    cwd: v.cwd === undefined ? cwd : resolveFrom(cwd, v.cwd),
    concurrency,
    variables,
    variablesFile: v["variables-file"],
    ref: v.ref,
    source,
    quiet: v.quiet ?? false,
    report: v.report === undefined ? undefined : resolveFrom(cwd, v.report),
    executor,
    image: v.image,
    help: v.help ?? false,
  };
}

function resolveFrom(base: string, path: string): string {
  return path.startsWith("/") ? path : `${base.replace(/\/$/, "")}/${path}`;
}

function usage(message: string) {
  return usageError("run", message);
}

function isSource(s: string): s is PipelineSource {
  return (PIPELINE_SOURCES as readonly string[]).includes(s);
}

function isExecutor(s: string): s is LocalExecutor {
  return (EXECUTORS as readonly string[]).includes(s);
}
