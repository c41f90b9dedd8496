import type { ConfigMap, Pod, Secret } from "../kube/types.js";

/** ConfigMaps and Secrets a pod's env and volumes name, so the worker can fetch them first. */
export interface PodReferences {
  readonly configMaps: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
}

export type KeyValues = Readonly<Record<string, Buffer>>;

/** What the fetch found: missing objects are absent (optional references tolerate that). */
export interface ResolvedObjects {
  readonly configMaps: ReadonlyMap<string, KeyValues>;
  readonly secrets: ReadonlyMap<string, KeyValues>;
}

export function collectReferences(pod: Pod): PodReferences {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const env of c.env ?? []) {
      if (env.valueFrom?.configMapKeyRef) configMaps.add(env.valueFrom.configMapKeyRef.name);
      if (env.valueFrom?.secretKeyRef) secrets.add(env.valueFrom.secretKeyRef.name);
    }
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) configMaps.add(from.configMapRef.name);
      if (from.secretRef) secrets.add(from.secretRef.name);
    }
  }
  for (const volume of pod.spec.volumes ?? []) {
    if (volume.configMap) configMaps.add(volume.configMap.name);
    if (volume.secret) secrets.add(volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap) configMaps.add(source.configMap.name);
      if (source.secret) secrets.add(source.secret.name);
    }
  }
  return { configMaps, secrets };
}

export function configMapValues(configMap: ConfigMap): KeyValues {
  const values: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(configMap.data ?? {})) values[key] = Buffer.from(value, "utf8");
  for (const [key, value] of Object.entries(configMap.binaryData ?? {}))
    values[key] = Buffer.from(value, "base64");
  return values;
}

export function secretValues(secret: Secret): KeyValues {
  const values: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) values[key] = Buffer.from(value, "base64");
  return values;
}
