import { describe, expect, it } from "vitest";
import type { JobImage } from "../../protocol/index.js";
import {
  buildContainerBody,
  entrypointFor,
  LABEL_JOB,
  labelsFor,
  portsToWaitFor,
  serviceContainerBody,
  splitVolumes,
} from "./container-specs.js";
import { parseDockerSettings } from "./docker-settings.js";

const labels = labelsFor({ jobKey: "k1", executorKey: "e1", jobId: 7, projectPath: "g/p" }, "build");

describe("container-create bodies", () => {
  it.each<[string, JobImage["entrypoint"], object]>([
    ["image's own", undefined, {}],
    ['removed by [""]', [""], { Entrypoint: [""] }],
    ["removed by []", [], { Entrypoint: [""] }],
    ["replaced", ["/bin/sh", "-c"], { Entrypoint: ["/bin/sh", "-c"] }],
  ])("entrypoint: %s", (_name, entrypoint, expected) => {
    expect(entrypointFor(entrypoint === undefined ? {} : { entrypoint })).toEqual(expected);
  });

  it("splits volumes into binds and anonymous volumes", () => {
    expect(splitVolumes(["/cache", "/srv:/srv:ro"])).toEqual({
      binds: ["/srv:/srv:ro"],
      anonymous: ["/cache"],
    });
  });

  it("builds the stage container: sh on the script, build dir mounted, resources, no privileges", () => {
    const body = buildContainerBody({
      image: "localhost/x:1",
      jobImage: {},
      labels,
      settings: parseDockerSettings({ memory: "256m", cpus: "0.5", volumes: ["/cache", "/a:/b"] }),
      placement: { network: "runfleet-job-1", extraHosts: ["db:10.0.0.2"] },
      mounts: [
        { host: "/var/builds/t/0/g/p", container: "/builds/t/0/g/p" },
        { host: "/var/builds/t/0/g/p.tmp", container: "/builds/t/0/g/p.tmp" },
      ],
      workingDir: "/builds/g/p",
      scriptPath: "/builds/g/p.tmp/step_script.sh",
    });
    expect(body).toEqual({
      Image: "localhost/x:1",
      Cmd: ["sh", "/builds/g/p.tmp/step_script.sh"],
      WorkingDir: "/builds/g/p",
      Labels: labels,
      Tty: false,
      Volumes: { "/cache": {} },
      HostConfig: {
        Binds: [
          "/var/builds/t/0/g/p:/builds/t/0/g/p",
          "/var/builds/t/0/g/p.tmp:/builds/t/0/g/p.tmp",
          "/a:/b",
        ],
        NetworkMode: "runfleet-job-1",
        ExtraHosts: ["db:10.0.0.2"],
        Memory: 268435456,
        NanoCpus: 500_000_000,
        Privileged: false,
        AutoRemove: false,
      },
    });
    expect(body.Labels[LABEL_JOB]).toBe("k1");
  });

  it("builds a service container with its command, entrypoint, variables, ports and aliases", () => {
    const body = serviceContainerBody({
      image: "docker.io/library/postgres:15",
      service: {
        name: "postgres:15",
        entrypoint: ["docker-entrypoint.sh"],
        command: ["postgres", "-c", "fsync=off"],
        ports: [{ number: 5432 }],
        variables: [{ key: "POSTGRES_PASSWORD", value: "pw", public: true, masked: false }],
      },
      aliases: ["postgres", "db"],
      labels,
      settings: parseDockerSettings({ memory: "1g" }),
      network: "runfleet-job-1",
      jobEnv: ["CI=true", "POSTGRES_PASSWORD=job"],
    });
    expect(body.Entrypoint).toEqual(["docker-entrypoint.sh"]);
    expect(body.Cmd).toEqual(["postgres", "-c", "fsync=off"]);
    expect(body.Env).toEqual(["CI=true", "POSTGRES_PASSWORD=job", "POSTGRES_PASSWORD=pw"]);
    expect(body.ExposedPorts).toEqual({ "5432/tcp": {} });
    expect(body.HostConfig).toEqual({ NetworkMode: "runfleet-job-1", Privileged: false, AutoRemove: false });
    expect(body.NetworkingConfig).toEqual({
      EndpointsConfig: { "runfleet-job-1": { Aliases: ["postgres", "db"] } },
    });
  });

  it.each<[string, JobImage["ports"], string[], number[]]>([
    ["declared ports win", [{ number: 5432 }, { number: 53, protocol: "udp" }], ["80/tcp"], [5432]],
    ["else the image's tcp ports", undefined, ["80/tcp", "53/udp", "8080"], [80, 8080]],
    ["no ports, no wait", undefined, [], []],
  ])("ports to wait for: %s", (_name, ports, exposed, expected) => {
    expect(portsToWaitFor(ports === undefined ? { name: "s" } : { name: "s", ports }, exposed)).toEqual(
      expected,
    );
  });
});
