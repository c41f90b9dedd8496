// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell syntax under test
import { describe, expect, it } from "vitest";
import type { JobVariable } from "../protocol/index.js";
import { resolveJobVariables, variableLookup } from "./job-variables.js";

function v(key: string, value: string, extra: Partial<JobVariable> = {}): JobVariable {
  return { key, value, public: true, masked: false, ...extra };
}

describe("resolveJobVariables", () => {
  const base = { runnerEnvironment: [], runnerVariables: {}, tempDir: "/b/p.tmp" };

  it.each([
    ["single-level expansion", [v("A", "a"), v("B", "$A-x")], "B", "a-x"],
    ["raw values are not expanded", [v("A", "a"), v("B", "$A", { raw: true })], "B", "$A"],
    ["$$ escapes a dollar", [v("B", "price $$5")], "B", "price $5"],
    ["last definition wins", [v("A", "1"), v("A", "2"), v("B", "$A")], "B", "2"],
    ["expansion is one level", [v("A", "$C"), v("C", "c"), v("B", "$A")], "B", "$C"],
    [
      "file variable expands to its path",
      [v("F", "secret", { file: true }), v("B", "$F")],
      "B",
      "/b/p.tmp/F",
    ],
    ["unknown names become empty", [v("B", "x${NOPE}y")], "B", "xy"],
  ])("%s", (_name, jobVariables, key, expected) => {
    const out = resolveJobVariables({ ...base, jobVariables });
    expect(out.find((r) => r.key === key)?.value).toBe(expected);
  });

  it("keeps file content and path apart, and masked flags", () => {
    const out = resolveJobVariables({
      ...base,
      jobVariables: [v("KUBE", "apiVersion: v1", { file: true, masked: true })],
    });
    expect(out).toEqual([{ key: "KUBE", value: "apiVersion: v1", masked: true, path: "/b/p.tmp/KUBE" }]);
  });

  it("orders runner environment < job variables < runner variables", () => {
    const out = resolveJobVariables({
      jobVariables: [v("X", "job"), v("CI_PROJECT_DIR", "/evil")],
      runnerEnvironment: ["X=env", "Y=env", "broken"],
      runnerVariables: { CI_PROJECT_DIR: "/builds/p" },
      tempDir: "/t",
    });
    const lookup = variableLookup(out);
    expect([lookup("X"), lookup("Y"), lookup("CI_PROJECT_DIR"), lookup("broken")]).toEqual([
      "job",
      "env",
      "/builds/p",
      undefined,
    ]);
  });

  it("runner environment values may reference job variables", () => {
    const out = resolveJobVariables({
      ...base,
      jobVariables: [v("NAME", "n")],
      runnerEnvironment: ["GREETING=hi $NAME"],
    });
    expect(variableLookup(out)("GREETING")).toBe("hi n");
  });
});
