import { describe, expect, it } from "vitest";
import { projectVariablesFor, scopeMatches, unscopedValues } from "./project-variables.js";
import type { ProjectVariable } from "./types.js";

const v = (key: string, value: string, environmentScope = "*", extra: Partial<ProjectVariable> = {}) => ({
  key,
  value,
  environmentScope,
  ...extra,
});

describe("scopeMatches", () => {
  it.each<[string, string | undefined, boolean]>([
    ["*", undefined, true],
    ["*", "production", true],
    ["production", "production", true],
    ["production", "Production", false],
    ["production", undefined, false],
    ["review/*", "review/feature-1", true],
    ["review/*", "review/", true],
    ["review/*", "staging", false],
    ["*-eu", "prod-eu", true],
    ["*-eu", "prod-us", false],
    ["prod.eu", "prodxeu", false],
    ["a(b)*", "a(b)c", true],
  ])("%s covers %s: %s", (scope, environment, expected) => {
    expect(scopeMatches(scope, environment)).toBe(expected);
  });
});

describe("projectVariablesFor", () => {
  const all = [
    v("URL", "https://default"),
    v("URL", "https://review", "review/*"),
    v("URL", "https://r1", "review/one"),
    v("URL", "https://r-long", "review/o*"),
    v("TOKEN", "t", "*", { masked: true }),
    v("ONLY_PROD", "p", "production", { file: true, raw: true }),
  ];

  it.each<[string | undefined, Record<string, string>]>([
    [undefined, { URL: "https://default", TOKEN: "t" }],
    ["staging", { URL: "https://default", TOKEN: "t" }],
    ["review/two", { URL: "https://review", TOKEN: "t" }],
    ["review/other", { URL: "https://r-long", TOKEN: "t" }],
    ["review/one", { URL: "https://r1", TOKEN: "t" }],
    ["production", { URL: "https://default", TOKEN: "t", ONLY_PROD: "p" }],
  ])("environment %s gets the most specific scope per key", (environment, expected) => {
    const chosen = projectVariablesFor(all, environment);
    expect(Object.fromEntries(chosen.map((c) => [c.key, c.value]))).toEqual(expected);
    expect(chosen.every((c) => !("environmentScope" in c))).toBe(true);
  });

  it("keeps masked, file and raw", () => {
    expect(projectVariablesFor(all, "production")).toContainEqual({
      key: "ONLY_PROD",
      value: "p",
      file: true,
      raw: true,
    });
    expect(projectVariablesFor(all, undefined)).toContainEqual({ key: "TOKEN", value: "t", masked: true });
  });

  it("gives rules only the unscoped values", () => {
    expect(unscopedValues(all)).toEqual({ URL: "https://default", TOKEN: "t" });
  });
});
