import { describe, expect, it } from "vitest";
import type { PullPolicy } from "../../protocol/index.js";
import { resolvePullPolicies } from "./pull-policy.js";

type P = readonly PullPolicy[] | undefined;

describe("resolvePullPolicies", () => {
  it.each<[string, P, P, P, PullPolicy, readonly PullPolicy[]]>([
    ["registered default", undefined, undefined, undefined, "always", ["always"]],
    ["local run default", undefined, undefined, undefined, "if-not-present", ["if-not-present"]],
    ["runner value", undefined, ["never"], undefined, "always", ["never"]],
    ["job within runner's", ["always"], ["always", "if-not-present"], undefined, "always", ["always"]],
    ["job within allowed", ["never"], ["always"], ["always", "never"], "always", ["never"]],
    [
      "keeps allowed ones in job order",
      ["always", "if-not-present"],
      undefined,
      ["if-not-present", "always"],
      "always",
      ["always", "if-not-present"],
    ],
    ["drops disallowed fallbacks", ["always", "never"], ["always"], undefined, "always", ["always"]],
  ])("%s", (_name, job, runner, allowed, fallback, expected) => {
    expect(resolvePullPolicies({ job, runner, allowed, fallback })).toEqual(expected);
  });

  it.each<[string, P, P, P, RegExp]>([
    [
      "job outside the runner's",
      ["never"],
      ["always"],
      undefined,
      /pull_policy \[never\] of the job's image .*\[always\]/,
    ],
    [
      "job outside allowed",
      ["always"],
      undefined,
      ["if-not-present"],
      /not one of the allowed_pull_policies \[if-not-present\]/,
    ],
    ["runner outside allowed", undefined, ["always"], ["never"], /pull_policy \[always\] of the runner/],
  ])("refuses %s", (_name, job, runner, allowed, message) => {
    expect(() => resolvePullPolicies({ job, runner, allowed, fallback: "always" })).toThrow(message);
  });
});
