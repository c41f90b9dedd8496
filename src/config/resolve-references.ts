import { deepMerge } from "./deep-merge.js";
import { child, type Problems } from "./problems.js";
import type { YEntry, YMap, YNode, YReference } from "./yaml-tree.js";

/** GitLab stops following `!reference` chains this deep. */
export const MAX_REFERENCE_DEPTH = 10;

/**
 * Replaces every `!reference [job, key, ...]` with the node it names, in the merged config (after
 * includes, before `extends`). References inside referenced nodes are followed; a chain that comes
 * back to itself is an error, never a hang.
 */
export function resolveReferences(root: YMap, problems: Problems): YMap {
  const resolver = new Resolver(root, problems);
  const entries = new Map<string, YEntry>();
  for (const [key, entry] of root.entries)
    entries.set(key, { keyPos: entry.keyPos, value: resolver.walk(entry.value, key, []) });
  return { ...root, entries };
}

class Resolver {
  constructor(
    private readonly root: YMap,
    private readonly problems: Problems,
  ) {}

  /**
   * A top-level entry as `extends` will make it, so a reference may name a key the job inherits.
   * References inside stay unresolved here; `walk` resolves them after the lookup.
   */
  private jobView(name: string, seen: readonly string[]): YNode | undefined {
    const node = this.root.entries.get(name)?.value;
    if (node?.kind !== "map" || seen.includes(name) || seen.length > MAX_REFERENCE_DEPTH) return node;
    const parents = node.entries.get("extends")?.value;
    if (parents === undefined) return node;
    const names = parents.kind === "seq" ? parents.items : [parents];
    let merged: YNode | undefined;
    for (const p of names) {
      if (p.kind !== "scalar" || typeof p.value !== "string") continue;
      const view = this.jobView(p.value, [...seen, name]);
      if (view !== undefined) merged = merged === undefined ? view : deepMerge(merged, view);
    }
    return merged === undefined ? node : deepMerge(merged, node);
  }

  walk(node: YNode, path: string, chain: readonly string[]): YNode {
    switch (node.kind) {
      case "scalar":
        return node;
      case "seq":
        return { ...node, items: node.items.map((item, i) => this.walk(item, child(path, i), chain)) };
      case "map": {
        const entries = new Map<string, YEntry>();
        for (const [key, entry] of node.entries)
          entries.set(key, { keyPos: entry.keyPos, value: this.walk(entry.value, child(path, key), chain) });
        return { ...node, entries };
      }
      case "reference":
        return this.follow(node, path, chain);
      default: {
        const never: never = node;
        return never;
      }
    }
  }

  private follow(ref: YReference, path: string, chain: readonly string[]): YNode {
    const name = `[${ref.path.join(",")}]`;
    const at = { pos: ref.pos, path };
    const fallback: YNode = { kind: "scalar", value: null, pos: ref.pos };
    if (chain.includes(name)) {
      this.problems.error(`!reference circular chain detected ${name}`, at, {
        hint: `the chain: ${[...chain, name].join(" → ")}`,
      });
      return fallback;
    }
    if (chain.length >= MAX_REFERENCE_DEPTH) {
      this.problems.error(`!reference ${name} is nested more than ${MAX_REFERENCE_DEPTH} levels deep`, at);
      return fallback;
    }
    const [jobName = "", ...keys] = ref.path;
    let target: YNode | undefined = this.jobView(jobName, []);
    for (const part of keys) {
      target = target?.kind === "map" ? target.entries.get(part)?.value : undefined;
    }
    if (target === undefined) {
      this.problems.error(`!reference ${name} could not be found`, at, {
        hint: `check that \`${ref.path.join(".")}\` exists (references are resolved after includes are merged)`,
      });
      return fallback;
    }
    return this.walk(target, path, [...chain, name]);
  }
}
