import { describe, expect, it } from "vitest";
import type { PipelinePlan, PlannedJob } from "../plan/types.js";
import { playManualJobs, selectJobs } from "./select-jobs.js";

function job(name: string, stage: string, extra: Partial<PlannedJob> = {}): PlannedJob {
  return {
    name,
    baseName: name.replace(/ \d+\/\d+$/, ""),
    stage,
    stageIndex: 0,
    when: "on_success",
    allowFailure: false,
    pipelineNeeds: [],
    services: [],
    tags: [],
    variables: {},
    rawVariables: [],
    beforeScript: [],
    script: ["true"],
    afterScript: [],
    cache: [],
    retry: { max: 0, when: [], exitCodes: [] },
    interruptible: false,
    location: { file: ".gitlab-ci.yml", line: 1, column: 1 },
    ...extra,
  } as PlannedJob;
}
const need = (name: string) => ({ name, artifacts: true, optional: false });

const plan: PipelinePlan = {
  stages: ["build", "test", "deploy"],
  jobs: [
    job("compile", "build"),
    job("lint", "build"),
    job("unit 1/2", "test", { stageIndex: 1, needs: [need("compile")] }),
    job("unit 2/2", "test", { stageIndex: 1, needs: [need("compile")] }),
    job("e2e", "test", { stageIndex: 1, needs: [], dependencies: ["compile"] }),
    job("smoke", "test", { stageIndex: 1 }),
    job("approve", "build", { when: "manual" }),
    job("ship", "deploy", {
      stageIndex: 2,
      when: "manual",
      needs: [need("unit 1/2"), need("unit 2/2"), need("gate")],
    }),
    job("gate", "deploy", { stageIndex: 2, when: "manual", needs: [] }),
  ],
  predefinedVariables: {},
  pipelineVariables: {},
  source: "push",
  warnings: [],
};

const names = (p: PipelinePlan) => p.jobs.map((j) => `${j.name}:${j.when}`);

describe("selectJobs", () => {
  it("keeps the whole plan when no job is named", () => {
    expect(selectJobs(plan, [])).toBe(plan);
  });

  it.each<[string[], string[], string[]]>([
    [["lint"], ["lint:on_success"], ["build"]],
    [["unit"], ["compile:on_success", "unit 1/2:on_success", "unit 2/2:on_success"], ["build", "test"]],
    [["unit 2/2"], ["compile:on_success", "unit 2/2:on_success"], ["build", "test"]],
    [["e2e"], ["compile:on_success", "e2e:on_success"], ["build", "test"]],
    [["smoke"], ["compile:on_success", "lint:on_success", "smoke:on_success"], ["build", "test"]],
    [
      ["smoke", "approve"],
      ["compile:on_success", "lint:on_success", "smoke:on_success", "approve:on_success"],
      ["build", "test"],
    ],
    [
      ["ship"],
      ["compile:on_success", "unit 1/2:on_success", "unit 2/2:on_success", "ship:on_success", "gate:manual"],
      ["build", "test", "deploy"],
    ],
  ])("%j selects its needs transitively", (selected, expected, stages) => {
    const result = selectJobs(plan, selected);
    expect(names(result)).toEqual(expected);
    expect(result.stages).toEqual(stages);
    expect(result.jobs.map((j) => j.stageIndex)).toEqual(result.jobs.map((j) => stages.indexOf(j.stage)));
  });

  it("refuses an unknown job name as a usage error listing the jobs", () => {
    expect(() => selectJobs(plan, ["nope"])).toThrow(
      expect.objectContaining({ code: "USAGE", hint: expect.stringContaining("compile, lint, unit") }),
    );
  });
});

describe("playManualJobs", () => {
  it("keeps the plan when nothing is played", () => {
    expect(playManualJobs(plan, [])).toBe(plan);
  });

  it("plays the named manual jobs and leaves the rest of the pipeline as it is", () => {
    const played = playManualJobs(plan, ["gate"]);
    expect(names(played)).toEqual(names(plan).map((n) => (n === "gate:manual" ? "gate:on_success" : n)));
    expect(played.stages).toEqual(plan.stages);
  });

  it("then lets a named job run with what it needs, the played job included", () => {
    expect(names(selectJobs(playManualJobs(plan, ["gate"]), ["ship"]))).toEqual([
      "compile:on_success",
      "unit 1/2:on_success",
      "unit 2/2:on_success",
      "ship:on_success",
      "gate:on_success",
    ]);
  });

  it.each([
    [["lint"], /--manual lint: the job is not manual/, "manual jobs: approve, ship, gate"],
    [["nope"], /no job "nope"/, "jobs: compile"],
  ])("refuses %j as a usage error", (names, message, hint) => {
    expect(() => playManualJobs(plan, names)).toThrow(
      expect.objectContaining({
        code: "USAGE",
        message: expect.stringMatching(message),
        hint: expect.stringContaining(hint),
      }),
    );
  });
});
