import { deepMerge } from "./deep-merge.js";
import { didYouMean } from "./did-you-mean.js";
import { DEFAULT_KEYWORDS, GLOBAL_KEYWORDS, JOB_KEYWORDS } from "./keywords.js";
import { child, type Problems } from "./problems.js";
import type { Inherit } from "./types.js";
import { get, type Pos, scalarText, type YEntry, type YMap, type YNode } from "./yaml-tree.js";

/** GitLab follows `extends` at most this many levels deep. */
export const MAX_EXTENDS_DEPTH = 11;

export interface ResolvedJob {
  readonly name: string;
  readonly map: YMap;
  readonly keyPos: Pos;
  readonly inheritVariables: Inherit;
}

/**
 * Turns the merged top-level mapping into visible jobs: `extends` applied (parents in order, then
 * the job on top), then `default:` for the keys the job lacks and `inherit:default` allows.
 */
export function resolveJobs(root: YMap, problems: Problems): ResolvedJob[] {
  const extended = new Map<string, YMap>();
  const resolving: string[] = [];

  const resolveExtends = (name: string, map: YMap, depth: number): YMap => {
    const done = extended.get(name);
    if (done !== undefined) return done;
    const extendsEntry = map.entries.get("extends");
    if (extendsEntry === undefined) return map;
    const path = child(name, "extends");
    const parents = parentNames(extendsEntry.value, path, problems);
    resolving.push(name);
    let base: YNode | undefined;
    for (const parent of parents) {
      const at = { pos: extendsEntry.value.pos, path };
      if (resolving.includes(parent)) {
        problems.error(
          `circular dependency detected in \`extends\`: ${[...resolving, parent].join(" → ")}`,
          at,
        );
        continue;
      }
      if (depth >= MAX_EXTENDS_DEPTH) {
        problems.error(`\`extends\` is nested more than ${MAX_EXTENDS_DEPTH} levels deep`, at);
        continue;
      }
      const parentNode = root.entries.get(parent)?.value;
      if (parentNode === undefined || GLOBAL_KEYWORDS.has(parent)) {
        const hint = didYouMean(
          parent,
          [...root.entries.keys()].filter((k) => !GLOBAL_KEYWORDS.has(k)),
        );
        problems.error(
          `${name}: unknown key in \`extends\`: \`${parent}\``,
          at,
          hint === undefined ? {} : { hint },
        );
        continue;
      }
      if (parentNode.kind !== "map") {
        problems.error(`${name}: \`extends\` target \`${parent}\` is not a mapping`, at);
        continue;
      }
      const resolvedParent = resolveExtends(parent, parentNode, depth + 1);
      base = base === undefined ? resolvedParent : deepMerge(base, resolvedParent);
    }
    resolving.pop();
    const own = new Map<string, YEntry>(map.entries);
    own.delete("extends");
    const ownMap: YMap = { ...map, entries: own };
    const result = base === undefined ? ownMap : (deepMerge(base, ownMap) as YMap);
    extended.set(name, result);
    return result;
  };

  const defaults = readDefaults(root, problems);
  const jobs: ResolvedJob[] = [];
  for (const [name, entry] of root.entries) {
    if (GLOBAL_KEYWORDS.has(name)) continue;
    const hidden = name.startsWith(".");
    if (entry.value.kind !== "map") {
      if (!hidden) reportNotAJob(name, entry, problems);
      continue;
    }
    if (hidden) {
      // Hidden jobs are templates; their own `extends` is checked when a visible job uses them.
      continue;
    }
    const map = resolveExtends(name, entry.value, 0);
    const inherit = readInherit(map, name, problems);
    jobs.push({
      name,
      map: applyDefaults(map, defaults, inherit.default),
      keyPos: entry.keyPos,
      inheritVariables: inherit.variables,
    });
  }
  return jobs;
}

function parentNames(node: YNode, path: string, problems: Problems): string[] {
  const items = node.kind === "seq" ? node.items : [node];
  const names: string[] = [];
  for (const item of items) {
    if (item.kind === "scalar" && typeof item.value === "string" && item.value !== "") names.push(item.value);
    else problems.error("`extends` takes a job name or a list of job names", { pos: item.pos, path });
  }
  return names;
}

function reportNotAJob(name: string, entry: YEntry, problems: Problems): void {
  const hint = didYouMean(name, GLOBAL_KEYWORDS);
  problems.error(
    `\`${name}\` is not a keyword, and as a job it must be a mapping with \`script\` or \`trigger\``,
    { pos: entry.keyPos, path: name },
    {
      hint: hint ?? "hide a non-job value with a leading dot, e.g. `.shared-values:`",
    },
  );
}

/** `default:` plus the deprecated top-level image/services/cache/before_script/after_script. */
function readDefaults(root: YMap, problems: Problems): Map<string, YEntry> {
  const out = new Map<string, YEntry>();
  for (const key of ["image", "services", "cache", "before_script", "after_script"]) {
    const entry = root.entries.get(key);
    if (entry !== undefined) out.set(key, entry);
  }
  const def = root.entries.get("default");
  if (def === undefined) return out;
  if (def.value.kind !== "map") {
    problems.error("`default` must be a mapping", { pos: def.value.pos, path: "default" });
    return out;
  }
  for (const [key, entry] of def.value.entries) {
    if (!DEFAULT_KEYWORDS.has(key)) {
      const hint =
        didYouMean(key, DEFAULT_KEYWORDS) ?? `default keywords: ${[...DEFAULT_KEYWORDS].join(", ")}`;
      problems.error(
        `unknown default keyword \`${key}\``,
        { pos: entry.keyPos, path: child("default", key) },
        { hint },
      );
      continue;
    }
    if (key === "hooks") {
      problems.warn("IGNORED_KEYWORD", "`default: hooks` is ignored: Runfleet does not run runner hooks", {
        pos: entry.keyPos,
        path: "default.hooks",
      });
      continue;
    }
    out.set(key, entry);
  }
  return out;
}

interface InheritChoice {
  readonly default: Inherit;
  readonly variables: Inherit;
}

function readInherit(map: YMap, name: string, problems: Problems): InheritChoice {
  const node = get(map, "inherit");
  if (node === undefined) return { default: true, variables: true };
  const path = child(name, "inherit");
  if (node.kind !== "map") {
    problems.error("`inherit` must be a mapping with `default` and/or `variables`", { pos: node.pos, path });
    return { default: true, variables: true };
  }
  for (const [key, entry] of node.entries) {
    if (key !== "default" && key !== "variables")
      problems.error(
        `unknown inherit keyword \`${key}\``,
        { pos: entry.keyPos, path: child(path, key) },
        { hint: "inherit takes `default` and `variables`" },
      );
  }
  const read = (key: string, known?: ReadonlySet<string>): Inherit => {
    const v = get(node, key);
    if (v === undefined) return true;
    if (v.kind === "scalar" && typeof v.value === "boolean") return v.value;
    if (v.kind === "seq") {
      const names: string[] = [];
      for (const item of v.items) {
        const text = item.kind === "scalar" ? scalarText(item.value) : "";
        if (known !== undefined && !known.has(text)) {
          problems.error(
            `\`inherit:${key}\` lists \`${text}\`, which is not a default keyword`,
            { pos: item.pos, path: child(path, key) },
            { hint: didYouMean(text, known) ?? "" },
          );
        } else names.push(text);
      }
      return names;
    }
    problems.error(`\`inherit:${key}\` must be true, false or a list of names`, {
      pos: v.pos,
      path: child(path, key),
    });
    return true;
  };
  return { default: read("default", DEFAULT_KEYWORDS), variables: read("variables") };
}

function applyDefaults(job: YMap, defaults: ReadonlyMap<string, YEntry>, inherit: Inherit): YMap {
  // Trigger jobs run no script, so script-related defaults do not reach them.
  if (inherit === false || defaults.size === 0 || job.entries.has("trigger")) return job;
  const entries = new Map<string, YEntry>(job.entries);
  for (const [key, entry] of defaults) {
    if (entries.has(key) || !JOB_KEYWORDS.has(key)) continue;
    if (Array.isArray(inherit) && !inherit.includes(key)) continue;
    entries.set(key, entry);
  }
  return { ...job, entries };
}
