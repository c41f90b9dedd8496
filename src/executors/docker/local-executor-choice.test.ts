import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import type { JobPayload } from "../../protocol/index.js";
import type { Executor, ExecutorJob, JobEnvironment } from "../types.js";
import {
  chooseLocalExecutor,
  ImageRoutedExecutor,
  type LocalExecutorInput,
  probeEngine,
} from "./local-executor-choice.js";

const up = { answers: true, address: "unix:///run/podman.sock" };
const down = { answers: false, address: "unix:///var/run/docker.sock", detail: "connect ENOENT" };
const jobs = [
  { job: "build", image: "node:20" },
  { job: "test", image: "node:20" },
  { job: "lint", image: "python:3" },
];

describe("chooseLocalExecutor", () => {
  it.each<[string, LocalExecutorInput, "docker" | "shell", RegExp | null]>([
    ["auto with an engine", { requested: undefined, engine: up, imageJobs: jobs }, "docker", null],
    [
      "auto without an engine, no image jobs",
      { requested: undefined, engine: down, imageJobs: [] },
      "shell",
      null,
    ],
    [
      "auto without an engine",
      { requested: undefined, engine: down, imageJobs: jobs },
      "shell",
      /^notice: no Docker Engine API answers at unix:\/\/\/var\/run\/docker.sock \(connect ENOENT\), jobs run on this machine, so these images are ignored: "node:20" \(build, test\), "python:3" \(lint\); to run jobs in their images, start Docker or podman's API service \(npm run setup:containers/,
    ],
    [
      "--executor shell with an engine",
      { requested: "shell", imageJobs: jobs.slice(0, 1) },
      "shell",
      /^notice: --executor shell runs every job on this machine, so this image is ignored: "node:20" \(build\)$/,
    ],
    ["--executor shell, no image jobs", { requested: "shell", imageJobs: [] }, "shell", null],
    [
      "--executor docker with an engine",
      { requested: "docker", engine: up, imageJobs: jobs },
      "docker",
      null,
    ],
  ])("%s", (_name, input, executor, notice) => {
    const choice = chooseLocalExecutor(input);
    expect(choice.imageJobs).toBe(executor);
    if (notice === null) expect(choice.notices).toEqual([]);
    else {
      expect(choice.notices).toHaveLength(1);
      expect(choice.notices[0]).toMatch(notice);
    }
  });

  it("names at most five images and three jobs per image in its one notice", () => {
    const many = [
      ...["a", "b", "c", "d", "e"].map((job) => ({ job, image: "same:1" })),
      ...[2, 3, 4, 5, 6, 7].map((n) => ({ job: `j${n}`, image: `img:${n}` })),
    ];
    const { notices } = chooseLocalExecutor({ requested: "shell", imageJobs: many });
    expect(notices).toEqual([
      'notice: --executor shell runs every job on this machine, so these images are ignored: "same:1" (a, b, c and 2 more), "img:2" (j2), "img:3" (j3), "img:4" (j4), "img:5" (j5) and 2 more',
    ]);
  });

  it("--executor docker without an engine is an error naming the address, the probe's error and the way out", () => {
    let error: unknown;
    try {
      chooseLocalExecutor({ requested: "docker", engine: down, imageJobs: jobs });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect((error as RunfleetError).code).toBe("UNAVAILABLE");
    expect((error as RunfleetError).message).toBe(
      "--executor docker: no Docker Engine API answers at unix:///var/run/docker.sock (connect ENOENT)",
    );
    expect((error as RunfleetError).hint).toMatch(/setup:containers/);
  });

  it("probeEngine reports a socket that does not exist", async () => {
    const probe = await probeEngine("unix:///nonexistent/runfleet-test.sock");
    expect(probe.answers).toBe(false);
    expect(probe.address).toBe("unix:///nonexistent/runfleet-test.sock");
    expect(probe.detail).toMatch(/ENOENT/);
  });

  it("probeEngine does not count a remote engine, without asking it", async () => {
    const probe = await probeEngine("tcp://192.0.2.1:2375");
    expect(probe).toEqual({
      answers: false,
      address: "tcp://192.0.2.1:2375",
      detail: "a remote engine; jobs need one on this machine",
    });
  });

  it("probeEngine reports an address it cannot parse", async () => {
    const probe = await probeEngine("ssh://example");
    expect(probe.answers).toBe(false);
    expect(probe.detail).toMatch(/only unix:\/\/ and tcp:\/\//);
  });
});

describe("ImageRoutedExecutor", () => {
  function recorder(name: string, seen: string[]): Executor {
    return {
      name,
      prepare: async (job: ExecutorJob) => {
        seen.push(`${name}:${job.payload.id}`);
        return {} as JobEnvironment;
      },
    };
  }

  it("sends jobs with an image to one executor and the rest to the other", async () => {
    const seen: string[] = [];
    const routed = new ImageRoutedExecutor(recorder("docker", seen), recorder("shell", seen));
    const job = (id: number, image: JobPayload["image"]): ExecutorJob => ({
      payload: { id, image } as JobPayload,
      slot: 0,
      runnerShortToken: "t",
    });
    await routed.prepare(job(1, { name: "alpine" }));
    await routed.prepare(job(2, null));
    expect(seen).toEqual(["docker:1", "shell:2"]);
    expect(routed.name).toBe("docker+shell");
    expect([routed.nameFor(job(3, { name: "alpine" })), routed.nameFor(job(4, null))]).toEqual([
      "docker",
      "shell",
    ]);
  });
});
