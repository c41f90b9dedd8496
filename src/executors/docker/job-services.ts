/**
 * A job's services: started in the job's network under their aliases, then waited for until their ports
 * answer. Returns the `alias:ip` host entries the build containers get, so the aliases resolve even
 * where the engine's network has no DNS (podman with CNI and no dnsname plugin).
 */
import type { JobImage } from "../../protocol/index.js";
import { type JobLabels, labelsFor, portsToWaitFor, serviceContainerBody } from "./container-specs.js";
import type { DockerClient } from "./docker-client.js";
import type { DockerSettings } from "./docker-settings.js";
import type { PulledImage } from "./image-puller.js";
import { serviceAliases } from "./service-aliases.js";
import { waitForService } from "./service-wait.js";

export interface ServicesInput {
  readonly client: DockerClient;
  readonly services: readonly { readonly service: JobImage; readonly image: PulledImage }[];
  readonly labels: JobLabels;
  readonly settings: DockerSettings;
  readonly network: string | undefined;
  readonly jobEnv: readonly string[];
  readonly namePrefix: string;
  readonly track: (id: string) => void;
  readonly log: (line: string) => void;
}

async function startOne(input: ServicesInput, index: number): Promise<string[]> {
  const entry = input.services[index];
  if (entry === undefined) return [];
  const { service, image } = entry;
  const aliases = serviceAliases(service);
  const id = await input.client.createContainer(
    `${input.namePrefix}-svc-${index}`,
    serviceContainerBody({
      image: image.ref,
      service,
      aliases,
      labels: labelsFor(input.labels, "service"),
      settings: input.settings,
      network: input.network,
      jobEnv: input.jobEnv,
    }),
  );
  input.track(id);
  await input.client.startContainer(id);
  input.log(`Starting service ${service.name} as ${aliases.join(", ") || "(no alias)"}`);
  const state = await input.client.inspectContainer(id);
  const address =
    (input.network ? state.addresses[input.network] : undefined) ?? Object.values(state.addresses)[0];
  const ports = portsToWaitFor(service, image.info.exposedPorts);
  if (address !== undefined && ports.length > 0) {
    const result = await waitForService({
      address,
      ports,
      timeoutMs: input.settings.waitForServicesTimeoutSeconds * 1000,
      state: () => input.client.inspectContainer(id),
    });
    if (result.kind !== "ready") {
      const why =
        result.kind === "exited"
          ? `its container exited with code ${result.exitCode}`
          : `port ${result.port} did not answer within ${input.settings.waitForServicesTimeoutSeconds}s`;
      const tail = await input.client.logsTail(id, 20).catch(() => "");
      input.log(`*** WARNING: Service ${service.name} probably didn't start properly: ${why}`);
      if (tail.trim() !== "") input.log(`Last output of ${service.name}:\n${tail.trimEnd()}`);
      input.log("*********");
    }
  }
  return address === undefined ? [] : aliases.map((a) => `${a}:${address}`);
}

/** Starts every service in parallel and waits for all of them. */
export async function startServices(input: ServicesInput): Promise<string[]> {
  const hosts = await Promise.all(input.services.map((_, i) => startOne(input, i)));
  return hosts.flat();
}
