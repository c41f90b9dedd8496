/**
 * A job's `environment` as GitLab records it when it creates the job: `name` and `url` expanded with
 * the job's variables, the tier guessed from the name when none is given, and the `CI_ENVIRONMENT_*`
 * variables the job then receives.
 */
import { createHash } from "node:crypto";
import type { EnvironmentConfig } from "../config/types.js";
import { expandString, type Lookup } from "./expand-variables.js";

/** The expanded environment; `deploymentTier` is always set (given, or guessed as GitLab does). */
export interface PlannedEnvironment extends EnvironmentConfig {
  readonly deploymentTier: string;
  readonly slug: string;
}

export function planEnvironment(environment: EnvironmentConfig, variables: Lookup): PlannedEnvironment {
  const name = expandString(environment.name, variables);
  const url = environment.url === undefined ? undefined : expandString(environment.url, variables);
  return {
    ...environment,
    name,
    ...(url === undefined ? {} : { url }),
    deploymentTier: environment.deploymentTier ?? guessTier(name),
    slug: environmentSlug(name),
  };
}

/** The `CI_ENVIRONMENT_*` variables of a job deploying to `environment`. */
export function environmentVariables(environment: PlannedEnvironment): Record<string, string> {
  return {
    CI_ENVIRONMENT_NAME: environment.name,
    CI_ENVIRONMENT_SLUG: environment.slug,
    CI_ENVIRONMENT_ACTION: environment.action,
    CI_ENVIRONMENT_TIER: environment.deploymentTier,
    ...(environment.url === undefined ? {} : { CI_ENVIRONMENT_URL: environment.url }),
  };
}

/**
 * GitLab's environment slug, usable as a DNS label: lowercase letters, digits and single dashes,
 * starting with a letter, at most 24 characters. When that changed the name, a short suffix derived
 * from the name keeps slugs of different names apart.
 */
export function environmentSlug(name: string): string {
  let slug = name.toLowerCase().replace(/[^a-z0-9]/g, "-");
  if (!/^[a-z]/.test(slug)) slug = `env-${slug}`;
  slug = slug.replace(/-+/g, "-");
  if (slug.length > 24 || slug !== name) return `${slug.slice(0, 17)}-${nameSuffix(name)}`;
  return slug.replace(/-$/, "");
}

function nameSuffix(name: string): string {
  const digest = createHash("sha256").update(name).digest("hex");
  return BigInt(`0x${digest}`).toString(36).slice(-6);
}

/** GitLab's guess when `deployment_tier` is not given: by words in the environment's name. */
const TIER_GUESSES: readonly (readonly [RegExp, string])[] = [
  [/(dev|review|trunk)/i, "development"],
  [/(test|tst|int|ac(ce|)pt|qa|qc|control|quality)/i, "testing"],
  [/(st(a|)g|mod(e|)l|pre|demo|non)/i, "staging"],
  [/(pr(o|)d|live)/i, "production"],
];

export function guessTier(name: string): string {
  return TIER_GUESSES.find(([pattern]) => pattern.test(name))?.[1] ?? "other";
}
