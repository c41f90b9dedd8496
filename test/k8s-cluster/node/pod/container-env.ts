import { RunfleetError } from "../../../../src/errors/index.js";
import type { Container, Pod } from "../kube/types.js";
import {
  type NodeAllocatable,
  type PodAddresses,
  resolveFieldRef,
  resolveResourceFieldRef,
} from "./field-ref.js";
import type { KeyValues, ResolvedObjects } from "./references.js";

/** Where pods reach the API server: the real one on loopback, since no kube-proxy serves 10.0.0.1. */
export interface ApiServerAddress {
  readonly host: string;
  readonly port: number;
}

export interface EnvContext {
  readonly pod: Pod;
  readonly objects: ResolvedObjects;
  readonly addresses: PodAddresses;
  readonly allocatable: NodeAllocatable;
  readonly apiServer: ApiServerAddress;
}

/** The service-link variables a kubelet injects for the `kubernetes` Service, pointed at the real server. */
export function kubernetesServiceEnv(api: ApiServerAddress): Record<string, string> {
  const url = `tcp://${api.host}:${api.port}`;
  return {
    KUBERNETES_SERVICE_HOST: api.host,
    KUBERNETES_SERVICE_PORT: String(api.port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(api.port),
    KUBERNETES_PORT: url,
    KUBERNETES_PORT_443_TCP: url,
    KUBERNETES_PORT_443_TCP_PROTO: "tcp",
    KUBERNETES_PORT_443_TCP_PORT: String(api.port),
    KUBERNETES_PORT_443_TCP_ADDR: api.host,
  };
}

/** `$(VAR)` expansion as the kubelet does it: `$$` escapes, unknown references stay as written. */
export function expandReferences(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return "$";
    return Object.hasOwn(env, name) ? (env[name] ?? "") : whole;
  });
}

function lookup(
  kind: "ConfigMap" | "Secret",
  values: ReadonlyMap<string, KeyValues>,
  name: string,
  key: string | undefined,
  optional: boolean | undefined,
): KeyValues | Buffer | undefined {
  const object = values.get(name);
  if (!object) {
    if (optional) return undefined;
    throw new RunfleetError("CONFIG_INVALID", `${kind.toLowerCase()} "${name}" not found`);
  }
  if (key === undefined) return object;
  const value = object[key];
  if (value === undefined && !optional) {
    throw new RunfleetError("CONFIG_INVALID", `couldn't find key ${key} in ${kind} ${name}`);
  }
  return value;
}

/**
 * A container's environment in kubelet order: service links, then envFrom, then env (later wins),
 * each `value` expanded against what came before. Throws CONFIG_INVALID for a missing required
 * reference — the kubelet's CreateContainerConfigError.
 */
export function resolveContainerEnv(container: Container, ctx: EnvContext): Record<string, string> {
  const env: Record<string, string> = kubernetesServiceEnv(ctx.apiServer);
  for (const from of container.envFrom ?? []) {
    const source = from.configMapRef
      ? lookup(
          "ConfigMap",
          ctx.objects.configMaps,
          from.configMapRef.name,
          undefined,
          from.configMapRef.optional,
        )
      : from.secretRef
        ? lookup("Secret", ctx.objects.secrets, from.secretRef.name, undefined, from.secretRef.optional)
        : undefined;
    if (source && !Buffer.isBuffer(source)) {
      for (const [key, value] of Object.entries(source))
        env[`${from.prefix ?? ""}${key}`] = value.toString("utf8");
    }
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = expandReferences(variable.value ?? "", env);
      continue;
    }
    let value: string | undefined;
    if (from.fieldRef) value = resolveFieldRef(ctx.pod, from.fieldRef.fieldPath, ctx.addresses);
    else if (from.resourceFieldRef) {
      value = resolveResourceFieldRef(ctx.pod, container, from.resourceFieldRef, ctx.allocatable);
    } else if (from.secretKeyRef) {
      const ref = from.secretKeyRef;
      value = lookup("Secret", ctx.objects.secrets, ref.name, ref.key, ref.optional)?.toString("utf8");
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      value = lookup("ConfigMap", ctx.objects.configMaps, ref.name, ref.key, ref.optional)?.toString("utf8");
    }
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** The argv a container runs: command + args with `$(VAR)` expanded; empty means the image's default. */
export function resolveArgv(container: Container, env: Readonly<Record<string, string>>): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])].map((part) => expandReferences(part, env));
}
