import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { lint, parseLintOptions } from "./lint.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "runfleet-lint-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function project(name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return join(root, ".gitlab-ci.yml");
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await lint(args, {
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
    },
  });
  return { code, stdout, stderr };
}

describe("runfleet lint", () => {
  it("exits 0 and says valid for a good config with a local include", async () => {
    const file = await project("valid", {
      ".gitlab-ci.yml": "include: ci/build.yml\ntest:\n  needs: [build]\n  script: [make test]\n",
      "ci/build.yml": "build:\n  stage: build\n  script: make\n",
    });
    const result = await run(["--file", file]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe(`${file}: valid\n`);
  });

  it("prints every problem with file:line:col (path) and exits 1", async () => {
    const file = await project("invalid", {
      ".gitlab-ci.yml": [
        "build:",
        "  scrpt: make",
        "test:",
        "  stage: tset",
        "  when: sometimes",
        "  script: [make test]",
        "  needs: [nope]",
        "",
      ].join("\n"),
    });
    const { code, stdout } = await run(["--file", file]);
    expect(code).toBe(1);
    const lines = stdout.split("\n");
    expect(lines).toContain(".gitlab-ci.yml:1:1 (build): build must have script specified");
    expect(lines).toContain(".gitlab-ci.yml:2:3 (build.scrpt): unknown job keyword `scrpt`");
    expect(lines).toContain("  hint: did you mean `script`?");
    expect(stdout).toContain(".gitlab-ci.yml:5:9 (test.when): `when` must be one of");
    expect(stdout).toContain("(test.stage): stage:tset not found for test");
    expect(stdout).toContain("(test.needs): needs: [nope] for test could not be found");
    expect(lines.at(-2)).toBe(`${file}: invalid, 5 problems`);
    // Sorted by position: line 1 before line 2 before line 5.
    expect(stdout.indexOf(":1:1 ")).toBeLessThan(stdout.indexOf(":2:3 "));
  });

  it("prints warnings on stderr and still exits 0", async () => {
    const file = await project("warnings", {
      ".gitlab-ci.yml": "deploy:\n  script: [deploy]\n  secrets:\n    TOKEN:\n      vault: prod/token@ops\n",
    });
    const result = await run(["--file", file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "(deploy.secrets): warning: deploy: `secrets` come from an external secrets provider",
    );
    expect(result.stdout).toContain("valid (1 warning)");
  });

  it("reports a missing file as invalid, exit 1", async () => {
    const result = await run(["--file", join(dir, "absent", ".gitlab-ci.yml")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("config file not found: .gitlab-ci.yml");
  });

  it("passes --var to include:rules", async () => {
    const file = await project("vars", {
      ".gitlab-ci.yml":
        'include:\n  - local: extra.yml\n    rules:\n      - if: $EXTRA == "yes"\nmain:\n  script: [make]\n  needs: [extra]\n',
      "extra.yml": "extra:\n  script: [make]\n",
    });
    expect((await run(["--file", file])).code).toBe(1);
    expect((await run(["--file", file, "--var", "EXTRA=yes"])).code).toBe(0);
  });

  it("checks --variables-file and lets include:rules see its values below --var", async () => {
    const file = await project("project-vars", {
      ".gitlab-ci.yml":
        'include:\n  - local: extra.yml\n    rules:\n      - if: $EXTRA == "yes"\nmain:\n  script: [make]\n  needs: [extra]\n',
      "extra.yml": "extra:\n  script: [make]\n",
      "vars.yml": "EXTRA: 'yes'\n",
      "bad.yml": "EXTRA:\n  valu: x\n",
    });
    const vars = join(dirname(file), "vars.yml");
    expect((await run(["--file", file, "--variables-file", vars])).code).toBe(0);
    expect((await run(["--file", file, "--variables-file", vars, "--var", "EXTRA=no"])).code).toBe(1);
    const bad = await run(["--file", file, "--variables-file", join(dirname(file), "bad.yml")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/bad\.yml:2:3 \(EXTRA\.valu\): EXTRA has an unknown field "valu"/);
    expect(bad.stdout).toContain("invalid, 1 problem");
  });

  it("serves component includes from --component-dir", async () => {
    const file = await project("components", {
      ".gitlab-ci.yml": "include:\n  - component: gitlab.example.com/ci/lint/check@1.0\n",
      "vendor/ci/lint/templates/check.yml": "check:\n  script: [lint]\n",
    });
    expect((await run(["--file", file])).stdout).toContain(
      "include `component: gitlab.example.com/ci/lint/check@1.0` cannot be fetched",
    );
    const served = await run(["--file", file, "--component-dir", join(dirname(file), "vendor")]);
    expect(served).toMatchObject({ code: 0, stderr: "" });
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--file"], "argument missing"],
    [["stray"], "Unexpected argument 'stray'"],
    [["--var", "NOEQUALS"], "--var expects KEY=VALUE"],
  ])("usage error for %j", (args, message) => {
    let caught: unknown;
    try {
      parseLintOptions(args);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RunfleetError);
    expect((caught as RunfleetError).code).toBe("USAGE");
    expect((caught as RunfleetError).message).toContain(message);
  });

  it("defaults to .gitlab-ci.yml", () => {
    expect(parseLintOptions([])).toEqual({
      file: ".gitlab-ci.yml",
      variables: {},
      variablesFile: undefined,
      componentDir: undefined,
      help: false,
    });
  });
});
