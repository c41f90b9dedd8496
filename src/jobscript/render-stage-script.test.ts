import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ResolvedVariable } from "./job-variables.js";
import {
  commandEcho,
  type RenderStageInput,
  renderStageScript,
  type ShellKind,
} from "./render-stage-script.js";

const dir = mkdtempSync(join(tmpdir(), "jobscript-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(
  shell: ShellKind,
  commands: string[],
  variables: ResolvedVariable[] = [],
  jobStatus: RenderStageInput["jobStatus"] = "running",
) {
  const script = renderStageScript({
    shell,
    variables,
    projectDir: dir,
    tempDir: join(dir, "tmp"),
    commands,
    jobStatus,
  });
  const res = spawnSync(shell, ["-c", script], { encoding: "utf8" });
  return { code: res.status, out: res.stdout.replaceAll("\x1b[32;1m", "").replaceAll("\x1b[0;m", "") };
}

describe("commandEcho", () => {
  it.each([
    ["echo hi", "$ echo hi"],
    ["if true; then\n  echo x\nfi", "$ if true; then # collapsed multi-line command"],
    ["echo a\n", "$ echo a"],
  ])("%j", (cmd, expected) => expect(commandEcho(cmd)).toBe(expected));
});

describe.each<ShellKind>(["bash", "sh"])("renderStageScript with %s", (shell) => {
  it("echoes each command in green before running it", () => {
    const script = renderStageScript({
      shell,
      variables: [],
      projectDir: dir,
      tempDir: dir,
      commands: ["echo hi"],
      jobStatus: "running",
    });
    expect(script).toContain("printf '\\033[32;1m%s\\033[0;m\\n' '$ echo hi'");
    expect(run(shell, ["echo hi", "echo there"]).out).toBe("$ echo hi\nhi\n$ echo there\nthere\n");
  });

  it.each([
    [["true", "exit 3", "echo never"], 3],
    [["false"], 1],
    [["echo ok"], 0],
  ])("commands %j exit %i", (commands, code) => {
    expect(run(shell, commands).code).toBe(code);
  });

  it("runs multi-line commands whole", () => {
    expect(run(shell, ["for i in 1 2; do\n  echo n$i\ndone"]).out).toContain("n1\nn2\n");
  });

  it("exports variables, including masked ones and awkward values, and CI_JOB_STATUS", () => {
    const vars: ResolvedVariable[] = [
      { key: "PLAIN", value: "it's $NOT expanded", masked: false },
      { key: "SECRET", value: "s3cr3t", masked: true },
    ];
    const { out } = run(shell, ['echo "$PLAIN|$SECRET|$CI_JOB_STATUS"'], vars, "failed");
    expect(out).toContain("it's $NOT expanded|s3cr3t|failed\n");
  });

  it("writes file variables and exports their path", () => {
    const vars: ResolvedVariable[] = [
      { key: "CONF", value: "line1\nline2", masked: false, path: join(dir, "tmp", "CONF") },
    ];
    const { out } = run(shell, ['echo "$CONF"', 'cat "$CONF"'], vars);
    expect(out).toContain(`${join(dir, "tmp", "CONF")}\n`);
    expect(out).toContain("line1\nline2");
  });

  it("starts in the project dir", () => {
    expect(run(shell, ["pwd"]).out).toContain(`${dir}\n`);
  });
});

it("bash fails a pipeline whose first command fails (pipefail)", () => {
  expect(run("bash", ["false | true", "echo after"]).code).toBe(1);
});
