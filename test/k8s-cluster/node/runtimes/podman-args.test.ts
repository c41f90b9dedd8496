import { describe, expect, it } from "vitest";
import type { ContainerLog } from "../logs/container-log.js";
import type { ContainerLaunch } from "./pod-runtime.js";
import { podmanCreateArgs } from "./podman-args.js";

const launch: ContainerLaunch = {
  podUid: "u-1",
  podName: "job",
  hostname: "job",
  namespace: "ci",
  podDir: "/state/pods/u-1",
  name: "build",
  image: "runfleet/test:1",
  command: undefined,
  args: undefined,
  workingDir: undefined,
  env: {},
  mounts: [],
  attempt: 0,
  log: {} as ContainerLog,
};

const tail = (extra: Partial<ContainerLaunch>) => {
  const args = podmanCreateArgs({ ...launch, ...extra }, "fargate-0");
  return args.slice(args.indexOf("io.kubernetes.container.name=build") + 1);
};

describe("podmanCreateArgs", () => {
  it("names, labels and puts the container in the host network without pulling", () => {
    const args = podmanCreateArgs(launch, "fargate-0");
    expect(args.slice(0, 5)).toEqual([
      "create",
      "--name",
      "rf-u-1-build-0",
      "--pull=never",
      "--network=host",
    ]);
    expect(args).toContain("io.runfleet.node=fargate-0");
    expect(args).toContain("io.runfleet.pod-uid=u-1");
  });

  it.each<{ name: string; extra: Partial<ContainerLaunch>; rest: string[] }>([
    { name: "image defaults", extra: {}, rest: ["runfleet/test:1"] },
    {
      name: "args replace CMD",
      extra: { args: ["-c", "echo hi"] },
      rest: ["runfleet/test:1", "-c", "echo hi"],
    },
    {
      name: "command replaces the entrypoint",
      extra: { command: ["sh", "-c"], args: ["echo $X"] },
      rest: ["--entrypoint", '["sh","-c"]', "runfleet/test:1", "echo $X"],
    },
    {
      name: "env, mounts and working dir",
      extra: {
        env: { A: "1", MULTI: "x\ny" },
        mounts: [
          { hostPath: "/s/v/work", containerPath: "/builds", readOnly: false },
          {
            hostPath: "/s/v/token",
            containerPath: "/var/run/secrets/kubernetes.io/serviceaccount",
            readOnly: true,
          },
        ],
        workingDir: "/builds",
      },
      rest: [
        "--env",
        "A=1",
        "--env",
        "MULTI=x\ny",
        "--mount",
        "type=bind,source=/s/v/work,destination=/builds",
        "--mount",
        "type=bind,source=/s/v/token,destination=/var/run/secrets/kubernetes.io/serviceaccount,ro=true",
        "--workdir",
        "/builds",
        "runfleet/test:1",
      ],
    },
  ])("$name", ({ extra, rest }) => {
    expect(tail(extra)).toEqual(rest);
  });
});
