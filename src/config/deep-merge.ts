import type { YEntry, YMap, YNode } from "./yaml-tree.js";

/**
 * GitLab's deep merge for `include:` and `extends:`: mappings merge key by key, anything else
 * (lists included) is replaced by the overriding value.
 */
export function deepMerge(base: YNode, override: YNode): YNode {
  if (base.kind !== "map" || override.kind !== "map") return override;
  return mergeMaps(base, override);
}

export function mergeMaps(base: YMap, override: YMap): YMap {
  const entries = new Map<string, YEntry>(base.entries);
  for (const [key, entry] of override.entries) {
    const prior = entries.get(key);
    entries.set(
      key,
      prior === undefined ? entry : { keyPos: entry.keyPos, value: deepMerge(prior.value, entry.value) },
    );
  }
  return { kind: "map", entries, pos: override.pos };
}
