/**
 * Project CI/CD variables by environment scope, as GitLab picks them: a job without an environment
 * gets the `*`-scoped ones; a job deploying to an environment gets, per key, the value whose scope
 * matches its name most specifically — the exact name, then wildcard patterns (the longer first), then
 * `*`.
 */
import type { JobProjectVariable, ProjectVariable } from "./types.js";

const ANY = "*";

/** Whether `scope` covers a job deploying to `environment` (undefined: the job has none). */
export function scopeMatches(scope: string, environment: string | undefined): boolean {
  if (scope === ANY) return true;
  if (environment === undefined) return false;
  if (!scope.includes("*")) return scope === environment;
  const pattern = scope
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`, "s").test(environment);
}

/** Higher wins: `*` < wildcard patterns (longer first) < an exact name. */
function specificity(scope: string): number {
  if (scope === ANY) return 0;
  return scope.includes("*") ? 1 + scope.length : Number.MAX_SAFE_INTEGER;
}

/** One variable per key: the best-matching scope's, in the keys' first-seen order. */
export function projectVariablesFor(
  variables: readonly ProjectVariable[],
  environment: string | undefined,
): JobProjectVariable[] {
  const best = new Map<string, ProjectVariable>();
  for (const v of variables) {
    if (!scopeMatches(v.environmentScope, environment)) continue;
    const current = best.get(v.key);
    if (current === undefined || specificity(v.environmentScope) > specificity(current.environmentScope))
      best.set(v.key, v);
  }
  return [...best.values()].map(({ environmentScope: _scope, ...variable }) => variable);
}

/**
 * The `*`-scoped values: what rules, `workflow:name` and environment names see, since they are
 * evaluated before (or to decide) which environment a job deploys to.
 */
export function unscopedValues(variables: readonly ProjectVariable[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const v of projectVariablesFor(variables, undefined)) values[v.key] = v.value;
  return values;
}
