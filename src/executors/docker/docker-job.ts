/**
 * One prepared job on the engine: its stages run each in a fresh container from the job image, with the
 * host-side build directory mounted at `/builds`. Everything the job created (containers, its network)
 * is tracked and labelled, and `cleanup` removes it all, then sweeps by label for anything a failed
 * call may have left behind.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { SourcesSpec, StageName } from "../../jobscript/index.js";
import type { JobEnvironment, StageIo, StageOutcome } from "../types.js";
import {
  buildContainerBody,
  type JobLabels,
  LABEL_JOB,
  labelsFor,
  type NetworkPlacement,
} from "./container-specs.js";
import type { DockerClient } from "./docker-client.js";
import type { DockerSettings } from "./docker-settings.js";
import { getHostSources } from "./host-git-sources.js";
import { runStageContainer } from "./stage-container.js";

export const CONTAINER_BUILDS_DIR = "/builds";

/** The host directory standing for a path under /builds. */
export function hostPathOf(hostBuildsDir: string, containerPath: string): string {
  return join(hostBuildsDir, relative(CONTAINER_BUILDS_DIR, containerPath));
}

export interface DockerJobInit {
  readonly client: DockerClient;
  readonly settings: DockerSettings;
  readonly labels: JobLabels;
  readonly image: string;
  readonly entrypoint: readonly string[] | undefined;
  readonly namePrefix: string;
  /** The host directory that stands for /builds. */
  readonly hostBuildsDir: string;
  /** `CI_PROJECT_DIR` as the job sees it, under /builds. */
  readonly projectDir: string;
}

export class JobResources {
  readonly containers = new Set<string>();
  readonly networks = new Set<string>();

  constructor(
    private readonly client: DockerClient,
    private readonly jobKey: string,
  ) {}

  /** Removes every container and network of the job; safe to call more than once. */
  async release(): Promise<void> {
    const found = await this.client.listContainers(LABEL_JOB, this.jobKey).catch(() => []);
    const containers = new Set([...this.containers, ...found]);
    await Promise.all([...containers].map((id) => this.client.removeContainer(id).catch(() => undefined)));
    this.containers.clear();
    const nets = await this.client.listNetworks(LABEL_JOB, this.jobKey).catch(() => []);
    for (const net of new Set([...this.networks, ...nets]))
      await this.client.removeNetwork(net).catch(() => undefined);
    this.networks.clear();
  }
}

export class DockerJobEnvironment implements JobEnvironment {
  readonly shell = "sh";
  // Like GitLab's docker executor: the environment (the container) is thrown away after the job.
  readonly shared = false;
  readonly buildsDir = CONTAINER_BUILDS_DIR;
  readonly projectDir: string;
  readonly tempDir: string;
  readonly hostProjectDir: string;
  private readonly hostTempDir: string;
  private notices: string[];
  private stageCount = 0;

  constructor(
    private readonly init: DockerJobInit,
    private readonly resources: JobResources,
    private readonly placement: NetworkPlacement,
    notices: readonly string[],
  ) {
    this.projectDir = init.projectDir;
    this.tempDir = `${this.projectDir}.tmp`;
    this.hostProjectDir = hostPathOf(init.hostBuildsDir, init.projectDir);
    this.hostTempDir = `${this.hostProjectDir}.tmp`;
    this.notices = [...notices];
  }

  /** What prepare found worth telling (pulls, services), shown in the first stage with output. */
  private flushNotices(io: StageIo): void {
    if (this.notices.length === 0) return;
    io.sink(Buffer.from(`${this.notices.join("\n")}\n`));
    this.notices = [];
  }

  getSources(spec: SourcesSpec, io: StageIo): Promise<StageOutcome> {
    this.flushNotices(io);
    return getHostSources({ hostDir: this.hostProjectDir, jobDir: this.projectDir }, spec, io);
  }

  async runScript(stage: StageName, script: string, io: StageIo): Promise<StageOutcome> {
    this.flushNotices(io);
    const hostScript = join(this.hostTempDir, `${stage}.sh`);
    await mkdir(dirname(hostScript), { recursive: true });
    await mkdir(this.hostProjectDir, { recursive: true });
    const mounts = [
      { host: this.hostProjectDir, container: this.projectDir },
      { host: this.hostTempDir, container: this.tempDir },
    ];
    await writeFile(hostScript, `exec 2>&1\n${script}`, { mode: 0o700 });
    this.stageCount += 1;
    return runStageContainer(
      {
        client: this.init.client,
        name: `${this.init.namePrefix}-${this.stageCount}-${stage.replaceAll("_", "-")}`,
        body: buildContainerBody({
          image: this.init.image,
          jobImage: this.init.entrypoint === undefined ? {} : { entrypoint: this.init.entrypoint },
          labels: labelsFor(this.init.labels, "build"),
          settings: this.init.settings,
          placement: this.placement,
          mounts,
          workingDir: this.projectDir,
          scriptPath: `${this.tempDir}/${stage}.sh`,
        }),
        track: (id) => this.resources.containers.add(id),
      },
      io,
    );
  }

  async cleanup(): Promise<void> {
    await this.resources.release();
    // File variables may hold secrets: they never outlive the job.
    await rm(this.hostTempDir, { recursive: true, force: true });
  }
}
