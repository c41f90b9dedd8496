import { describe, expect, it } from "vitest";
import { normalizeImageName, registryOf, rewriteImage } from "./image-reference.js";

describe("normalizeImageName", () => {
  it.each([
    ["busybox", "docker.io/library/busybox:latest"],
    ["postgres:15", "docker.io/library/postgres:15"],
    ["tutum/wordpress", "docker.io/tutum/wordpress:latest"],
    ["docker.io/library/alpine:3.19", "docker.io/library/alpine:3.19"],
    ["localhost/runfleet-test/busybox:latest", "localhost/runfleet-test/busybox:latest"],
    ["127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app:latest"],
    ["registry.example.com/g/app:1.2@sha256:abc", "registry.example.com/g/app:1.2@sha256:abc"],
    ["alpine@sha256:abc", "docker.io/library/alpine@sha256:abc"],
  ])("%s → %s", (name, normalized) => {
    expect(normalizeImageName(name)).toBe(normalized);
  });
});

describe("rewriteImage", () => {
  const rewrites = {
    "docker.io/": "mirror.example/dockerhub/",
    "docker.io/library/postgres": "pg.example/postgres",
  };
  it.each([
    ["busybox", "mirror.example/dockerhub/library/busybox:latest"],
    ["tutum/wordpress:5", "mirror.example/dockerhub/tutum/wordpress:5"],
    ["postgres:15", "pg.example/postgres:15"],
    ["quay.io/x/y:1", "quay.io/x/y:1"],
  ])("%s → %s", (name, rewritten) => {
    expect(rewriteImage(name, rewrites)).toBe(rewritten);
  });

  it.each([
    ["busybox", "docker.io"],
    ["127.0.0.1:5000/a/b", "127.0.0.1:5000"],
    ["localhost/a", "localhost"],
  ])("registry of %s is %s", (name, registry) => {
    expect(registryOf(name)).toBe(registry);
  });
});
