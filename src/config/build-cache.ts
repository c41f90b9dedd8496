import { UPLOAD_WHEN } from "./build-artifacts.js";
import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { CacheConfig, CacheKey } from "./types.js";
import { get, type YMap, type YNode } from "./yaml-tree.js";

const CACHE_KEYS = new Set(["key", "paths", "untracked", "policy", "when", "fallback_keys", "unprotect"]);
const POLICIES = ["pull", "push", "pull-push"] as const;
/** GitLab's limits: at most 4 caches per job, 5 fallback keys. */
const MAX_CACHES = 4;
const MAX_FALLBACK_KEYS = 5;

/** `cache:` — one mapping or a list of them. */
export function buildCache(node: YNode, path: string, check: Check): CacheConfig[] {
  if (node.kind === "scalar" && node.value === null) return [];
  const items = node.kind === "seq" ? node.items : [node];
  if (items.length > MAX_CACHES)
    check.error(`a job may have at most ${MAX_CACHES} caches (found ${items.length})`, node, path);
  const out: CacheConfig[] = [];
  items.forEach((item, i) => {
    const itemPath = node.kind === "seq" ? child(path, i) : path;
    const map = check.map(item, itemPath, "cache");
    if (map === undefined) return;
    const cache = buildOne(map, itemPath, check);
    if (cache !== undefined) out.push(cache);
  });
  return out;
}

function buildOne(map: YMap, path: string, check: Check): CacheConfig | undefined {
  check.keys(map, path, CACHE_KEYS, "cache");
  const at = (key: string): string => child(path, key);
  const keyNode = get(map, "key");
  const key =
    keyNode === undefined
      ? ({ kind: "literal", value: "default" } as const)
      : buildKey(keyNode, at("key"), check);
  const pathsNode = get(map, "paths");
  const paths = pathsNode === undefined ? [] : check.stringList(pathsNode, at("paths"));
  const untrackedNode = get(map, "untracked");
  const untracked = untrackedNode === undefined ? false : check.boolean(untrackedNode, at("untracked"));
  const policyNode = get(map, "policy");
  const policy =
    policyNode === undefined
      ? "pull-push"
      : isVariable(policyNode)
        ? (`$${String(policyNode.value).slice(1)}` as const)
        : check.oneOf(policyNode, at("policy"), POLICIES);
  const whenNode = get(map, "when");
  const when = whenNode === undefined ? "on_success" : check.oneOf(whenNode, at("when"), UPLOAD_WHEN);
  const fallbackNode = get(map, "fallback_keys");
  const fallbackKeys = fallbackNode === undefined ? [] : check.stringList(fallbackNode, at("fallback_keys"));
  if (fallbackKeys !== undefined && fallbackNode !== undefined && fallbackKeys.length > MAX_FALLBACK_KEYS) {
    check.error(
      `\`fallback_keys\` takes at most ${MAX_FALLBACK_KEYS} keys`,
      fallbackNode,
      at("fallback_keys"),
    );
  }
  const unprotectNode = get(map, "unprotect");
  const unprotect = unprotectNode === undefined ? false : check.boolean(unprotectNode, at("unprotect"));
  if (
    key === undefined ||
    paths === undefined ||
    untracked === undefined ||
    policy === undefined ||
    when === undefined ||
    fallbackKeys === undefined ||
    unprotect === undefined
  ) {
    return undefined;
  }
  return { key, paths, untracked, policy, when, fallbackKeys, unprotect };
}

function isVariable(node: YNode): node is YNode & { kind: "scalar"; value: string } {
  return node.kind === "scalar" && typeof node.value === "string" && node.value.startsWith("$");
}

function buildKey(node: YNode, path: string, check: Check): CacheKey | undefined {
  if (node.kind === "scalar") {
    const value = check.nonEmpty(node, path, "key");
    if (value === undefined) return undefined;
    if (value.includes("/") || value === "." || value === "..") {
      check.error("`cache:key` must not contain `/` or be `.` or `..`", node, path);
      return undefined;
    }
    return { kind: "literal", value };
  }
  const map = check.map(node, path, "key");
  if (map === undefined) return undefined;
  check.keys(map, path, new Set(["files", "prefix"]), "cache:key");
  const filesNode = get(map, "files");
  if (filesNode === undefined) {
    check.error("`cache:key` as a mapping needs `files`", node, path);
    return undefined;
  }
  const files = check.stringList(filesNode, child(path, "files"));
  if (files === undefined) return undefined;
  if (files.length < 1 || files.length > 2) {
    check.error(
      `cache:key:files should be an array of one or two file paths. Got ${files.length}`,
      filesNode,
      child(path, "files"),
    );
    return undefined;
  }
  const prefixNode = get(map, "prefix");
  const prefix = prefixNode === undefined ? undefined : check.string(prefixNode, child(path, "prefix"));
  return { kind: "files", files, ...(prefix === undefined ? {} : { prefix }) };
}
