import type { OnlyExcept } from "../config/types.js";
import { compileRe2 } from "../expression/index.js";
import { diffApplies, evaluateIf, type RuleEnvironment } from "./evaluate-rules.js";
import { expandString } from "./expand-variables.js";
import { anyPathMatches } from "./match-paths.js";
import type { PlanContext } from "./types.js";

/**
 * The older `only`/`except`. A job with neither (and no `rules`) behaves as `only: [branches, tags]`, so
 * it is not in merge-request pipelines. `only` needs every listed policy to hold; `except` excludes
 * the job when any one holds.
 */
export type OnlyExceptOutcome =
  | { readonly included: true }
  | { readonly included: false; readonly reason: string };

const DEFAULT_ONLY_REFS = ["branches", "tags"] as const;

export function evaluateOnlyExcept(
  only: OnlyExcept | undefined,
  except: OnlyExcept | undefined,
  env: RuleEnvironment,
): OnlyExceptOutcome {
  if (only === undefined) {
    if (!refsMatch(DEFAULT_ONLY_REFS, env.context)) {
      return { included: false, reason: "jobs without `rules` or `only` run for branches and tags only" };
    }
  } else {
    const failed = firstFailingPolicy(only, env);
    if (failed !== undefined) return { included: false, reason: `\`only:${failed}\` does not match` };
  }
  if (except !== undefined) {
    const matched = firstMatchingPolicy(except, env);
    if (matched !== undefined) return { included: false, reason: `\`except:${matched}\` matches` };
  }
  return { included: true };
}

type Policy = "refs" | "variables" | "changes" | "kubernetes";

function policies(spec: OnlyExcept, env: RuleEnvironment): [Policy, boolean][] {
  const result: [Policy, boolean][] = [];
  if (spec.refs.length > 0) result.push(["refs", refsMatch(spec.refs, env.context)]);
  if (spec.variables.length > 0) {
    result.push(["variables", spec.variables.some((v) => evaluateIf(v, env.variables, spec))]);
  }
  if (spec.changes.length > 0) {
    result.push(["changes", changedMatch(spec.changes, env)]);
  }
  // No Kubernetes integration is configured for a local pipeline.
  if (spec.kubernetes !== undefined) result.push(["kubernetes", false]);
  return result;
}

function firstFailingPolicy(spec: OnlyExcept, env: RuleEnvironment): Policy | undefined {
  return policies(spec, env).find(([, ok]) => !ok)?.[0];
}

function firstMatchingPolicy(spec: OnlyExcept, env: RuleEnvironment): Policy | undefined {
  return policies(spec, env).find(([, ok]) => ok)?.[0];
}

function changedMatch(paths: readonly string[], env: RuleEnvironment): boolean {
  const files = env.context.changedFiles;
  if (files === undefined || !diffApplies(env.context)) return true;
  return anyPathMatches(
    paths.map((p) => expandString(p, env.variables)),
    files,
  );
}

/** GitLab's `Build::Policy::Refs`: keywords, then `name@project`, exact names and `/regex/`. */
export function refsMatch(refs: readonly string[], context: PlanContext): boolean {
  return refs.some((ref) => refMatches(ref, context));
}

function refMatches(entry: string, context: PlanContext): boolean {
  const at = entry.lastIndexOf("@");
  if (at > 0 && !entry.startsWith("/")) {
    if (entry.slice(at + 1) !== context.projectPath) return false;
    return refMatches(entry.slice(0, at), context);
  }
  const isTag = context.refType === "tag";
  const isMergeRequest = context.source === "merge_request_event";
  if (entry === "tags") return isTag;
  if (entry === "branches") return !isTag && !isMergeRequest;
  const source = context.source.replace(/_event$/, "");
  if (entry === source || entry === `${source}s`) return true;
  if (entry === "pushes") return context.source === "push";
  if (entry === "pipelines") return context.source === "parent_pipeline";
  const ref = isMergeRequest ? (context.mergeRequest?.sourceBranch ?? context.ref) : context.ref;
  if (entry === ref) return true;
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(entry);
  if (regex?.[1] === undefined) return false;
  return compileRe2(regex[1], regex[2] ?? "").test(ref);
}
