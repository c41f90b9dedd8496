import { describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { parseVariablesFile } from "./variables-file.js";

function errorOf(text: string): RunfleetError {
  try {
    parseVariablesFile(text, "vars.yml");
  } catch (err) {
    if (err instanceof RunfleetError) return err;
    throw err;
  }
  throw new Error("expected an error");
}

describe("parseVariablesFile", () => {
  it("reads plain values for every environment, as written (no YAML number or boolean guessing)", () => {
    expect(parseVariablesFile("---\nA: hello\nNUM: 1.10\nYES: yes\nEMPTY: ''\n", "v")).toEqual([
      { key: "A", value: "hello", environmentScope: "*" },
      { key: "NUM", value: "1.10", environmentScope: "*" },
      { key: "YES", value: "yes", environmentScope: "*" },
      { key: "EMPTY", value: "", environmentScope: "*" },
    ]);
  });

  it("reads environment-scoped values and flags", () => {
    const text = `
URL:
  values:
    "*": https://default
    review/*: https://review
    production: https://prod
KUBECONFIG:
  type: file
  masked: true
  value: |
    apiVersion: v1
RAW: { value: $NOT_EXPANDED, raw: true }
`;
    expect(parseVariablesFile(text, "v")).toEqual([
      { key: "URL", value: "https://default", environmentScope: "*" },
      { key: "URL", value: "https://review", environmentScope: "review/*" },
      { key: "URL", value: "https://prod", environmentScope: "production" },
      { key: "KUBECONFIG", value: "apiVersion: v1\n", environmentScope: "*", file: true, masked: true },
      { key: "RAW", value: "$NOT_EXPANDED", environmentScope: "*", raw: true },
    ]);
  });

  it("reads dotenv lines: comments, export, quotes, empty values, inline comments", () => {
    const text = `# settings
SECRET="holy cow"
export PATH_LIKE=/usr/bin
EMPTY=
SINGLE='a "b" c'
NEWLINE="one\\ntwo"
PLAIN=value # a comment
URL=http://localhost:8080/x#frag
`;
    expect(
      Object.fromEntries(parseVariablesFile(text, "v").map((v) => [v.key, [v.value, v.environmentScope]])),
    ).toEqual({
      SECRET: ["holy cow", "*"],
      PATH_LIKE: ["/usr/bin", "*"],
      EMPTY: ["", "*"],
      SINGLE: ['a "b" c', "*"],
      NEWLINE: ["one\ntwo", "*"],
      PLAIN: ["value", "*"],
      URL: ["http://localhost:8080/x#frag", "*"],
    });
  });

  it.each([
    ["", []],
    ["---\n", []],
    ["# nothing yet\n", []],
  ])("an empty file %j has no variables", (text, expected) => {
    expect(parseVariablesFile(text, "v")).toEqual(expected);
  });

  it.each<[string, string, RegExp, number, number]>([
    ["a list", "- A\n- B\n", /mapping of variable names/, 1, 1],
    ["a bad name", "ok: 1\n1BAD: x\n", /"1BAD" is not a valid variable name/, 2, 1],
    ["an unknown field", "A:\n  valu: x\n", /A has an unknown field "valu"/, 2, 3],
    ["neither value nor values", "A:\n  masked: true\n", /needs either value or values/, 2, 3],
    ["both value and values", "A:\n  value: x\n  values: { '*': y }\n", /needs either value or values/, 2, 3],
    ["values not a mapping", "A:\n  values: [x]\n", /A.values maps environment scopes/, 2, 11],
    ["a non-text scoped value", "A:\n  values:\n    prod: [x]\n", /A.values\["prod"\] must be text/, 3, 5],
    ["a bad flag", "A:\n  value: x\n  masked: maybe\n", /A.masked must be true or false/, 3, 11],
    ["a bad type", "A:\n  value: x\n  type: secret\n", /A.type must be variable or file/, 3, 9],
    ["malformed YAML", "A: [unclosed\n", /malformed YAML/, 2, 1],
    ["a dotenv line that is not KEY=value", "A=1\nnot a pair\n", /line 2 is not KEY=value/, 2, 1],
    ["a duplicate key", "A: 1\nA: 2\n", /malformed YAML/, 2, 1],
  ])("refuses %s, saying where", (_name, text, message, line, column) => {
    const e = errorOf(text);
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ file: "vars.yml", line, column });
  });
});
