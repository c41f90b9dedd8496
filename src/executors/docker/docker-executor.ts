/**
 * The docker executor: each job in its own `image:` with its `services:`, on a Docker Engine API
 * (Docker or podman). With a local engine the runner keeps the build directory on the host and mounts
 * it, so sources, cache and artifacts move on the host side and the image needs only a POSIX `sh`.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { RunfleetError } from "../../errors/index.js";
import { expandVariables } from "../../jobscript/index.js";
import type { JobImage, JobPayload, PullPolicy } from "../../protocol/index.js";
import { projectDirFor } from "../clone-path.js";
import type { Executor, ExecutorFactory, ExecutorJob, ExecutorSettings, JobEnvironment } from "../types.js";
import { checkImageAllowed } from "./allowed-images.js";
import { type JobLabels, LABEL_EXECUTOR, LABEL_JOB } from "./container-specs.js";
import type { DockerClient } from "./docker-client.js";
import { describeEngine, isLocalEngine, parseDockerHost } from "./docker-host.js";
import { CONTAINER_BUILDS_DIR, DockerJobEnvironment, hostPathOf, JobResources } from "./docker-job.js";
import { type DockerSettings, parseDockerSettings } from "./docker-settings.js";
import { HttpDockerClient } from "./http-docker-client.js";
import { ensureImage, type PulledImage } from "./image-puller.js";
import { startServices } from "./job-services.js";
import { resolvePullPolicies } from "./pull-policy.js";

export interface DockerExecutorOptions {
  /** Pull policy when neither job nor runner sets one: `always` registered, `if-not-present` locally. */
  readonly defaultPullPolicy: PullPolicy;
  /** The engine client; by default one for `[runners.docker] host` or `DOCKER_HOST`. */
  readonly client?: DockerClient;
  readonly env?: NodeJS.ProcessEnv;
}

function variable(payload: JobPayload, key: string): string | undefined {
  return [...payload.variables].reverse().find((v) => v.key === key)?.value;
}

/**
 * GitLab Runner expands the job's variables in image and service names and aliases
 * (`image: $BUILD_IMAGE`, `name: postgres:$PG_VERSION`), once, before anything is pulled.
 */
export function expandImage(image: JobImage, payload: JobPayload): JobImage {
  const lookup = (key: string) => variable(payload, key);
  const name = expandVariables(image.name, lookup);
  const alias = image.alias === undefined ? undefined : expandVariables(image.alias, lookup);
  return { ...image, name, ...(alias === undefined ? {} : { alias }) };
}

export class DockerExecutor implements Executor {
  readonly name = "docker";
  readonly runsImages = true;
  readonly settings: DockerSettings;
  private readonly client: DockerClient;
  private readonly ownsClient: boolean;
  private readonly buildsRoot: string;
  private readonly customBuildDir: boolean;
  private readonly executorKey = randomBytes(6).toString("hex");
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    settings: ExecutorSettings,
    private readonly options: DockerExecutorOptions,
  ) {
    this.settings = parseDockerSettings(settings.section);
    this.env = options.env ?? process.env;
    const address = parseDockerHost(this.settings.host ?? this.env.DOCKER_HOST);
    if (!isLocalEngine(address)) {
      throw new RunfleetError(
        "CONFIG_INVALID",
        `the docker executor needs an engine on this machine; ${describeEngine(address)} is remote`,
        {
          hint: "use a unix socket or tcp://127.0.0.1; remote engines need a helper container that is not built yet",
        },
      );
    }
    this.client = options.client ?? new HttpDockerClient(address);
    this.ownsClient = options.client === undefined;
    this.buildsRoot = resolve(settings.buildsDir ?? join(process.cwd(), "builds"));
    this.customBuildDir = settings.customBuildDir === true;
  }

  private policies(image: JobImage): readonly PullPolicy[] {
    return resolvePullPolicies({
      job: image.pull_policy,
      runner: this.settings.pullPolicy,
      allowed: this.settings.allowedPullPolicies,
      fallback: this.options.defaultPullPolicy,
    });
  }

  async prepare(job: ExecutorJob): Promise<JobEnvironment> {
    const payload = {
      ...job.payload,
      image: job.payload.image === null ? null : expandImage(job.payload.image, job.payload),
      services: job.payload.services.map((s) => expandImage(s, job.payload)),
    };
    // Checked before anything is pulled or created: a bad GIT_CLONE_PATH is a config error of the job.
    const projectDir = projectDirFor(job, CONTAINER_BUILDS_DIR, this.customBuildDir);
    const imageName = payload.image?.name ?? this.settings.image;
    if (imageName === undefined || imageName.trim() === "") {
      throw new RunfleetError(
        "CONFIG_INVALID",
        "the job has no image: and [runners.docker] sets no default image",
        {
          hint: "add image: to the job (or default:), or set image in [runners.docker] (runfleet run: --image)",
        },
      );
    }
    const jobImage: JobImage = payload.image ?? { name: imageName };
    checkImageAllowed(imageName, this.settings.allowedImages, "image");
    for (const s of payload.services) checkImageAllowed(s.name, this.settings.allowedServices, "service");

    const notices: string[] = [];
    const log = (line: string): void => {
      notices.push(line);
    };
    const auth = {
      jobAuthConfig: variable(payload, "DOCKER_AUTH_CONFIG"),
      runnerAuthConfig: this.env.DOCKER_AUTH_CONFIG,
      credentials: payload.credentials,
    };
    // A pull that hangs must not hold the job past its timeout (stages are bounded by the runner).
    const timeoutSeconds = payload.runner_info.timeout > 0 ? payload.runner_info.timeout : 3600;
    const pullTimeout = new AbortController();
    const timer = setTimeout(
      () =>
        pullTimeout.abort(
          new RunfleetError(
            "UNAVAILABLE",
            `pulling the job's images took longer than the job's timeout (${timeoutSeconds}s)`,
          ),
        ),
      timeoutSeconds * 1000,
    );
    const pull = (image: JobImage): Promise<PulledImage> =>
      ensureImage(this.client, {
        name: image.name,
        policies: this.policies(image),
        rewrites: this.settings.imageRewrites,
        auth,
        log,
        signal: pullTimeout.signal,
      });
    const [main, ...serviceImages] = await Promise.all([
      pull(jobImage),
      ...payload.services.map(pull),
    ]).finally(() => clearTimeout(timer));
    if (main === undefined) throw new RunfleetError("INTERNAL", "no image was resolved for the job");

    const jobKey = `${payload.id}-${randomBytes(4).toString("hex")}`;
    const labels: JobLabels = {
      jobKey,
      executorKey: this.executorKey,
      jobId: payload.id,
      projectPath: payload.job_info.project_full_path ?? payload.job_info.project_name,
    };
    const namePrefix = `runfleet-job-${jobKey}`;
    const resources = new JobResources(this.client, jobKey);
    try {
      let network = this.settings.networkMode;
      if (payload.services.length > 0 && network === undefined) {
        network = namePrefix;
        resources.networks.add(
          await this.client.createNetwork(network, {
            [LABEL_JOB]: jobKey,
            [LABEL_EXECUTOR]: this.executorKey,
            "io.runfleet.managed": "true",
          }),
        );
      }
      const extraHosts = await startServices({
        client: this.client,
        services: payload.services.map((service, i) => {
          const image = serviceImages[i];
          if (image === undefined)
            throw new RunfleetError("INTERNAL", `service ${service.name} has no image`);
          return { service, image };
        }),
        labels,
        settings: this.settings,
        network,
        jobEnv: payload.variables.filter((v) => !v.file).map((v) => `${v.key}=${v.value}`),
        namePrefix,
        track: (id) => resources.containers.add(id),
        log,
      });
      await mkdir(hostPathOf(this.buildsRoot, projectDir), { recursive: true });
      log(`Using docker image ${main.ref} ${main.info.id.slice(0, 19)}`);
      return new DockerJobEnvironment(
        {
          client: this.client,
          settings: this.settings,
          labels,
          image: main.ref,
          entrypoint: jobImage.entrypoint,
          namePrefix,
          hostBuildsDir: this.buildsRoot,
          projectDir,
        },
        resources,
        { network, extraHosts },
        notices,
      );
    } catch (err) {
      await resources.release();
      throw err;
    }
  }

  /** Removes whatever this executor still has on the engine (jobs cut short by a shutdown). */
  async close(): Promise<void> {
    const containers = await this.client.listContainers(LABEL_EXECUTOR, this.executorKey).catch(() => []);
    await Promise.all(containers.map((id) => this.client.removeContainer(id).catch(() => undefined)));
    const networks = await this.client.listNetworks(LABEL_EXECUTOR, this.executorKey).catch(() => []);
    for (const n of networks) await this.client.removeNetwork(n).catch(() => undefined);
    if (this.ownsClient) this.client.close();
  }
}

/** The executor registered runners use: GitLab Runner's default pull policy, `always`. */
export const createDockerExecutor: ExecutorFactory = (settings: ExecutorSettings) =>
  new DockerExecutor(settings, { defaultPullPolicy: "always" });

/** For `runfleet run`: `if-not-present`, so images built on this machine just work. */
export const createLocalDockerExecutor: ExecutorFactory = (settings: ExecutorSettings) =>
  new DockerExecutor(settings, { defaultPullPolicy: "if-not-present" });
