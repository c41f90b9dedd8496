import { RunfleetError } from "../../../../src/errors/index.js";
import type {
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  ServiceAccountTokenProjection,
  Volume,
} from "../kube/types.js";
import {
  type NodeAllocatable,
  type PodAddresses,
  resolveFieldRef,
  resolveResourceFieldRef,
} from "../pod/field-ref.js";
import type { KeyValues, ResolvedObjects } from "../pod/references.js";

export interface ProjectedFile {
  /** Relative to the volume's root. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

/** What a volume becomes on disk: a writable shared directory, or a read-only set of files. */
export type VolumeContent =
  | { readonly kind: "emptyDir" }
  | { readonly kind: "files"; readonly files: readonly ProjectedFile[] };

/** A service-account token the pod's volumes need, keyed by volume and path. */
export interface TokenNeed {
  readonly key: string;
  readonly audience: string | undefined;
  readonly expirationSeconds: number;
}

export interface ProjectionContext {
  readonly pod: Pod;
  readonly objects: ResolvedObjects;
  readonly addresses: PodAddresses;
  readonly allocatable: NodeAllocatable;
  readonly tokens: ReadonlyMap<string, string>;
}

const defaultMode = 0o644;

export function tokenKey(volume: string, projection: ServiceAccountTokenProjection): string {
  return `${volume}/${projection.path}`;
}

export function tokenNeeds(pod: Pod): TokenNeed[] {
  const needs: TokenNeed[] = [];
  for (const volume of pod.spec.volumes ?? []) {
    for (const source of volume.projected?.sources ?? []) {
      const token = source.serviceAccountToken;
      if (!token) continue;
      needs.push({
        key: tokenKey(volume.name, token),
        audience: token.audience,
        expirationSeconds: token.expirationSeconds ?? 3600,
      });
    }
  }
  return needs;
}

function keyFiles(
  kind: string,
  name: string,
  values: KeyValues | undefined,
  items: readonly KeyToPath[] | undefined,
  optional: boolean | undefined,
  mode: number,
): ProjectedFile[] {
  if (!values) {
    if (optional) return [];
    throw new RunfleetError("CONFIG_INVALID", `${kind} "${name}" not found`);
  }
  if (!items) {
    return Object.entries(values).map(([key, content]) => ({ path: key, content, mode }));
  }
  const files: ProjectedFile[] = [];
  for (const item of items) {
    const content = values[item.key];
    if (content === undefined) {
      if (optional) continue;
      throw new RunfleetError("CONFIG_INVALID", `${kind} "${name}" has no key ${item.key}`);
    }
    files.push({ path: item.path, content, mode: item.mode ?? mode });
  }
  return files;
}

function downwardFiles(
  items: readonly DownwardAPIVolumeFile[] | undefined,
  ctx: ProjectionContext,
  mode: number,
): ProjectedFile[] {
  return (items ?? []).map((item) => {
    let value: string;
    if (item.fieldRef) value = resolveFieldRef(ctx.pod, item.fieldRef.fieldPath, ctx.addresses);
    else if (item.resourceFieldRef) {
      value = resolveResourceFieldRef(ctx.pod, undefined, item.resourceFieldRef, ctx.allocatable);
    } else throw new RunfleetError("BAD_REQUEST", `downwardAPI item ${item.path} has no fieldRef`);
    return { path: item.path, content: Buffer.from(value), mode: item.mode ?? mode };
  });
}

function checkPath(volume: string, path: string): void {
  if (path.startsWith("/") || path.split("/").includes("..")) {
    throw new RunfleetError("CONFIG_INVALID", `volume ${volume}: path ${path} must be relative without ..`);
  }
}

/** The files of one pod volume, computed from already-fetched objects. Pure. */
export function projectVolume(volume: Volume, ctx: ProjectionContext): VolumeContent {
  const { configMaps, secrets } = ctx.objects;
  let files: ProjectedFile[];
  if (volume.emptyDir) return { kind: "emptyDir" };
  if (volume.configMap) {
    const v = volume.configMap;
    files = keyFiles(
      "configmap",
      v.name,
      configMaps.get(v.name),
      v.items,
      v.optional,
      v.defaultMode ?? defaultMode,
    );
  } else if (volume.secret) {
    const v = volume.secret;
    const values = secrets.get(v.secretName);
    files = keyFiles("secret", v.secretName, values, v.items, v.optional, v.defaultMode ?? defaultMode);
  } else if (volume.downwardAPI) {
    files = downwardFiles(volume.downwardAPI.items, ctx, volume.downwardAPI.defaultMode ?? defaultMode);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? defaultMode;
    files = (volume.projected.sources ?? []).flatMap((source): ProjectedFile[] => {
      if (source.configMap) {
        const s = source.configMap;
        return keyFiles("configmap", s.name, configMaps.get(s.name), s.items, s.optional, mode);
      }
      if (source.secret) {
        const s = source.secret;
        return keyFiles("secret", s.name, secrets.get(s.name), s.items, s.optional, mode);
      }
      if (source.downwardAPI) return downwardFiles(source.downwardAPI.items, ctx, mode);
      if (source.serviceAccountToken) {
        const token = ctx.tokens.get(tokenKey(volume.name, source.serviceAccountToken));
        if (token === undefined) {
          throw new RunfleetError("INTERNAL", `no service-account token fetched for volume ${volume.name}`);
        }
        return [{ path: source.serviceAccountToken.path, content: Buffer.from(token), mode }];
      }
      return [];
    });
  } else {
    const kind = Object.keys(volume).find((key) => key !== "name") ?? "unknown";
    throw new RunfleetError(
      "CONFIG_INVALID",
      `volume ${volume.name}: ${kind} volumes are not supported on this node`,
      {
        hint: "Fargate nodes support emptyDir, configMap, secret, downwardAPI and projected volumes",
      },
    );
  }
  for (const file of files) checkPath(volume.name, file.path);
  return { kind: "files", files };
}
