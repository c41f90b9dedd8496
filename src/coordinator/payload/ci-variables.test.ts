// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitLab's ${VAR} syntax under test
import { describe, expect, it } from "vitest";
import type { JobVariable } from "../../protocol/index.js";
import { expandedForRunner, lastDefinitions } from "./ci-variables.js";

const v = (key: string, value: string, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value,
  public: true,
  masked: false,
  ...extra,
});

describe("expandedForRunner", () => {
  it.each<[string, JobVariable[], string, string]>([
    ["a reference", [v("A", "a"), v("B", "$A-b")], "B", "a-b"],
    ["a chain", [v("A", "a"), v("B", "${A}b"), v("C", "$B/c")], "C", "ab/c"],
    [
      "a name built from a variable",
      [v("URL_DEV", "url-dev"), v("ENV", "DEV"), v("URL", "${URL_${ENV}}")],
      "URL",
      "url-dev",
    ],
    [
      "a name built from a variable, prefix",
      [v("DEV_URL", "dev-url"), v("ENV", "DEV"), v("URL", "${${ENV}_URL}")],
      "URL",
      "dev-url",
    ],
    ["an unknown name kept for the runner", [v("OUT", "$CI_PROJECT_DIR/out")], "OUT", "$CI_PROJECT_DIR/out"],
    ["$$ kept for the runner", [v("A", "a"), v("P", "$$A")], "P", "$$A"],
    [
      "the winning definition is the one referenced",
      [v("A", "first"), v("A", "second"), v("B", "$A")],
      "B",
      "second",
    ],
    ["a raw variable is not expanded", [v("A", "a"), v("R", "$A", { raw: true })], "R", "$A"],
    ["a raw variable is not substituted", [v("R", "x$A", { raw: true }), v("B", "$R")], "B", "$R"],
    ["a file variable is not substituted", [v("F", "content", { file: true }), v("B", "$F")], "B", "$F"],
    ["a reference defined later", [v("C", "$B/c"), v("B", "${A}b"), v("A", "a")], "C", "ab/c"],
    ["a cycle stops, references kept", [v("A", "x$B"), v("B", "y$A")], "A", "xy$A"],
    ["a self-reference stays", [v("P", "$P:/bin")], "P", "$P:/bin"],
  ])("%s", (_name, variables, key, expected) => {
    const out = expandedForRunner(variables);
    expect(out.filter((x) => x.key === key).at(-1)?.value).toBe(expected);
    expect(out.map((x) => x.key)).toEqual(variables.map((x) => x.key));
  });

  it("keeps flags and leaves lists without references as they are", () => {
    const list = [v("T", "secret", { masked: true, public: false }), v("X", "plain")];
    expect(expandedForRunner(list)).toEqual(list);
  });
});

describe("lastDefinitions", () => {
  it.each([
    ["keeps distinct keys in order", [v("A", "1"), v("B", "2")], [v("A", "1"), v("B", "2")]],
    [
      "drops an earlier definition of the same key",
      [v("A", "1"), v("B", "2"), v("A", "3")],
      [v("B", "2"), v("A", "3")],
    ],
    [
      "keeps an overridden masked value for masking",
      [v("S", "x", { masked: true }), v("S", "y")],
      [v("S", "x", { masked: true }), v("S", "y")],
    ],
  ])("%s", (_, input, expected) => {
    expect(lastDefinitions(input)).toEqual(expected);
  });
});
