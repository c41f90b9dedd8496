import { compileRe2 } from "../expression/index.js";
import { buildArtifacts } from "./build-artifacts.js";
import { buildCache } from "./build-cache.js";
import { buildEnvironment } from "./build-environment.js";
import { buildAllowFailure, buildRetry, WHEN_VALUES } from "./build-execution.js";
import { buildImage, buildServices } from "./build-image.js";
import { buildNeeds } from "./build-needs.js";
import { buildOnlyExcept } from "./build-only-except.js";
import { buildParallel } from "./build-parallel.js";
import { buildRules } from "./build-rules.js";
import { buildScript } from "./build-script.js";
import { buildIdTokens, buildSecrets } from "./build-secrets.js";
import { buildTrigger } from "./build-trigger.js";
import { buildVariables } from "./build-variables.js";
import type { Check } from "./check.js";
import { closest } from "./did-you-mean.js";
import { GLOBAL_KEYWORDS, IGNORED_JOB_KEYWORDS, JOB_KEYWORDS, TRIGGER_JOB_KEYWORDS } from "./keywords.js";
import { child } from "./problems.js";
import type { ResolvedJob } from "./resolve-jobs.js";
import type { CiJob, ServiceConfig } from "./types.js";
import { get, type YNode } from "./yaml-tree.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One visible job (extends and defaults already applied) checked and typed. */
export function buildJob(resolved: ResolvedJob, check: Check): CiJob {
  const { name, map } = resolved;
  const at = (key: string): string => child(name, key);
  // A key written with no value (`artifacts:`) counts as not written, as in GitLab.
  const field = (key: string): YNode | undefined => {
    const node = get(map, key);
    return node?.kind === "scalar" && node.value === null ? undefined : node;
  };
  check.keys(map, name, JOB_KEYWORDS, "job");
  const job: Mutable<CiJob> = {
    name,
    stage: "test",
    beforeScript: [],
    script: [],
    afterScript: [],
    services: [],
    tags: [],
    variables: buildVariables(field("variables"), at("variables"), "job", check),
    inheritVariables: resolved.inheritVariables,
    when: "on_success",
    cache: [],
    location: { ...resolved.keyPos, path: name },
  };
  for (const key of map.entries.keys()) {
    if (IGNORED_JOB_KEYWORDS.has(key)) {
      check.problems.warn("IGNORED_KEYWORD", `\`${key}\` is accepted but Runfleet does not act on it`, {
        pos: map.entries.get(key)?.keyPos ?? map.pos,
        path: at(key),
      });
    }
  }
  const triggerNode = field("trigger");
  if (triggerNode !== undefined) {
    const trigger = buildTrigger(triggerNode, at("trigger"), check);
    if (trigger !== undefined) job.trigger = trigger;
    for (const [key, entry] of map.entries) {
      if (!TRIGGER_JOB_KEYWORDS.has(key) && JOB_KEYWORDS.has(key)) {
        check.error(
          `${name}: a trigger job cannot use \`${key}\``,
          { pos: entry.keyPos, path: at(key) },
          undefined,
          "trigger jobs start another pipeline and run no commands themselves",
        );
      }
    }
    if (trigger?.kind === "project") {
      check.problems.warn(
        "UNSUPPORTED_TRIGGER_PROJECT",
        `${name}: \`trigger: project: ${trigger.project}\` starts a pipeline in another project, which Runfleet cannot run locally`,
        { pos: triggerNode.pos, path: at("trigger") },
      );
    }
  } else {
    const script = field("script");
    if (script === undefined)
      check.error(
        `${name} must have script specified`,
        { pos: resolved.keyPos, path: name },
        undefined,
        // `workfow:` is read as a job; the likely fix is the keyword, not a script.
        keywordTypo(name) ?? "add `script:` with at least one command, or `trigger:` for a child pipeline",
      );
    else job.script = buildScript(script, at("script"), check, name) ?? [];
  }
  const before = field("before_script");
  if (before !== undefined) job.beforeScript = buildScript(before, at("before_script"), check, name) ?? [];
  const after = field("after_script");
  if (after !== undefined) job.afterScript = buildScript(after, at("after_script"), check, name) ?? [];
  const stage = field("stage");
  if (stage !== undefined) job.stage = check.nonEmpty(stage, at("stage")) ?? "test";
  readScheduling(job, field, at, check);
  readRunSettings(job, field, at, check);
  return job;
}

function readScheduling(
  job: Mutable<CiJob>,
  field: (k: string) => YNode | undefined,
  at: (k: string) => string,
  check: Check,
): void {
  const rules = field("rules");
  if (rules !== undefined) {
    const r = buildRules(rules, at("rules"), "job", check);
    if (r !== undefined) job.rules = r;
    for (const key of ["only", "except"]) {
      const n = field(key);
      if (n !== undefined)
        check.error(
          `${job.name}: \`${key}\` cannot be used with \`rules\``,
          n,
          at(key),
          "move the conditions into `rules`",
        );
    }
  } else {
    const only = field("only");
    const except = field("except");
    const o = only === undefined ? undefined : buildOnlyExcept(only, at("only"), check);
    const e = except === undefined ? undefined : buildOnlyExcept(except, at("except"), check);
    if (o !== undefined) job.only = o;
    if (e !== undefined) job.except = e;
  }
  const when = field("when");
  if (when !== undefined) job.when = check.oneOf(when, at("when"), WHEN_VALUES) ?? "on_success";
  if (job.when === "never" && when !== undefined) {
    check.error(
      `${job.name}: when:never can only be used in a rules section or workflow:rules`,
      when,
      at("when"),
      "use `rules: [{ when: never }]`, or remove the job",
    );
  }
  const startIn = field("start_in");
  if (startIn !== undefined) {
    const s = check.duration(startIn, at("start_in"));
    if (s !== undefined) job.startIn = s;
    if (job.when !== "delayed") check.error("`start_in` needs `when: delayed`", startIn, at("start_in"));
  } else if (job.when === "delayed") {
    check.error(
      `${job.name}: \`when: delayed\` needs \`start_in\``,
      when ?? { pos: job.location, path: job.name },
      at("when"),
    );
  }
  const needs = field("needs");
  if (needs !== undefined) {
    const n = buildNeeds(needs, at("needs"), check);
    if (n !== undefined) job.needs = n;
    for (const need of n ?? []) {
      if (need.kind === "project") {
        check.problems.warn(
          "UNSUPPORTED_NEEDS_PROJECT",
          `${job.name}: needs \`${need.job}\` from project \`${need.project}\`, which Runfleet cannot fetch locally`,
          { pos: needs.pos, path: at("needs") },
        );
      }
    }
  }
  const deps = field("dependencies");
  if (deps !== undefined) {
    const d = deps.kind === "scalar" && deps.value === null ? [] : check.stringList(deps, at("dependencies"));
    if (d !== undefined) job.dependencies = d;
  }
  const parallel = field("parallel");
  if (parallel !== undefined) {
    const p = buildParallel(parallel, at("parallel"), check);
    if (p !== undefined) job.parallel = p;
  }
  const allowFailure = field("allow_failure");
  if (allowFailure !== undefined) {
    const a = buildAllowFailure(allowFailure, at("allow_failure"), check);
    if (a !== undefined) job.allowFailure = a;
  }
}

function readRunSettings(
  job: Mutable<CiJob>,
  field: (k: string) => YNode | undefined,
  at: (k: string) => string,
  check: Check,
): void {
  const image = field("image");
  if (image !== undefined) {
    const i = buildImage(image, at("image"), check);
    if (i !== undefined) job.image = i;
  }
  const services = field("services");
  if (services !== undefined) {
    job.services = buildServices(services, at("services"), check);
    for (const s of job.services) warnPrivileged(job.name, s, services, at("services"), check);
  }
  const tags = field("tags");
  if (tags !== undefined) job.tags = check.stringList(tags, at("tags")) ?? [];
  const retry = field("retry");
  if (retry !== undefined) {
    const r = buildRetry(retry, at("retry"), check);
    if (r !== undefined) job.retry = r;
  }
  const timeout = field("timeout");
  if (timeout !== undefined) {
    const t = check.duration(timeout, at("timeout"));
    if (t !== undefined && t <= 0) check.error("`timeout` must be longer than zero", timeout, at("timeout"));
    else if (t !== undefined) job.timeout = t;
  }
  const artifacts = field("artifacts");
  if (artifacts !== undefined) {
    const a = buildArtifacts(artifacts, at("artifacts"), check);
    if (a !== undefined) job.artifacts = a;
  }
  const cache = field("cache");
  if (cache !== undefined) job.cache = buildCache(cache, at("cache"), check);
  const environment = field("environment");
  if (environment !== undefined) {
    const e = buildEnvironment(environment, at("environment"), check);
    if (e !== undefined) job.environment = e;
  }
  const coverage = field("coverage");
  if (coverage !== undefined) {
    const c = check.string(coverage, at("coverage"));
    if (c !== undefined && !isSlashedRegex(c))
      check.error(
        "`coverage` must be a regular expression between slashes, e.g. `/Coverage: \\d+%/`",
        coverage,
        at("coverage"),
      );
    else if (c !== undefined) job.coverage = c;
  }
  const interruptible = field("interruptible");
  if (interruptible !== undefined) {
    const b = check.boolean(interruptible, at("interruptible"));
    if (b !== undefined) job.interruptible = b;
  }
  const group = field("resource_group");
  if (group !== undefined) {
    const g = check.nonEmpty(group, at("resource_group"));
    if (g !== undefined) job.resourceGroup = g;
  }
  const secrets = field("secrets");
  if (secrets !== undefined) {
    const s = buildSecrets(secrets, at("secrets"), check);
    if (s !== undefined) job.secrets = s;
    check.problems.warn(
      "UNSUPPORTED_SECRETS",
      `${job.name}: \`secrets\` come from an external secrets provider, which Runfleet does not resolve`,
      { pos: secrets.pos, path: at("secrets") },
    );
  }
  const idTokens = field("id_tokens");
  if (idTokens !== undefined) {
    const t = buildIdTokens(idTokens, at("id_tokens"), check);
    if (t !== undefined) job.idTokens = t;
    check.problems.warn(
      "UNSUPPORTED_ID_TOKENS",
      `${job.name}: \`id_tokens\` need GitLab's OIDC issuer; Runfleet does not mint them`,
      { pos: idTokens.pos, path: at("id_tokens") },
    );
  }
}

/** GitLab reads `coverage` with RE2 syntax (inline flags like `(?i)` included). */
function keywordTypo(name: string): string | undefined {
  const keyword = closest(name, GLOBAL_KEYWORDS);
  return keyword === undefined
    ? undefined
    : `did you mean the \`${keyword}\` keyword? Otherwise add \`script:\``;
}

function isSlashedRegex(text: string): boolean {
  if (!text.startsWith("/") || text.lastIndexOf("/") === 0) return false;
  try {
    compileRe2(text.slice(1, text.lastIndexOf("/")), text.slice(text.lastIndexOf("/") + 1));
    return true;
  } catch {
    return false;
  }
}

function warnPrivileged(job: string, service: ServiceConfig, node: YNode, path: string, check: Check): void {
  if (/(^|[/:-])dind($|[-:@])/.test(service.name) || /docker:.*dind/.test(service.name)) {
    check.problems.warn(
      "PRIVILEGED_SERVICE",
      `${job}: service \`${service.name}\` needs a privileged container, which Runfleet's Fargate-safe executors do not run`,
      { pos: node.pos, path },
    );
  }
}
