// `npm run bench:plan`: time to load and plan, in-process after warm-up, for the fan-out shapes the
// project exists for. Prints min / median / max next to the target for each.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadCiConfig } from "../src/config/index.js";
import { type PlanContext, planPipeline, predefinedVariables } from "../src/plan/index.js";

const WARMUP = 10;
const RUNS = 40;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Scenario {
  readonly name: string;
  readonly file: string;
  readonly targetMs: number;
  readonly expectedJobs: number;
}

/** 5 jobs × `parallel: 200` and one 10×10 matrix job: 1,100 job instances, with rules and needs. */
function bigPipeline(): string {
  const lines = ["stages: [build, test, deploy]", ""];
  for (let i = 1; i <= 5; i++) {
    lines.push(
      `shard-${i}:`,
      "  stage: build",
      "  image: public.ecr.aws/docker/library/bash",
      "  parallel: 200",
      "  rules:",
      '    - if: $CI_PIPELINE_SOURCE == "push" || $CI_PIPELINE_SOURCE == "web"',
      "  script:",
      '    - echo "shard $CI_NODE_INDEX of $CI_NODE_TOTAL"',
      "",
    );
  }
  const values = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}${i}`).join(", ");
  lines.push(
    "matrix:",
    "  stage: test",
    "  needs: [shard-1]",
    "  parallel:",
    "    matrix:",
    `      - REGION: [${values("region-")}]`,
    `        TARGET: [${values("target-")}]`,
    "  script:",
    '    - echo "$REGION $TARGET"',
    "",
  );
  return lines.join("\n");
}

function context(): PlanContext {
  return {
    ref: "main",
    refType: "branch",
    sha: "0123456789abcdef0123456789abcdef01234567",
    beforeSha: "0000000000000000000000000000000000000000",
    source: "push",
    defaultBranch: "main",
    repositoryFiles: [".gitlab-ci.yml"],
    variables: {},
    projectPath: "bench/pipeline",
  };
}

async function loadAndPlan(file: string): Promise<number> {
  const ctx = context();
  const { config } = await loadCiConfig({
    file,
    projectDir: dirname(file),
    variables: predefinedVariables(ctx),
  });
  const result = planPipeline(config, ctx);
  return result.kind === "pipeline" ? result.plan.jobs.length : 0;
}

interface Timings {
  /** Wall-clock milliseconds per run, sorted. */
  readonly wall: number[];
  /** CPU milliseconds per run, sorted: steadier than wall time on a shared machine. */
  readonly cpu: number[];
}

async function measure(scenario: Scenario): Promise<Timings> {
  const jobs = await loadAndPlan(scenario.file);
  if (jobs !== scenario.expectedJobs) {
    throw new Error(`${scenario.name}: planned ${jobs} jobs, expected ${scenario.expectedJobs}`);
  }
  for (let i = 0; i < WARMUP; i++) await loadAndPlan(scenario.file);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await loadAndPlan(scenario.file);
    const used = process.cpuUsage(cpuStart);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  const byValue = (a: number, b: number): number => a - b;
  return { wall: wall.sort(byValue), cpu: cpu.sort(byValue) };
}

const ms = (value: number): string => `${value.toFixed(1)} ms`.padStart(10);

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "runfleet-plan-bench-"));
  try {
    const big = join(dir, ".gitlab-ci.yml");
    writeFileSync(big, bigPipeline());
    const scenarios: Scenario[] = [
      { name: "5 × parallel: 200 + 10×10 matrix", file: big, targetMs: 150, expectedJobs: 1100 },
      {
        name: "examples/hello-fargate (parallel: 200)",
        file: join(ROOT, "examples", "hello-fargate", ".gitlab-ci.yml"),
        targetMs: 30,
        expectedJobs: 200,
      },
    ];
    process.stdout.write(`load + plan, in-process, ${WARMUP} warm-up runs then ${RUNS} timed runs\n\n`);
    process.stdout.write(
      `${"pipeline".padEnd(40)}${"min".padStart(10)}${"median".padStart(10)}${"max".padStart(10)}${"target".padStart(10)}  result  ${"cpu median".padStart(10)}\n`,
    );
    let allMet = true;
    for (const scenario of scenarios) {
      const { wall, cpu } = await measure(scenario);
      const median = wall[Math.floor(wall.length / 2)] ?? Number.NaN;
      const cpuMedian = cpu[Math.floor(cpu.length / 2)] ?? Number.NaN;
      const met = median < scenario.targetMs;
      allMet &&= met;
      process.stdout.write(
        `${scenario.name.padEnd(40)}${ms(wall[0] ?? Number.NaN)}${ms(median)}${ms(wall[wall.length - 1] ?? Number.NaN)}${`< ${scenario.targetMs} ms`.padStart(10)}  ${(met ? "ok" : "MISSED").padEnd(6)}  ${ms(cpuMedian)}\n`,
      );
    }
    return allMet ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `bench:plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
