import { describe, expect, it } from "vitest";
import { loadCiConfig, memoryFileReader } from "../config/index.js";
import { context } from "./config-builder.test-support.js";
import { planPipeline } from "./plan-pipeline.js";
import type { PipelinePlan, ProjectVariable } from "./types.js";

async function plan(
  yaml: string,
  projectVariables: readonly ProjectVariable[],
  variables: Record<string, string> = {},
): Promise<PipelinePlan> {
  const { config } = await loadCiConfig({
    file: ".gitlab-ci.yml",
    projectDir: "/p",
    reader: memoryFileReader({ "/p/.gitlab-ci.yml": yaml }),
  });
  const result = planPipeline(config, context({ variables, projectVariables }));
  if (result.kind !== "pipeline") throw new Error(result.noPipeline.reason);
  return result.plan;
}

const scoped = (key: string, value: string, environmentScope = "*"): ProjectVariable => ({
  key,
  value,
  environmentScope,
});

function valuesOf(p: PipelinePlan, job: string): Record<string, string> {
  const found = p.jobs.find((j) => j.name === job);
  return Object.fromEntries((found?.projectVariables ?? []).map((v) => [v.key, v.value]));
}

describe("project variables in the plan", () => {
  it("gives each job the values scoped to its environment, named with an unscoped project variable", async () => {
    const p = await plan(
      `
deploy:
  environment: { name: $TARGET }
  script: [echo]
plain:
  script: [echo]
`,
      [scoped("TARGET", "prod"), scoped("API_KEY", "k-prod", "prod"), scoped("API_KEY", "k-any")],
    );
    expect(p.jobs.find((j) => j.name === "deploy")?.environment?.name).toBe("prod");
    expect(valuesOf(p, "deploy")).toEqual({ TARGET: "prod", API_KEY: "k-prod" });
    expect(valuesOf(p, "plain")).toEqual({ TARGET: "prod", API_KEY: "k-any" });
    expect(p.projectVariables).toHaveLength(3);
  });

  it("scopes per matrix instance, and instances of one environment share one list", async () => {
    const p = await plan(
      `
run:
  parallel: { matrix: [{ CLUSTER: [a, b, c] }] }
  environment: { name: $CLUSTER }
  script: [echo]
fan:
  parallel: 3
  script: [echo]
`,
      [scoped("URL", "https://a", "a"), scoped("URL", "https://b", "b")],
    );
    expect(valuesOf(p, "run: [a]")).toEqual({ URL: "https://a" });
    expect(valuesOf(p, "run: [b]")).toEqual({ URL: "https://b" });
    expect(valuesOf(p, "run: [c]")).toEqual({});
    const fan = p.jobs.filter((j) => j.baseName === "fan");
    expect(fan[0]?.projectVariables).toBe(fan[2]?.projectVariables);
  });

  it("lets rules see unscoped project variables above the YAML and below pipeline variables", async () => {
    const yaml = `
variables: { MODE: yaml }
by-project:
  rules: [{ if: '$MODE == "project"' }]
  script: [echo]
by-pipeline:
  rules: [{ if: '$MODE == "pipeline"' }]
  script: [echo]
`;
    const names = (p: PipelinePlan) => p.jobs.map((j) => j.name);
    expect(names(await plan(yaml, [scoped("MODE", "project")]))).toEqual(["by-project"]);
    expect(names(await plan(yaml, [scoped("MODE", "project")], { MODE: "pipeline" }))).toEqual([
      "by-pipeline",
    ]);
    await expect(plan(yaml, [scoped("MODE", "project", "production")])).rejects.toThrow(/exclude every job/);
  });

  it("adds nothing to jobs or the plan without project variables", async () => {
    const p = await plan("a: { script: [echo] }\n", []);
    expect(p.jobs[0]?.projectVariables).toBeUndefined();
    expect(p.projectVariables).toBeUndefined();
  });
});
