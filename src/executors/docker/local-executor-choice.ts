/**
 * Which executor `runfleet run` gives jobs that have an `image:`: docker when a Docker Engine API answers
 * (or `--executor docker` asks for it), else shell with a notice naming the ignored images. Jobs without
 * an image always run on the shell executor, as they would on a laptop without containers.
 */
import { RunfleetError } from "../../errors/index.js";
import type { Executor, ExecutorJob, JobEnvironment } from "../types.js";
import { DEFAULT_DOCKER_HOST, describeEngine, isLocalEngine, parseDockerHost } from "./docker-host.js";
import { HttpDockerClient } from "./http-docker-client.js";

export type LocalExecutorRequest = "docker" | "shell" | undefined;

export interface EngineProbe {
  readonly answers: boolean;
  /** The address asked, as the user would write it in DOCKER_HOST. */
  readonly address: string;
  /** Why it did not answer. */
  readonly detail?: string;
}

export interface ImageJob {
  readonly job: string;
  readonly image: string;
}

export interface LocalExecutorChoice {
  /** The executor for jobs with an `image:`. */
  readonly imageJobs: "docker" | "shell";
  /** Lines to show before the run starts. */
  readonly notices: readonly string[];
}

const HOW_TO_GET_AN_ENGINE =
  "start Docker or podman's API service (npm run setup:containers does it for podman) and set DOCKER_HOST if it is not at " +
  DEFAULT_DOCKER_HOST;

/** Images shown by name in the notice before the rest are counted. */
const IMAGES_SHOWN = 5;

/** One notice for all ignored images, each with (up to three of) the jobs that asked for it. */
function ignoredNotices(jobs: readonly ImageJob[], why: string, remedy?: string): string[] {
  if (jobs.length === 0) return [];
  const byImage = new Map<string, Set<string>>();
  for (const j of jobs) byImage.set(j.image, (byImage.get(j.image) ?? new Set()).add(j.job));
  const described = [...byImage].map(([image, names]) => {
    const unique = [...names];
    const shown =
      unique.length > 3
        ? `${unique.slice(0, 3).join(", ")} and ${unique.length - 3} more`
        : unique.join(", ");
    return `"${image}" (${shown})`;
  });
  const images =
    described.length > IMAGES_SHOWN
      ? `${described.slice(0, IMAGES_SHOWN).join(", ")} and ${described.length - IMAGES_SHOWN} more`
      : described.join(", ");
  return [
    `notice: ${why}, so ${byImage.size === 1 ? "this image is" : "these images are"} ignored: ${images}${remedy ? `; ${remedy}` : ""}`,
  ];
}

export type LocalExecutorInput =
  | { readonly requested: "shell"; readonly imageJobs: readonly ImageJob[] }
  | {
      readonly requested: "docker" | undefined;
      readonly engine: EngineProbe;
      readonly imageJobs: readonly ImageJob[];
    };

export function chooseLocalExecutor(input: LocalExecutorInput): LocalExecutorChoice {
  switch (input.requested) {
    case "shell":
      return {
        imageJobs: "shell",
        notices: ignoredNotices(input.imageJobs, "--executor shell runs every job on this machine"),
      };
    case "docker": {
      const { engine } = input;
      if (!engine.answers) {
        // Not a usage error: the command is right, the machine lacks the engine it names.
        throw new RunfleetError(
          "UNAVAILABLE",
          `--executor docker: no Docker Engine API answers at ${engine.address}${engine.detail ? ` (${engine.detail})` : ""}`,
          { hint: HOW_TO_GET_AN_ENGINE },
        );
      }
      return { imageJobs: "docker", notices: [] };
    }
    case undefined: {
      const { engine, imageJobs } = input;
      if (engine.answers || imageJobs.length === 0)
        return { imageJobs: engine.answers ? "docker" : "shell", notices: [] };
      return {
        imageJobs: "shell",
        notices: ignoredNotices(
          imageJobs,
          `no Docker Engine API answers at ${engine.address}${engine.detail ? ` (${engine.detail})` : ""}, jobs run on this machine`,
          `to run jobs in their images, ${HOW_TO_GET_AN_ENGINE}`,
        ),
      };
    }
    default: {
      const never: never = input;
      return never;
    }
  }
}

/**
 * Asks the engine at `DOCKER_HOST` (or the default socket) for `_ping`, within `timeoutMs`. A remote
 * engine does not count: the executor mounts the build directory from this machine.
 */
export async function probeEngine(dockerHost: string | undefined, timeoutMs = 2_000): Promise<EngineProbe> {
  let address: string = dockerHost ?? DEFAULT_DOCKER_HOST;
  try {
    const parsed = parseDockerHost(dockerHost);
    address = describeEngine(parsed);
    if (!isLocalEngine(parsed))
      return { answers: false, address, detail: "a remote engine; jobs need one on this machine" };
    const client = new HttpDockerClient(parsed);
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([client.ping(), timeout]).finally(() => clearTimeout(timer));
      return { answers: true, address };
    } finally {
      client.close();
    }
  } catch (err) {
    return { answers: false, address, detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * One executor for a local run that hands jobs with an `image:` to one executor and the others to
 * another; it knows neither, only the payload's image.
 */
export class ImageRoutedExecutor implements Executor {
  readonly name: string;

  constructor(
    private readonly withImage: Executor,
    private readonly withoutImage: Executor,
  ) {
    this.name = `${withImage.name}+${withoutImage.name}`;
  }

  private route(job: ExecutorJob): Executor {
    return job.payload.image ? this.withImage : this.withoutImage;
  }

  nameFor(job: ExecutorJob): string {
    return this.route(job).name;
  }

  prepare(job: ExecutorJob): Promise<JobEnvironment> {
    return this.route(job).prepare(job);
  }

  async close(): Promise<void> {
    await Promise.all([this.withImage.close?.(), this.withoutImage.close?.()]);
  }
}
