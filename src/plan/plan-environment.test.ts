// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitLab's ${VAR} syntax under test
import { describe, expect, it } from "vitest";
import { config, context, job, vars } from "./config-builder.test-support.js";
import { environmentSlug, environmentVariables, guessTier, planEnvironment } from "./plan-environment.js";
import { planPipeline } from "./plan-pipeline.js";

describe("environmentSlug", () => {
  it.each([
    ["production", "production"],
    ["review-app", "review-app"],
    ["Stage Domain", "stage-domain-ip33nk"],
    ["stage-domain-foobar-long-string", "stage-domain-foob-yafktx"],
    ["review/feature", expect.stringMatching(/^review-feature-[a-z0-9]{6}$/)],
    ["1st", expect.stringMatching(/^env-1st-[a-z0-9]{6}$/)],
  ])("%s → %s", (name, slug) => {
    expect(environmentSlug(name)).toEqual(slug);
  });

  it("keeps slugs of names that only differ in case apart", () => {
    expect(environmentSlug("Review")).not.toBe(environmentSlug("REVIEW"));
  });
});

describe("guessTier", () => {
  it.each([
    ["production", "production"],
    ["live", "production"],
    ["staging", "staging"],
    ["review/feature", "development"],
    ["dev-domain", "development"],
    ["qa", "testing"],
    ["cluster-a", "other"],
  ])("%s → %s", (name, tier) => {
    expect(guessTier(name)).toBe(tier);
  });
});

describe("planEnvironment", () => {
  it.each([
    ["a plain name", { name: "Stage Domain" }, {}, "Stage Domain", undefined],
    ["${X} in the name", { name: "stage-domain-${X}" }, { X: "foo" }, "stage-domain-foo", undefined],
    [
      "$X in the url",
      { name: "review", url: "https://$X.example.com" },
      { X: "a" },
      "review",
      "https://a.example.com",
    ],
    ["an unknown name expands empty", { name: "env-$NOPE" }, {}, "env-", undefined],
  ])("%s", (_case, env, variables, name, url) => {
    const planned = planEnvironment({ action: "start", ...env }, variables);
    expect(planned.name).toBe(name);
    expect(planned.url).toBe(url);
  });

  it("gives the CI_ENVIRONMENT_* variables, the tier as given", () => {
    const planned = planEnvironment(
      { name: "Stage Domain", url: "http://stage.domain.com", action: "stop", deploymentTier: "production" },
      {},
    );
    expect(environmentVariables(planned)).toEqual({
      CI_ENVIRONMENT_NAME: "Stage Domain",
      CI_ENVIRONMENT_SLUG: "stage-domain-ip33nk",
      CI_ENVIRONMENT_URL: "http://stage.domain.com",
      CI_ENVIRONMENT_ACTION: "stop",
      CI_ENVIRONMENT_TIER: "production",
    });
  });
});

describe("planPipeline: environment", () => {
  it("expands the name per matrix instance and with the job's variables", () => {
    const deploy = job("deploy", {
      environment: { name: "$CLUSTER-${SUFFIX}", action: "start" },
      variables: vars({ SUFFIX: "$CI_COMMIT_REF_NAME" }),
      parallel: { kind: "matrix", matrix: [{ CLUSTER: ["a", "b"] }] },
    });
    const result = planPipeline(config([deploy]), context({ ref: "main" }));
    if (result.kind !== "pipeline") throw new Error("expected a pipeline");
    expect(result.plan.jobs.map((j) => j.environment?.name)).toEqual(["a-main", "b-main"]);
  });
});
