import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import type { JobPayload } from "../../protocol/index.js";
import type { Executor, ExecutorJob, JobEnvironment } from "../types.js";
import {
  chooseLocalExecutor,
  ImageRoutedExecutor,
  type LocalExecutorRequest,
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
  it.each<[string, LocalExecutorRequest, typeof up, typeof jobs, "docker" | "shell", RegExp[]]>([
    ["auto with an engine", undefined, up, jobs, "docker", []],
    ["auto without an engine, no image jobs", undefined, down, [], "shell", []],
    [
      "auto without an engine",
      undefined,
      down,
      jobs,
      "shell",
      [
        /^notice: image "node:20" ignored \(build, test\): no Docker Engine API answers at unix:\/\/\/var\/run\/docker.sock.*npm run setup:containers/,
        /^notice: image "python:3" ignored \(lint\)/,
      ],
    ],
    [
      "--executor shell with an engine",
      "shell",
      up,
      jobs.slice(0, 1),
      "shell",
      [/image "node:20" ignored \(build\): --executor shell/],
    ],
    ["--executor docker with an engine", "docker", up, jobs, "docker", []],
  ])("%s", (_name, requested, engine, imageJobs, executor, notices) => {
    const choice = chooseLocalExecutor({ requested, engine, imageJobs });
    expect(choice.imageJobs).toBe(executor);
    expect(choice.notices).toHaveLength(notices.length);
    for (const [i, re] of notices.entries()) expect(choice.notices[i]).toMatch(re);
  });

  it("--executor docker without an engine is a usage error naming the address and the way out", () => {
    let error: unknown;
    try {
      chooseLocalExecutor({ requested: "docker", engine: down, imageJobs: jobs });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect((error as RunfleetError).code).toBe("USAGE");
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
  });
});
