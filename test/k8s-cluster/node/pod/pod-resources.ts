import { join } from "node:path";
import { RunfleetError, toRunfleetError } from "../../../../src/errors/index.js";
import { abortableSleep } from "../fargate/abortable-sleep.js";
import { isApiStatus } from "../kube/kube-api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { ConfigMap, Container, Pod, Secret } from "../kube/types.js";
import type { MountSpec } from "../runtimes/pod-runtime.js";
import { type ProjectionContext, projectVolume, tokenNeeds } from "../volumes/project-volume.js";
import { writeVolume } from "../volumes/write-volume.js";
import type { NodeAllocatable, PodAddresses } from "./field-ref.js";
import {
  collectReferences,
  configMapValues,
  type KeyValues,
  type ResolvedObjects,
  secretValues,
} from "./references.js";

interface TokenRequestStatus {
  readonly status: { readonly token: string; readonly expirationTimestamp: string };
}

/**
 * The pod's API-side inputs: the ConfigMaps and Secrets it names (readable by this node only once
 * the pod is bound to it), its service-account tokens (TokenRequest bound to the pod), and the
 * volumes written from them under the pod's folder.
 */
export class PodResources {
  objects: ResolvedObjects = { configMaps: new Map(), secrets: new Map() };
  private tokens = new Map<string, string>();
  /** Seconds until the first token should be refreshed; undefined without tokens. */
  refreshAfterSeconds: number | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly pod: Pod,
    readonly podDir: string,
    private readonly addresses: PodAddresses,
    private readonly allocatable: NodeAllocatable,
  ) {}

  private get namespace(): string {
    return this.pod.metadata.namespace ?? "default";
  }

  /**
   * Fetches what the volumes need and writes them, retrying every 2 s until it works or `signal`
   * aborts; `problem` hears each distinct failure once. Starts the token refresh on success.
   */
  async prepareUntilReady(signal: AbortSignal, problem: (message: string) => void): Promise<boolean> {
    let lastMessage = "";
    while (!signal.aborted) {
      try {
        await this.fetchObjects();
        await this.fetchTokens();
        this.writeVolumes();
        this.scheduleTokenRefresh();
        return true;
      } catch (err) {
        const message = toRunfleetError(err).message;
        if (message !== lastMessage) {
          lastMessage = message;
          problem(message);
        }
        await abortableSleep(2000, signal);
      }
    }
    return false;
  }

  stopTokenRefresh(): void {
    clearTimeout(this.refreshTimer);
  }

  /** The kubelet rewrites projected tokens at 80% of their life; so does the agent. */
  private scheduleTokenRefresh(): void {
    const after = this.refreshAfterSeconds;
    if (after === undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.fetchTokens()
        .then(() => this.writeVolumes(true))
        .catch(() => undefined)
        .finally(() => this.scheduleTokenRefresh());
    }, after * 1000);
    this.refreshTimer.unref();
  }

  async fetchObjects(): Promise<void> {
    const refs = collectReferences(this.pod);
    const configMaps = new Map<string, KeyValues>();
    const secrets = new Map<string, KeyValues>();
    const base = `/api/v1/namespaces/${this.namespace}`;
    await Promise.all([
      ...[...refs.configMaps].map(async (name) => {
        const found = await this.getOptional<ConfigMap>(`${base}/configmaps/${name}`);
        if (found) configMaps.set(name, configMapValues(found));
      }),
      ...[...refs.secrets].map(async (name) => {
        const found = await this.getOptional<Secret>(`${base}/secrets/${name}`);
        if (found) secrets.set(name, secretValues(found));
      }),
    ]);
    this.objects = { configMaps, secrets };
  }

  async fetchTokens(): Promise<void> {
    const needs = tokenNeeds(this.pod);
    const account = this.pod.spec.serviceAccountName ?? "default";
    const tokens = new Map<string, string>();
    let shortest: number | undefined;
    for (const need of needs) {
      const response = await this.client.call<TokenRequestStatus>(
        "POST",
        `/api/v1/namespaces/${this.namespace}/serviceaccounts/${account}/token`,
        {
          body: {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenRequest",
            spec: {
              ...(need.audience ? { audiences: [need.audience] } : {}),
              expirationSeconds: need.expirationSeconds,
              boundObjectRef: {
                apiVersion: "v1",
                kind: "Pod",
                name: this.pod.metadata.name,
                uid: this.pod.metadata.uid,
              },
            },
          },
        },
      );
      tokens.set(need.key, response.status.token);
      const ttl = (new Date(response.status.expirationTimestamp).getTime() - Date.now()) / 1000;
      shortest = Math.min(shortest ?? ttl, ttl);
    }
    this.tokens = tokens;
    // The kubelet refreshes at 80% of a token's life.
    this.refreshAfterSeconds = shortest === undefined ? undefined : Math.max(1, shortest * 0.8);
  }

  /** Writes every volume; with `onlyTokens`, rewrites just the volumes holding tokens (refresh). */
  writeVolumes(onlyTokens = false): void {
    const ctx: ProjectionContext = {
      pod: this.pod,
      objects: this.objects,
      addresses: this.addresses,
      allocatable: this.allocatable,
      tokens: this.tokens,
    };
    for (const volume of this.pod.spec.volumes ?? []) {
      if (onlyTokens && !volume.projected?.sources?.some((s) => s.serviceAccountToken)) continue;
      writeVolume(this.volumeDir(volume.name), projectVolume(volume, ctx));
    }
  }

  mountsFor(container: Container): MountSpec[] {
    return (container.volumeMounts ?? []).map((mount) => {
      const volume = this.pod.spec.volumes?.find((v) => v.name === mount.name);
      if (!volume) {
        throw new RunfleetError(
          "CONFIG_INVALID",
          `container ${container.name} mounts unknown volume ${mount.name}`,
        );
      }
      const base = this.volumeDir(mount.name);
      return {
        hostPath: mount.subPath ? join(base, mount.subPath) : base,
        containerPath: mount.mountPath,
        // Only emptyDir is writable; API-projected content is read-only in a real pod too.
        readOnly: mount.readOnly === true || volume.emptyDir === undefined,
      };
    });
  }

  private volumeDir(name: string): string {
    return join(this.podDir, "volumes", name);
  }

  private async getOptional<T>(path: string): Promise<T | undefined> {
    try {
      return await this.client.call<T>("GET", path);
    } catch (err) {
      if (isApiStatus(404, err)) return undefined;
      throw err;
    }
  }
}

/**
 * The last step of graceful deletion, as the kubelet does it: grace 0 with the uid as
 * precondition, so the pod disappears and a recreated one of the same name is left alone.
 */
export async function deletePodNow(client: KubeClient, pod: Pod): Promise<void> {
  const namespace = pod.metadata.namespace ?? "default";
  try {
    await client.call("DELETE", `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`, {
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      },
    });
  } catch (err) {
    if (!isApiStatus(404, err) && !isApiStatus(409, err)) throw err;
  }
}
