import { describe, expect, it } from "vitest";
import { compareToRefs } from "./compare-to-refs.js";
import { config, job, rule, vars } from "./config-builder.test-support.js";

describe("compareToRefs", () => {
  it("collects compare_to from workflow, job and child pipeline rules, expanded and sorted", () => {
    const child = config([
      job("c", { rules: [rule({ changes: { paths: ["x"], compareTo: "refs/heads/child" } })] }),
    ]);
    const parent = config(
      [
        job("a", { rules: [rule({ changes: { paths: ["a/**"], compareTo: "$BASE" } })] }),
        job("b", {
          rules: [
            rule({ changes: { paths: ["b/**"] } }),
            rule({ changes: { paths: ["c"], compareTo: "main" } }),
          ],
        }),
        job("t", {
          trigger: {
            kind: "child",
            include: [],
            forward: { yamlVariables: true, pipelineVariables: false },
            config: child,
          },
        }),
        job("u", { rules: [rule({ changes: { paths: ["u"], compareTo: "$UNSET" } })] }),
      ],
      {
        variables: vars({ BASE: "develop" }),
        workflow: { rules: [rule({ changes: { paths: ["w"], compareTo: "main" } })] },
      },
    );
    expect(compareToRefs(parent, {})).toEqual(["develop", "main", "refs/heads/child"]);
    expect(compareToRefs(parent, { BASE: "release" })).toEqual(["main", "refs/heads/child", "release"]);
  });
});
