import { buildStringMap } from "./build-variables.js";
import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { ImageConfig, ServiceConfig } from "./types.js";
import { get, type YMap, type YNode } from "./yaml-tree.js";

const IMAGE_KEYS = new Set(["name", "entrypoint", "pull_policy", "docker", "kubernetes"]);
const SERVICE_KEYS = new Set([...IMAGE_KEYS, "alias", "command", "variables"]);
const PULL_POLICIES = ["always", "if-not-present", "never"] as const;

/** `image: name` or `image: { name, entrypoint, pull_policy, docker: { platform, user } }`. */
export function buildImage(node: YNode, path: string, check: Check): ImageConfig | undefined {
  if (node.kind === "scalar") {
    const name = check.nonEmpty(node, path, "image");
    return name === undefined ? undefined : { name };
  }
  const map = check.map(node, path, "image");
  if (map === undefined) return undefined;
  check.keys(map, path, IMAGE_KEYS, "image");
  return imageFields(map, path, check);
}

function imageFields(map: YMap, path: string, check: Check): ImageConfig | undefined {
  const nameNode = get(map, "name");
  if (nameNode === undefined) {
    check.error("an image needs a `name`", map, path);
    return undefined;
  }
  const name = check.nonEmpty(nameNode, child(path, "name"));
  if (name === undefined) return undefined;
  const out: { -readonly [K in keyof ImageConfig]: ImageConfig[K] } = { name };
  const entrypoint = get(map, "entrypoint");
  if (entrypoint !== undefined) {
    const e = check.stringList(entrypoint, child(path, "entrypoint"));
    if (e !== undefined) out.entrypoint = e;
  }
  const pull = get(map, "pull_policy");
  if (pull !== undefined) {
    const items = pull.kind === "seq" ? pull.items : [pull];
    const policies = items.map((item, i) =>
      check.oneOf(
        item,
        child(path, pull.kind === "seq" ? `pull_policy[${i}]` : "pull_policy"),
        PULL_POLICIES,
        "pull_policy",
      ),
    );
    out.pullPolicy = policies.filter((p) => p !== undefined);
  }
  const docker = get(map, "docker");
  if (docker !== undefined) {
    const d = check.map(docker, child(path, "docker"));
    if (d !== undefined) {
      check.keys(d, child(path, "docker"), new Set(["platform", "user"]), "image:docker");
      const platform = get(d, "platform");
      const user = get(d, "user");
      const p = platform === undefined ? undefined : check.string(platform, child(path, "docker.platform"));
      const u = user === undefined ? undefined : check.string(user, child(path, "docker.user"));
      if (p !== undefined) out.platform = p;
      if (u !== undefined) out.user = u;
    }
  }
  return out;
}

/** `services:` — names or `{ name, alias, entrypoint, command, pull_policy, variables }`. */
export function buildServices(node: YNode, path: string, check: Check): ServiceConfig[] {
  const list = check.list(node, path, "services");
  if (list === undefined) return [];
  const out: ServiceConfig[] = [];
  list.items.forEach((item, i) => {
    const itemPath = child(path, i);
    if (item.kind === "scalar") {
      const name = check.nonEmpty(item, itemPath, "services");
      if (name !== undefined) out.push({ name, aliases: [], variables: {} });
      return;
    }
    const map = check.map(item, itemPath, "services");
    if (map === undefined) return;
    check.keys(map, itemPath, SERVICE_KEYS, "service");
    const image = imageFields(map, itemPath, check);
    if (image === undefined) return;
    const aliasNode = get(map, "alias");
    const alias = aliasNode === undefined ? undefined : check.string(aliasNode, child(itemPath, "alias"));
    const commandNode = get(map, "command");
    const command =
      commandNode === undefined ? undefined : check.stringList(commandNode, child(itemPath, "command"));
    out.push({
      ...image,
      aliases:
        alias === undefined
          ? []
          : alias
              .split(",")
              .map((a) => a.trim())
              .filter((a) => a !== ""),
      variables: buildStringMap(get(map, "variables"), child(itemPath, "variables"), check),
      ...(command === undefined ? {} : { command }),
    });
  });
  return out;
}
