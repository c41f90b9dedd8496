/**
 * Container-create bodies, one pure function per kind of container and small helpers per concern
 * (labels, entrypoint, resources, volumes, network). No I/O: what the engine is asked for can be read
 * and tested here; the executor only sends it.
 */
import type { JobImage } from "../../protocol/index.js";
import type { ContainerCreateBody, HostConfig } from "./docker-client.js";
import type { DockerSettings } from "./docker-settings.js";

export const LABEL_MANAGED = "io.runfleet.managed";
export const LABEL_JOB = "io.runfleet.job";
export const LABEL_EXECUTOR = "io.runfleet.executor";
export const LABEL_ROLE = "io.runfleet.role";

export interface JobLabels {
  /** Unique per prepared job: every container and network of the job carries it. */
  readonly jobKey: string;
  /** Unique per executor instance: what a shutdown sweep removes. */
  readonly executorKey: string;
  readonly jobId: number;
  readonly projectPath: string;
}

export function labelsFor(job: JobLabels, role: "build" | "service"): Record<string, string> {
  return {
    [LABEL_MANAGED]: "true",
    [LABEL_JOB]: job.jobKey,
    [LABEL_EXECUTOR]: job.executorKey,
    [LABEL_ROLE]: role,
    "io.runfleet.job.id": String(job.jobId),
    "io.runfleet.project": job.projectPath,
  };
}

/**
 * GitLab's entrypoint rule: no `entrypoint:` keeps the image's own (it must end in running the
 * command it is given); `entrypoint: [""]` (or `[]`) removes it; anything else replaces it.
 */
export function entrypointFor(image: Pick<JobImage, "entrypoint">): { Entrypoint?: readonly string[] } {
  const e = image.entrypoint;
  if (e === undefined) return {};
  if (e.length === 0 || (e.length === 1 && e[0] === "")) return { Entrypoint: [""] };
  return { Entrypoint: e };
}

/** `/path` alone is a volume that lives and dies with the container; `a:b[:ro]` is a bind mount. */
export function splitVolumes(volumes: readonly string[]): { binds: string[]; anonymous: string[] } {
  const binds: string[] = [];
  const anonymous: string[] = [];
  for (const v of volumes) (v.includes(":") ? binds : anonymous).push(v);
  return { binds, anonymous };
}

export interface NetworkPlacement {
  /** The job's own network (jobs with services), else the runner's `network_mode`, else the default. */
  readonly network: string | undefined;
  /** `alias:ip` entries, so service names resolve without the engine's DNS plugin. */
  readonly extraHosts: readonly string[];
}

function hostConfig(
  settings: DockerSettings,
  placement: NetworkPlacement,
  binds: readonly string[],
  withResources: boolean,
): HostConfig {
  return {
    ...(binds.length > 0 ? { Binds: binds } : {}),
    ...(placement.network ? { NetworkMode: placement.network } : {}),
    ...(placement.extraHosts.length > 0 ? { ExtraHosts: placement.extraHosts } : {}),
    ...(withResources && settings.memoryBytes !== undefined ? { Memory: settings.memoryBytes } : {}),
    ...(withResources && settings.nanoCpus !== undefined ? { NanoCpus: settings.nanoCpus } : {}),
    Privileged: false,
    AutoRemove: false,
  };
}

export interface BuildContainerInput {
  readonly image: string;
  readonly jobImage: Pick<JobImage, "entrypoint">;
  readonly labels: Record<string, string>;
  readonly settings: DockerSettings;
  readonly placement: NetworkPlacement;
  /** Host directories → their place under `/builds`: the project directory and its temp directory. */
  readonly mounts: readonly { readonly host: string; readonly container: string }[];
  readonly workingDir: string;
  /** The stage script's path inside the container. */
  readonly scriptPath: string;
}

/**
 * The container one stage script runs in: the job image, `sh <script>`, and only this job's project and
 * temp directories mounted (not the whole builds directory: other slots' jobs stay out of sight).
 */
export function buildContainerBody(input: BuildContainerInput): ContainerCreateBody {
  const { binds, anonymous } = splitVolumes(input.settings.volumes);
  return {
    Image: input.image,
    ...entrypointFor(input.jobImage),
    Cmd: ["sh", input.scriptPath],
    WorkingDir: input.workingDir,
    Labels: input.labels,
    Tty: false,
    ...(anonymous.length > 0 ? { Volumes: Object.fromEntries(anonymous.map((v) => [v, {}])) } : {}),
    HostConfig: hostConfig(
      input.settings,
      input.placement,
      [...input.mounts.map((m) => `${m.host}:${m.container}`), ...binds],
      true,
    ),
  };
}

export interface ServiceContainerInput {
  readonly image: string;
  readonly service: JobImage;
  readonly aliases: readonly string[];
  readonly labels: Record<string, string>;
  readonly settings: DockerSettings;
  readonly network: string | undefined;
  /** The job's variables (`KEY=value`); the service's own `variables` override them. */
  readonly jobEnv: readonly string[];
}

export function serviceContainerBody(input: ServiceContainerInput): ContainerCreateBody {
  const own = (input.service.variables ?? []).map((v) => `${v.key}=${v.value}`);
  const ports = (input.service.ports ?? []).map((p) => `${p.number}/${p.protocol ?? "tcp"}`);
  return {
    Image: input.image,
    ...entrypointFor(input.service),
    ...(input.service.command && input.service.command.length > 0 ? { Cmd: input.service.command } : {}),
    Env: [...input.jobEnv, ...own],
    Labels: input.labels,
    Tty: false,
    ...(ports.length > 0 ? { ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])) } : {}),
    HostConfig: hostConfig(input.settings, { network: input.network, extraHosts: [] }, [], false),
    ...(input.network && input.aliases.length > 0
      ? { NetworkingConfig: { EndpointsConfig: { [input.network]: { Aliases: input.aliases } } } }
      : {}),
  };
}

/** TCP ports to wait for: the service's declared `ports`, else what its image EXPOSEs. */
export function portsToWaitFor(service: JobImage, exposed: readonly string[]): number[] {
  const declared = (service.ports ?? []).filter((p) => (p.protocol ?? "tcp") === "tcp").map((p) => p.number);
  const fromImage = exposed
    .map((e) => e.split("/"))
    .filter(([, proto]) => (proto ?? "tcp") === "tcp")
    .map(([port]) => Number(port))
    .filter((n) => Number.isInteger(n) && n > 0);
  return [...new Set(declared.length > 0 ? declared : fromImage)];
}
