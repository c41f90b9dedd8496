import { describe, expect, it } from "vitest";
import { checkImageAllowed, isImageAllowed } from "./allowed-images.js";

describe("allowed_images", () => {
  it.each([
    ["anything", [], true],
    ["localhost/runfleet-test/busybox:latest", ["localhost/**"], true],
    ["ruby:3.3", ["ruby:*"], true],
    ["ruby:3.3", ["docker.io/library/*"], true],
    ["python:3", ["ruby:*", "localhost/**"], false],
    ["evil.example/ruby:3", ["ruby:*"], false],
  ])("%s with %j → %s", (name, patterns, allowed) => {
    expect(isImageAllowed(name, patterns)).toBe(allowed);
  });

  it("names the key and the patterns when refusing", () => {
    expect(() => checkImageAllowed("python:3", ["ruby:*"], "service")).toThrow(
      /"python:3" is not allowed by \[runners.docker\] allowed_services/,
    );
  });
});
