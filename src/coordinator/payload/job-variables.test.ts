// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitLab's ${VAR} syntax under test
import { describe, expect, it } from "vitest";
import type { JobVariable } from "../../protocol/index.js";
import { jobRecord, pipelineRecord, runnerRecord } from "../testing/job-fixtures.js";
import type { PipelineRecord, ProjectRecord, SubmittedVariable } from "../types.js";
import { buildPayload } from "./build-payload.js";
import {
  expandedForRunner,
  fromSubmitted,
  jobVariables,
  lastDefinitions,
  predefinedVariables,
  type VariableContext,
} from "./ci-variables.js";
import { payloadJson, rememberJson, variablesJson } from "./payload-json.js";

const project: ProjectRecord = {
  id: 3,
  path: "group/app",
  name: "app",
  repoDir: "/r",
  gitDir: "/r/.git",
  createdAt: 0,
};
const runner = runnerRecord({ id: 5, description: "r", tags: ["linux"] });

function pipeline(variables: SubmittedVariable[], userVariables: SubmittedVariable[] = []): PipelineRecord {
  return pipelineRecord({ id: 9, projectId: 3, variables, userVariables });
}

function context(
  p: PipelineRecord,
  index: number,
  jobVars: SubmittedVariable[] = [],
  projectVariables: SubmittedVariable[] = [],
): VariableContext {
  const job = {
    ...jobRecord(`fan ${index}/3`, 1, { parallel: { index, total: 3 } }),
    spec: { ...jobRecord("x", 1).spec, variables: jobVars, projectVariables },
  };
  return {
    job,
    pipeline: p,
    project,
    runner,
    token: `glcbt-token${index}`,
    serverUrl: new URL("http://127.0.0.1:8080/"),
    repoUrl: `http://gitlab-ci-token:glcbt-token${index}@127.0.0.1:8080/group/app.git`,
    startedAt: 1000 * index,
    dotenv: [{ jobId: 1, key: "FROM_DOTENV", value: "d" }],
  };
}

/** Every definition in GitLab's order, expanded and reduced as a whole: what the cached path must equal. */
function reference(ctx: VariableContext): Map<string, JobVariable[]> {
  const all = lastDefinitions(
    expandedForRunner([
      ...ctx.pipeline.variables.map(fromSubmitted),
      ...predefinedVariables(ctx),
      ...ctx.job.spec.variables.map(fromSubmitted),
      ...ctx.dotenv.map((d) => ({ key: d.key, value: d.value, public: true, masked: false })),
      ...(ctx.job.spec.projectVariables ?? []).map(fromSubmitted),
      ...ctx.pipeline.userVariables.map(fromSubmitted),
    ]),
  );
  return byKey(all);
}

function byKey(variables: readonly JobVariable[]): Map<string, JobVariable[]> {
  const out = new Map<string, JobVariable[]>();
  for (const v of variables) out.set(v.key, [...(out.get(v.key) ?? []), v]);
  return out;
}

describe("jobVariables", () => {
  it.each<[string, SubmittedVariable[], SubmittedVariable[], SubmittedVariable[]]>([
    [
      "plain values",
      [
        { key: "CI_COMMIT_SHA", value: "planner" },
        { key: "G", value: "g" },
      ],
      [],
      [],
    ],
    ["a job variable overriding a shared one", [{ key: "G", value: "g" }], [{ key: "G", value: "job" }], []],
    [
      "a job variable overriding a predefined one",
      [],
      [
        { key: "CI_PROJECT_NAME", value: "mine" },
        { key: "CI_JOB_NAME", value: "n" },
      ],
      [],
    ],
    [
      "a masked shared value overridden",
      [{ key: "S", value: "secret-1", masked: true }],
      [{ key: "S", value: "x" }],
      [],
    ],
    [
      "run variables last",
      [{ key: "G", value: "g" }],
      [{ key: "G", value: "j" }],
      [{ key: "G", value: "run" }],
    ],
    [
      "a job reference to a per-job value",
      [],
      [{ key: "OUT", value: "out-$CI_JOB_ID-${CI_NODE_INDEX}" }],
      [],
    ],
    ["a shared reference", [{ key: "A", value: "$CI_PIPELINE_ID/x" }], [], [{ key: "B", value: "$A" }]],
    ["a raw job value", [{ key: "A", value: "a" }], [{ key: "R", value: "$A", raw: true }], []],
  ])("%s: the same definitions as the whole list reduced at once", (_, pipelineVars, jobVars, runVars) => {
    const p = pipeline(pipelineVars, runVars);
    for (const index of [1, 2, 3]) {
      const ctx = context(p, index, jobVars);
      const got = jobVariables(ctx);
      expect(byKey(got)).toEqual(reference(ctx));
      expect(got.find((v) => v.key === "CI_NODE_INDEX")?.value).toBe(String(index));
      expect(got.find((v) => v.key === "CI_JOB_TOKEN")).toMatchObject({
        value: `glcbt-token${index}`,
        masked: true,
      });
    }
  });

  it("puts project variables above the job's own and below the run's", () => {
    const p = pipeline([{ key: "P", value: "pipeline" }], [{ key: "R", value: "run" }]);
    const ctx = context(
      p,
      1,
      [{ key: "P", value: "job" }],
      [
        { key: "P", value: "project" },
        { key: "R", value: "project" },
        { key: "T", value: "t", masked: true },
      ],
    );
    const got = jobVariables(ctx);
    expect(byKey(got)).toEqual(reference(ctx));
    expect(got.filter((v) => ["P", "R", "T"].includes(v.key)).map((v) => [v.key, v.value])).toEqual([
      ["P", "project"],
      ["T", "t"],
      ["R", "run"],
    ]);
  });

  it("sees a changed pipeline record, not the variables of the one before", () => {
    const before = pipeline([{ key: "G", value: "old" }]);
    expect(jobVariables(context(before, 1)).find((v) => v.key === "G")?.value).toBe("old");
    const after = { ...before, variables: [{ key: "G", value: "new" }] };
    expect(jobVariables(context(after, 1)).find((v) => v.key === "G")?.value).toBe("new");
  });
});

describe("payloadJson", () => {
  it("is the payload's JSON, shared and per-job variables alike", () => {
    const p = pipeline([{ key: "Q", value: 'quote " and \\ and \u2028 and ü' }]);
    for (const index of [1, 2]) {
      const ctx = context(p, index, [{ key: "J", value: "line\nbreak" }]);
      const payload = buildPayload({ ...ctx, dependencies: [], refExists: true });
      expect(JSON.parse(payloadJson(payload).toString())).toEqual(JSON.parse(JSON.stringify(payload)));
    }
  });
});

describe("variablesJson", () => {
  const v = (key: string): JobVariable => ({ key, value: `${key}-välue`, public: true, masked: false });
  const shared = [v("A"), v("B"), v("C")];
  rememberJson(shared);
  const [a, b, c] = shared;
  if (a === undefined || b === undefined || c === undefined) throw new Error("no variables");
  it.each<[string, JobVariable[]]>([
    ["the shared list, then own ones", [...shared, v("D")]],
    ["own ones first", [v("X"), ...shared]],
    ["a part of the shared list only", [a, b, v("D")]],
    ["the shared list with one left out", [a, c]],
    ["the shared list twice", [...shared, v("D"), ...shared]],
    ["only the shared list", [...shared]],
    ["nothing", []],
  ])("%s is serialised as JSON.stringify would", (_, list) => {
    expect(variablesJson(list).toString()).toBe(JSON.stringify(list));
  });
});
