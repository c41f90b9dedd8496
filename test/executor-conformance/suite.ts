// biome-ignore-all lint/suspicious/noTemplateCurlyInString: job scripts are shell syntax
/**
 * The one scenario suite every executor runs: exit codes, cancel, timeout, after_script and
 * CI_JOB_STATUS, masking, variables (file variables too), before_script sharing the shell with script,
 * a clean checkout per job, artifacts and cache — all through a real coordinator over HTTP.
 * An executor's test file calls `executorConformanceSuite(target)`; nothing here knows which executor runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobArtifact, JobCache } from "../../src/protocol/index.js";
import { ConformanceHarness, type ConformanceTarget, plain } from "./harness.js";

function artifact(paths: string[], extra: Partial<JobArtifact> = {}): JobArtifact {
  return {
    name: "",
    untracked: false,
    paths,
    exclude: [],
    when: "on_success",
    expire_in: null,
    artifact_type: "archive",
    artifact_format: "zip",
    ...extra,
  };
}

function cache(key: string, paths: string[], extra: Partial<JobCache> = {}): JobCache {
  return {
    key,
    untracked: false,
    paths,
    policy: "pull-push",
    when: "on_success",
    fallback_keys: [],
    ...extra,
  };
}

export function executorConformanceSuite(target: ConformanceTarget): void {
  const enabled = target.available();
  describe.skipIf(!enabled)(`executor conformance: ${target.name}`, () => {
    let h: ConformanceHarness;
    beforeAll(async () => {
      h = await ConformanceHarness.start(target);
    });
    afterAll(async () => {
      await h?.stop();
    });

    it.each([
      [["true"], "success", null],
      [["exit 3"], "failed", 3],
      [["false", "echo never"], "failed", 1],
      [["echo ok", "exit 42"], "failed", 42],
    ])("script %j ends %s with exit code %j", async (script, status, exitCode) => {
      const { jobs } = await h.run(["test"], [{ name: "job", script }]);
      const job = jobs.job;
      expect(job?.record.status).toBe(status);
      if (exitCode !== null) {
        expect(job?.record.exitCode).toBe(exitCode);
        expect(job?.record.failureReason).toBe("script_failure");
        expect(plain(job?.trace ?? "")).toContain(`ERROR: Job failed: exit code ${exitCode}`);
      }
      expect(plain(job?.trace ?? "")).not.toContain("never\n");
    });

    it("echoes each command and shows its output, with stage sections", async () => {
      const { jobs } = await h.run(["test"], [{ name: "echo", script: ["echo hello-from-job"] }]);
      const trace = jobs.echo?.trace ?? "";
      expect(plain(trace)).toContain("$ echo hello-from-job\nhello-from-job\n");
      for (const stage of ["prepare_executor", "get_sources", "step_script"]) {
        expect(trace).toMatch(new RegExp(`section_start:\\d+:${stage}`));
        expect(trace).toMatch(new RegExp(`section_end:\\d+:${stage}`));
      }
    });

    it("runs before_script and script in one shell", async () => {
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "shared",
            beforeScript: ["export SHARED=from-before", "cd /"],
            script: ['test "$SHARED" = from-before', 'test "$(pwd)" = /'],
          },
        ],
      );
      expect(jobs.shared?.record.status).toBe("success");
    });

    it.each([
      [["true"], "success", "success"],
      [["exit 7"], "failed", "failed"],
    ])("after_script runs in a fresh shell in the project dir after %j and sees CI_JOB_STATUS=%s", async (script, status, ciStatus) => {
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "after",
            beforeScript: ["export LEAK=yes", "cd /"],
            script,
            afterScript: [
              'echo "status=$CI_JOB_STATUS leak=${LEAK:-no} dir=$(pwd)"',
              'test "$(pwd)" = "$CI_PROJECT_DIR"',
              "exit 9",
            ],
          },
        ],
      );
      const job = jobs.after;
      expect(job?.record.status).toBe(status);
      const trace = plain(job?.trace ?? "");
      expect(trace).toContain(`status=${ciStatus} leak=no dir=`);
      // after_script's own failure is reported, and changes nothing.
      expect(trace).toContain("after_script failed, but job will continue unaffected: exit code 9");
      if (status === "failed") expect(job?.record.exitCode).toBe(7);
    });

    it("AFTER_SCRIPT_IGNORE_ERRORS=false lets a failing after_script fail the job", async () => {
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "strict-after",
            variables: [{ key: "AFTER_SCRIPT_IGNORE_ERRORS", value: "false" }],
            script: ["true"],
            afterScript: ["exit 5"],
          },
        ],
      );
      expect(jobs["strict-after"]?.record.status).toBe("failed");
      expect(jobs["strict-after"]?.record.exitCode).toBe(5);
    });

    it("a job that outlives its timeout is killed: job_execution_timeout, after_script sees timedout", async () => {
      const started = Date.now();
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "slow",
            timeoutSeconds: 2,
            script: ["echo start", "sleep 60"],
            afterScript: ['echo "after=$CI_JOB_STATUS"'],
          },
        ],
      );
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(jobs.slow?.record.status).toBe("failed");
      expect(jobs.slow?.record.failureReason).toBe("job_execution_timeout");
      expect(plain(jobs.slow?.trace ?? "")).toContain("after=timedout");
    });

    it("cancel stops the script, still runs after_script with CI_JOB_STATUS=canceled", async () => {
      const started = Date.now();
      const pipelineId = await h.submit(
        ["test"],
        [
          {
            name: "cancel-me",
            script: ["echo started", "sleep 60"],
            afterScript: ['echo "after=$CI_JOB_STATUS"'],
          },
        ],
      );
      const jobId = await h.waitForRunning(pipelineId, "cancel-me");
      await new Promise((r) => setTimeout(r, 500));
      await h.setup.coordinator.cancelJob(jobId);
      const { jobs } = await h.wait(pipelineId);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(jobs["cancel-me"]?.record.status).toBe("canceled");
      expect(plain(jobs["cancel-me"]?.trace ?? "")).toContain("after=canceled");
    });

    it("masks masked variables in the trace, also split across output chunks", async () => {
      const secret = "s3cr3t-Value-1234";
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "mask",
            script: [
              `echo "value: $SECRET"`,
              `printf 's3cr3t-'; sleep 0.4; printf 'Value-1234\\n'`,
              "echo job-token: $CI_JOB_TOKEN",
            ],
          },
        ],
        [{ key: "SECRET", value: secret, masked: true }],
      );
      const trace = jobs.mask?.trace ?? "";
      expect(trace).not.toContain(secret);
      expect(trace).toContain("value: [MASKED]");
      expect(plain(trace)).toMatch(/\[MASKED\]\n/);
      expect(plain(trace)).toContain("job-token: [MASKED]\n");
    });

    it("exports variables: job, pipeline, runner environment, predefined, file and raw", async () => {
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "vars",
            variables: [
              { key: "JOB_VAR", value: "job-$PIPE_VAR" },
              { key: "RAW_VAR", value: "keep-$PIPE_VAR", raw: true },
              { key: "CONF", value: "line1\nline2\n", file: true },
            ],
            script: [
              'test "$JOB_VAR" = job-pipe',
              "test \"$RAW_VAR\" = 'keep-$PIPE_VAR'",
              'test "$RUNNER_ENV_VAR" = from-runner',
              'test -f "$CONF" && test "$(cat "$CONF")" = "$(printf "line1\\nline2")"',
              'test "$CI_PROJECT_DIR" = "$(pwd)"',
              'test -n "$CI_JOB_ID" && test "$CI_JOB_NAME" = vars && test "$CI_SERVER" = yes',
              'test "$CI_JOB_STATUS" = running',
            ],
          },
        ],
        [{ key: "PIPE_VAR", value: "pipe" }],
      );
      expect(plain(jobs.vars?.trace ?? "")).not.toContain("ERROR");
      expect(jobs.vars?.record.status).toBe("success");
    });

    it("GIT_STRATEGY=none leaves the directory alone and does no git work", async () => {
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "no-git",
            variables: [{ key: "GIT_STRATEGY", value: "none" }],
            script: ['test "$(pwd)" = "$CI_PROJECT_DIR"'],
          },
        ],
      );
      expect(jobs["no-git"]?.record.status).toBe("success");
      expect(plain(jobs["no-git"]?.trace ?? "")).toContain("Skipping Git repository setup");
    });

    it("honours GIT_CLONE_PATH inside the builds directory", async () => {
      const { jobs } = await h.run(
        ["test"],
        [
          {
            name: "clone-path",
            variables: [{ key: "GIT_CLONE_PATH", value: "$CI_BUILDS_DIR/custom/$CI_CONCURRENT_ID/app" }],
            script: [
              'test "$CI_PROJECT_DIR" = "$CI_BUILDS_DIR/custom/$CI_CONCURRENT_ID/app"',
              'test "$(pwd)" = "$CI_PROJECT_DIR"',
              "test -f README.md",
            ],
          },
        ],
      );
      expect(plain(jobs["clone-path"]?.trace ?? "")).not.toContain("ERROR");
      expect(jobs["clone-path"]?.record.status).toBe("success");
    });

    it("starts every job from a clean checkout of its commit", async () => {
      const { jobs } = await h.run(
        ["dirty", "check"],
        [
          {
            name: "dirty",
            stage: "dirty",
            script: [
              "echo changed > README.md",
              "echo junk > untracked.txt",
              "mkdir -p ignored && touch ignored/x",
            ],
          },
          {
            name: "check",
            stage: "check",
            script: [
              'test "$(cat README.md)" = hello',
              "test ! -e untracked.txt",
              "test ! -e ignored",
              'test "$(git rev-parse HEAD)" = "$CI_COMMIT_SHA"',
            ],
          },
        ],
      );
      expect(jobs.dirty?.record.status).toBe("success");
      expect(jobs.check?.record.status).toBe("success");
    });

    it("passes artifacts to later jobs, honouring exclude and when", async () => {
      const { jobs } = await h.run(
        ["build", "test"],
        [
          {
            name: "build",
            stage: "build",
            script: [
              "mkdir -p out/sub",
              "echo bin > out/app",
              "echo deep > out/sub/deep.txt",
              "echo log > out/build.log",
              "chmod +x out/app",
            ],
            artifacts: [
              artifact(["out/"], { exclude: ["out/**/*.log"] }),
              artifact(["never/"], { when: "on_failure" }),
            ],
          },
          {
            name: "use",
            stage: "test",
            script: [
              'test "$(cat out/app)" = bin',
              'test "$(cat out/sub/deep.txt)" = deep',
              "test ! -e out/build.log",
              "test -x out/app",
            ],
          },
        ],
      );
      expect(jobs.build?.record.status).toBe("success");
      expect(plain(jobs.use?.trace ?? "")).toContain("Downloading artifacts");
      expect(jobs.use?.record.status).toBe("success");
    });

    it("uploads artifacts of a failed job only when asked (when: on_failure/always)", async () => {
      const { jobs } = await h.run(
        ["build", "test"],
        [
          {
            name: "broken",
            stage: "build",
            script: ["echo report > report.txt", "exit 1"],
            artifacts: [artifact(["report.txt"], { when: "always" })],
          },
          {
            name: "inspect",
            stage: "test",
            when: "on_failure",
            script: ['test "$(cat report.txt)" = report'],
          },
        ],
      );
      expect(jobs.broken?.record.status).toBe("failed");
      expect(plain(jobs.broken?.trace ?? "")).toContain("Uploading artifacts");
      expect(jobs.inspect?.record.status).toBe("success");
    });

    it("uploads reports as their own artifacts: a dotenv report's variables reach later jobs", async () => {
      const { jobs } = await h.run(
        ["build", "deploy"],
        [
          {
            name: "version",
            stage: "build",
            script: ["echo BUILD_VERSION=1.2.3 > build.env"],
            artifacts: [
              artifact(["build.env"], { artifact_type: "dotenv", artifact_format: "gzip", when: "always" }),
            ],
          },
          { name: "deploy", stage: "deploy", script: ['test "$BUILD_VERSION" = 1.2.3'] },
        ],
      );
      expect(plain(jobs.version?.trace ?? "")).toContain(
        'Uploading artifacts as "dotenv" to coordinator... 201',
      );
      expect(jobs.deploy?.record.status).toBe("success");
    });

    it("keeps a cache between jobs by key, with policy and fallback keys", async () => {
      const key = `k-${Date.now()}`;
      const { jobs } = await h.run(
        ["fill", "read", "fallback"],
        [
          {
            name: "fill",
            stage: "fill",
            script: ["mkdir -p .deps", "echo cached > .deps/lib"],
            cache: [cache(key, [".deps/"], { policy: "push" })],
          },
          {
            name: "read",
            stage: "read",
            script: ['test "$(cat .deps/lib)" = cached', "echo changed > .deps/lib"],
            cache: [cache(key, [".deps/"], { policy: "pull" })],
          },
          {
            name: "fallback",
            stage: "fallback",
            script: ['test "$(cat .deps/lib)" = cached'],
            cache: [cache(`${key}-missing`, [".deps/"], { fallback_keys: [key] })],
          },
        ],
      );
      expect(jobs.fill?.record.status).toBe("success");
      expect(jobs.read?.record.status).toBe("success");
      expect(jobs.fallback?.record.status).toBe("success");
    });
  });
}
