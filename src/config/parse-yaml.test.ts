import { describe, expect, it } from "vitest";
import { MAX_NODES_PER_FILE, parseYaml } from "./parse-yaml.js";
import { Problems } from "./problems.js";
import { toPlain } from "./yaml-tree.js";

function parse(text: string) {
  const problems = new Problems();
  const docs = parseYaml(text, "ci.yml", problems);
  return { docs, plain: docs.map(toPlain), problems };
}

describe("parseYaml", () => {
  it("expands anchors and aliases", () => {
    const { plain } = parse("a: &x [1, 2]\nb: *x\n");
    expect(plain).toEqual([{ a: [1, 2], b: [1, 2] }]);
  });

  it("applies << merge keys: explicit keys win, the first merged source wins", () => {
    const { plain } = parse(
      "one: &one { a: 1, b: 1 }\ntwo: &two { b: 2, c: 2 }\nj:\n  c: 9\n  <<: [*one, *two]\n",
    );
    expect(plain[0]).toMatchObject({ j: { a: 1, b: 1, c: 9 } });
  });

  it("keeps the last of a repeated key, with a warning", () => {
    const { plain, problems } = parse("v: 1\nv: 2\n");
    expect(plain).toEqual([{ v: 2 }]);
    expect(problems.warnings).toEqual([
      {
        code: "DUPLICATE_KEY",
        message: "key `v` is repeated; the last one wins",
        location: { file: "ci.yml", line: 2, column: 1, path: "v" },
      },
    ]);
  });

  it("keeps 1-based line and column of every node", () => {
    const { docs } = parse("job:\n  script:\n    - echo hi\n");
    const job = docs[0]?.kind === "map" ? docs[0].entries.get("job") : undefined;
    expect(job?.keyPos).toEqual({ file: "ci.yml", line: 1, column: 1 });
    const script = job?.value.kind === "map" ? job.value.entries.get("script")?.value : undefined;
    expect(script?.kind === "seq" ? script.items[0]?.pos : undefined).toEqual({
      file: "ci.yml",
      line: 3,
      column: 7,
    });
  });

  it("reads !reference as a reference node", () => {
    const { plain, problems } = parse("a: !reference [.base, script]\n");
    expect(problems.errors).toEqual([]);
    expect(plain).toEqual([{ a: { "!reference": [".base", "script"] } }]);
  });

  it.each([
    ["an unclosed flow list", "a: [1, 2\nb: 3\n", "malformed YAML", 2],
    ["a bad indent", "a:\n  b: 1\n c: 2\n", "malformed YAML", 3],
    ["an unknown tag", "a: !secret x\n", "unknown YAML tag", 1],
    ["!reference on a mapping", "a: !reference { x: 1 }\n", "`!reference` needs a list", 1],
  ])("reports %s with its line", (_, text, message, line) => {
    const { problems } = parse(text);
    expect(problems.errors[0]?.message).toContain(message);
    expect(problems.errors[0]?.location?.line).toBe(line);
  });

  it("stops an alias bomb (billion laughs) quickly instead of hanging", () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const started = Date.now();
    const { problems } = parse(`${levels.join("\n")}\n`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(problems.errors.map((e) => e.message)).toContain(
      `YAML aliases expand to more than ${MAX_NODES_PER_FILE} nodes`,
    );
    expect(problems.errors[0]?.hint).toContain("billion laughs");
  });

  it("returns an empty mapping for an empty document", () => {
    expect(parse("# nothing\n").plain).toEqual([{}]);
  });

  it("returns every document of a multi-document file", () => {
    expect(parse("spec:\n  inputs: {}\n---\njob: {}\n").plain).toEqual([
      { spec: { inputs: {} } },
      { job: {} },
    ]);
  });
});

describe("deep nesting", () => {
  it.each([150, 3000])("refuses %d levels without overflowing the stack", (depth) => {
    const { problems } = parse(`a: ${"[".repeat(depth)}${"]".repeat(depth)}\n`);
    expect(problems.errors.length).toBeGreaterThan(0);
    expect(problems.errors[0]?.location?.line).toBe(1);
  });
});

describe("YAML 1.1 booleans, as GitLab reads them", () => {
  it.each([
    ["yes", true],
    ["On", true],
    ["no", false],
    ["OFF", false],
    ["'yes'", "yes"],
    ['"off"', "off"],
    ["y", "y"],
  ])("%s is %j", (text, value) => {
    expect(parse(`v: ${text}\n`).plain).toEqual([{ v: value }]);
  });
});

describe("keys", () => {
  it("keep their text even when they read as booleans", () => {
    expect(parse("on: 1\nNO: 2\n").plain).toEqual([{ on: 1, NO: 2 }]);
  });
});
