import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./support/built-cli.js";
import { jobIn, logOf, readReport } from "./support/report.js";
import { cleanup, gitRepo } from "./support/temp-repo.js";

// Project CI/CD variables for `runfleet run`: a variables file with environment scopes, GitLab's
// precedence (run variables > project variables > the YAML's), masking, file variables, child
// pipelines planned at run time, and bad files reported with file, line and column.

const dirs: string[] = [];
beforeAll(ensureBuilt, 180_000);
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await gitRepo({ ".gitignore": ".runfleet/\n", ...files });
  dirs.push(dir);
  return dir;
}

const VARIABLES = `
URL:
  values:
    "*": https://nowhere
    cluster-a: https://a.example
    review/*: https://review.example
TARGET: cluster-a
WHO: project
LEVEL: project
SECRET: { value: hunter2-and-more, masked: true }
CONFIG: { value: "setting=1", type: file }
`;

const PIPELINE = `
variables: { WHO: yaml }
deploy:
  environment: { name: $TARGET }
  script:
    - echo "deploy url=$URL who=$WHO level=$LEVEL"
    - echo "secret=$SECRET"
    - cat "$CONFIG"
matrix:
  parallel: { matrix: [{ ENV: [cluster-a, review/x, other] }] }
  environment: { name: $ENV }
  script: [echo "matrix $ENV url=$URL"]
plain:
  script: [echo "plain url=$URL"]
`;

describe("runfleet run: project variables", () => {
  it("gives each job the values scoped to its environment, above the YAML, below --var, masked", async () => {
    const dir = await repo({ ".gitlab-ci.yml": PIPELINE, "ci/vars.yml": VARIABLES });
    const report = join(dir, "report.json");
    const r = await runCli(
      ["run", "--variables-file", "ci/vars.yml", "--var", "LEVEL=run", "--report", report],
      { cwd: dir },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = await readReport(report);
    const deploy = await logOf(rep, "deploy");
    expect(deploy).toContain("deploy url=https://a.example who=project level=run");
    expect(deploy).toContain("secret=[MASKED]");
    expect(deploy).not.toContain("hunter2-and-more");
    expect(deploy).toContain("setting=1");
    expect(await logOf(rep, "matrix: [cluster-a]")).toContain("matrix cluster-a url=https://a.example");
    expect(await logOf(rep, "matrix: [review/x]")).toContain("matrix review/x url=https://review.example");
    expect(await logOf(rep, "matrix: [other]")).toContain("matrix other url=https://nowhere");
    expect(await logOf(rep, "plain")).toContain("plain url=https://nowhere");
  });

  it("reads gitlab-ci-local's .gitlab-ci-local-variables.yml when no file is named, with a notice", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": 'show:\n  script: [echo "url=$URL"]\n',
      ".gitlab-ci-local-variables.yml": "URL: from-gitlab-ci-local\n",
    });
    const report = join(dir, "report.json");
    const r = await runCli(["run", "--report", report], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain("notice: project variables from .gitlab-ci-local-variables.yml");
    expect(await logOf(await readReport(report), "show")).toContain("url=from-gitlab-ci-local");
  });

  it("reads dotenv lines, and rules see project variables", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `
only-when-set:
  rules: [{ if: '$FEATURE == "on"' }]
  script: [echo "feature $FEATURE quoted=$QUOTED"]
never:
  rules: [{ if: '$FEATURE == "off"' }]
  script: [echo never]
`,
      "local.env": '# local settings\nFEATURE=on\nQUOTED="a b"\n',
    });
    const report = join(dir, "report.json");
    const r = await runCli(["run", "--variables-file", "local.env", "--report", report], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = await readReport(report);
    expect(rep.jobs.map((j) => j.name)).toEqual(["only-when-set"]);
    expect(await logOf(rep, "only-when-set")).toContain("feature on quoted=a b");
  });

  it("plans a child pipeline made at run time with the project's variables and what trigger:forward passes", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `
generate:
  stage: build
  script: [cp child.template child.yml]
  artifacts: { paths: [child.yml] }
run-child:
  stage: test
  needs: [generate]
  variables: { FROM_TRIGGER: trigger }
  trigger:
    include: [{ artifact: child.yml, job: generate }]
    strategy: depend
forwarding-child:
  stage: test
  needs: [generate]
  trigger:
    include: [{ artifact: child.yml, job: generate }]
    forward: { pipeline_variables: true, yaml_variables: false }
`,
      "child.template":
        'child-job:\n  environment: { name: cluster-a }\n  script: [echo "child url=$URL trigger=$FROM_TRIGGER run=$FROM_RUN"]\n',
      "vars.yml": VARIABLES,
    });
    const report = join(dir, "report.json");
    const r = await runCli(
      ["run", "--variables-file", "vars.yml", "--var", "FROM_RUN=run", "--report", report],
      { cwd: dir },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rep = await readReport(report);
    const childOf = async (trigger: string) => {
      const child = rep.jobs.find((j) => j.name.startsWith(`[${trigger}]`) && j.name.endsWith("child-job"));
      expect(child, JSON.stringify(rep.jobs.map((j) => j.name))).toBeDefined();
      return logOf(rep, child?.name ?? "");
    };
    // GitLab's forward defaults: the trigger job's YAML variables, not the run's variables.
    expect(await childOf("run-child")).toContain("child url=https://a.example trigger=trigger run=\n");
    expect(await childOf("forwarding-child")).toContain("child url=https://a.example trigger= run=run\n");
    expect(jobIn(rep, "run-child").status).toBe("success");
  });

  it.each([
    ["a bad entry", "vars.yml", "URL:\n  valu: x\n", /vars\.yml:2:3.*URL has an unknown field "valu"/],
    ["a missing file", "missing.yml", null, /cannot read the variables file missing\.yml/],
  ])("exits 1 for %s, saying where", async (_name, file, content, message) => {
    const dir = await repo({ ".gitlab-ci.yml": "job:\n  script: [echo]\n" });
    if (content !== null) await writeFile(join(dir, file), content);
    const r = await runCli(["run", "--variables-file", file], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
