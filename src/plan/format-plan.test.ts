import { describe, expect, it } from "vitest";
import { config, context, job, rule } from "./config-builder.test-support.js";
import { formatPlan } from "./format-plan.js";
import { planPipeline } from "./plan-pipeline.js";

describe("formatPlan", () => {
  it("lists stages and jobs, folds a fan-out and shows what decides each job", () => {
    const text = formatPlan(
      planPipeline(
        config([
          job("build", { stage: "build", image: { name: "golang:1.23" }, tags: ["linux"] }),
          job("unit", {
            parallel: { kind: "count", count: 50 },
            needs: [{ kind: "job", job: "build", optional: false, artifacts: true }],
          }),
          job("canary", {
            stage: "deploy",
            when: "delayed",
            startIn: 5400,
            allowFailure: { exitCodes: [3] },
          }),
          job("prod", { stage: "deploy", rules: [rule({ when: "manual" })] }),
          job("nightly", { rules: [rule({ if: '$CI_PIPELINE_SOURCE == "schedule"' })] }),
          job("fuzz", { parallel: { kind: "count", count: 3 }, rules: [rule({ if: "$FUZZ" })] }),
        ]),
        context(),
      ),
    );
    expect(text).toBe(
      [
        "pipeline (source push): 3 stages, 53 jobs",
        "  stage build",
        "    build",
        "      image: golang:1.23 | tags: linux",
        "  stage test",
        "    unit 1/50 … unit 50/50 (50 jobs)",
        "      needs: build",
        "  stage deploy",
        "    canary",
        "      when: delayed, starts 1h 30m after its stage | allowed to fail with exit codes 3",
        "    prod",
        "      when: manual",
        "  not in this pipeline: nightly (no rule matched); fuzz (no rule matched) ×3",
        "",
      ].join("\n"),
    );
  });

  it("says why there is no pipeline", () => {
    const result = planPipeline(config([job("a", { rules: [] })]), context());
    expect(formatPlan(result)).toBe(
      "no pipeline: rules, only or except exclude every job for this ref and source (1 checked)\n",
    );
  });
});
