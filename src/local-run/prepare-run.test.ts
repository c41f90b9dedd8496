import { describe, expect, it } from "vitest";
import { loadCiConfig, memoryFileReader } from "../config/index.js";
import { RunfleetError } from "../errors/index.js";
import type { EngineProbe } from "../executors/docker/index.js";
import { planPipeline } from "../plan/index.js";
import type { PipelinePlan } from "../plan/types.js";
import { chooseRunExecutor } from "./prepare-run.js";
import type { RunOptions } from "./run-options.js";

async function planOf(yaml: string): Promise<PipelinePlan> {
  const { config } = await loadCiConfig({
    file: ".gitlab-ci.yml",
    projectDir: "/p",
    reader: memoryFileReader({ "/p/.gitlab-ci.yml": yaml, "/p/child.yml": "c: { script: [echo c] }\n" }),
  });
  const result = planPipeline(config, {
    ref: "main",
    refType: "branch",
    sha: "a".repeat(40),
    beforeSha: "0".repeat(40),
    source: "push",
    defaultBranch: "main",
    repositoryFiles: [],
    variables: {},
    projectPath: "local/p",
  });
  if (result.kind !== "pipeline") throw new Error("expected a pipeline");
  return result.plan;
}

const MIXED = `
build: { image: "node:20", script: [echo b] }
test: { image: "node:20", script: [echo t] }
lint: { script: [echo l] }
`;
const NO_IMAGES = "lint: { script: [echo l] }\n";
const TRIGGER_ONLY = `
lint: { script: [echo l] }
child: { trigger: { include: child.yml } }
`;
const ALL_IMAGES = `
default: { image: "alpine:3" }
a: { script: [echo a] }
deploy: { trigger: { include: child.yml } }
`;

const UP: EngineProbe = { answers: true, address: "unix:///run/podman.sock" };
const DOWN: EngineProbe = {
  answers: false,
  address: "unix:///var/run/docker.sock",
  detail: "connect ENOENT",
};

/** Counts the probes: an engine is asked only when the answer matters. */
function prober(engine: EngineProbe) {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    probe: async (host: string | undefined) => {
      asked.push(host);
      return engine;
    },
  };
}

type Options = Pick<RunOptions, "executor" | "image">;
const auto: Options = { executor: undefined, image: undefined };

describe("chooseRunExecutor", () => {
  it.each<[string, string, Options, EngineProbe, string, number, RegExp | null]>([
    [
      "auto, engine up",
      MIXED,
      auto,
      UP,
      "image-routed",
      1,
      /^notice: jobs with image: run in their image .*podman/,
    ],
    ["auto, engine down", MIXED, auto, DOWN, "shell", 1, /"node:20" \(build, test\).*setup:containers/],
    ["auto, no image jobs: no probe", NO_IMAGES, auto, UP, "shell", 0, null],
    ["auto, a child pipeline may have images", TRIGGER_ONLY, auto, UP, "image-routed", 1, null],
    ["shell: no probe", MIXED, { executor: "shell", image: undefined }, UP, "shell", 0, /--executor shell/],
    [
      "docker, every job has an image",
      ALL_IMAGES,
      { executor: "docker", image: undefined },
      UP,
      "docker",
      1,
      null,
    ],
    ["docker with --image", MIXED, { executor: "docker", image: "alpine:3" }, UP, "docker", 1, null],
  ])("%s", async (_name, yaml, options, engine, kind, probes, notice) => {
    const p = prober(engine);
    const chosen = await chooseRunExecutor(await planOf(yaml), options, p.probe, {
      DOCKER_HOST: engine.address,
    });
    expect(chosen.executor.kind).toBe(kind);
    expect(p.asked).toEqual(probes === 0 ? [] : [engine.address]);
    if (notice === null) expect(chosen.notices).toEqual([]);
    else {
      expect(chosen.notices).toHaveLength(1);
      expect(chosen.notices[0]).toMatch(notice);
    }
  });

  it.each<[string, Options, EngineProbe, string[]]>([
    ["auto with an engine: jobs without an image", auto, UP, ["db-on-host"]],
    ["auto without an engine: every job", auto, DOWN, ["db-in-image", "db-on-host"]],
    [
      "--executor shell: every job",
      { executor: "shell", image: undefined },
      UP,
      ["db-in-image", "db-on-host"],
    ],
    ["--executor docker: none", { executor: "docker", image: "alpine:3" }, UP, []],
  ])("names the jobs whose services are ignored, %s", async (_name, options, engine, jobs) => {
    const yaml = `
db-in-image: { image: "node:20", services: ["postgres:15"], script: [echo a] }
db-on-host: { services: ["postgres:15"], script: [echo b] }
plain: { script: [echo c] }
`;
    const { notices } = await chooseRunExecutor(await planOf(yaml), options, prober(engine).probe);
    const services = notices.filter((n) => n.includes("services ignored"));
    expect(services).toEqual(
      jobs.length === 0
        ? []
        : [
            `notice: services ignored for jobs that run on this machine (${jobs.join(", ")}): services run only beside a job in its container`,
          ],
    );
  });

  it("names ignored images as the jobs will ask for them, variables expanded", async () => {
    const yaml = `
variables: { REGISTRY: "registry.local:5000", BASE: "$REGISTRY/base" }
build: { image: "$BASE:$TAG", variables: { TAG: "1.2" }, script: [echo b] }
matrix:
  image: "node:$NODE"
  parallel: { matrix: [{ NODE: ["18", "20"] }] }
  script: [echo m]
raw:
  image: "$LITERAL"
  variables: { LITERAL: { value: "keep-$TAG", expand: false } }
  script: [echo r]
`;
    const { notices } = await chooseRunExecutor(await planOf(yaml), auto, prober(DOWN).probe);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('"registry.local:5000/base:1.2" (build)');
    expect(notices[0]).toContain('"node:18" (matrix)');
    expect(notices[0]).toContain('"node:20" (matrix)');
    expect(notices[0]).toContain('"keep-$TAG" (raw)');
    expect(notices[0]).not.toContain('"$');
  });

  it("--image becomes the default image of the docker executor", async () => {
    const chosen = await chooseRunExecutor(
      await planOf(MIXED),
      { executor: "docker", image: "alpine:3" },
      prober(UP).probe,
    );
    expect(chosen.executor).toEqual({ kind: "docker", defaultImage: "alpine:3" });
  });

  it("--executor docker without an engine fails before anything starts", async () => {
    const err = await chooseRunExecutor(
      await planOf(MIXED),
      { executor: "docker", image: undefined },
      prober(DOWN).probe,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunfleetError);
    expect((err as RunfleetError).code).toBe("UNAVAILABLE");
    expect((err as RunfleetError).message).toBe(
      "--executor docker: no Docker Engine API answers at unix:///var/run/docker.sock (connect ENOENT)",
    );
  });

  it("--executor docker names the jobs without an image, at the first one's place in the config", async () => {
    const yaml = `${MIXED}fmt: { script: [echo f] }\n`;
    const err = await chooseRunExecutor(
      await planOf(yaml),
      { executor: "docker", image: undefined },
      prober(UP).probe,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunfleetError);
    const e = err as RunfleetError;
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toBe(
      "--executor docker runs every job in a container, but these jobs name no image: lint, fmt",
    );
    expect(e.hint).toMatch(/--image IMAGE/);
    expect(e.location).toMatchObject({ file: expect.stringMatching(/\.gitlab-ci\.yml$/), line: 4 });
  });
});
