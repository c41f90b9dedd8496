import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { EnvironmentConfig } from "./types.js";
import { get, type YNode } from "./yaml-tree.js";

const KEYS = new Set(["name", "url", "action", "on_stop", "auto_stop_in", "deployment_tier", "kubernetes"]);
const ACTIONS = ["start", "prepare", "stop", "verify", "access"] as const;
const TIERS = ["production", "staging", "testing", "development", "other"] as const;

/** `environment: name` or `{ name, url, action, on_stop, auto_stop_in, deployment_tier }`. */
export function buildEnvironment(node: YNode, path: string, check: Check): EnvironmentConfig | undefined {
  if (node.kind === "scalar") {
    const name = check.nonEmpty(node, path, "environment");
    return name === undefined ? undefined : { name, action: "start" };
  }
  const map = check.map(node, path, "environment");
  if (map === undefined) return undefined;
  check.keys(map, path, KEYS, "environment");
  const text = (key: string): string | undefined => {
    const n = get(map, key);
    return n === undefined ? undefined : check.string(n, child(path, key));
  };
  const nameNode = get(map, "name");
  if (nameNode === undefined) {
    check.error("`environment` needs a `name`", node, path);
    return undefined;
  }
  const name = check.nonEmpty(nameNode, child(path, "name"));
  const actionNode = get(map, "action");
  const action = actionNode === undefined ? "start" : check.oneOf(actionNode, child(path, "action"), ACTIONS);
  const tierNode = get(map, "deployment_tier");
  const tier =
    tierNode === undefined ? undefined : check.oneOf(tierNode, child(path, "deployment_tier"), TIERS);
  const url = text("url");
  const onStop = text("on_stop");
  const autoStopIn = text("auto_stop_in");
  if (name === undefined || action === undefined) return undefined;
  return {
    name,
    action,
    ...(url === undefined ? {} : { url }),
    ...(onStop === undefined ? {} : { onStop }),
    ...(autoStopIn === undefined ? {} : { autoStopIn }),
    ...(tier === undefined ? {} : { deploymentTier: tier }),
  };
}
