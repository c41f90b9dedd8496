/**
 * A coordinator in its own process, for tests that kill it with SIGKILL: starts on the given port
 * and files, optionally registers a project and submits a small pipeline, then prints one JSON line.
 * Usage: tsx coordinator-process.ts <db> <dataDir> <repoDir> <port> <submit:0|1>
 */
import { execFileSync } from "node:child_process";
import { Coordinator } from "../coordinator.js";
import { submittedJob } from "./job-fixtures.js";

const [db, dataDir, repoDir, port, submit] = process.argv.slice(2);
if (db === undefined || dataDir === undefined || repoDir === undefined) {
  process.stderr.write("usage: coordinator-process <db> <dataDir> <repoDir> <port> <submit>\n");
  process.exit(2);
}
const coordinator = await Coordinator.start({
  dbPath: db,
  dataDir,
  port: Number(port ?? 0),
  longPollMs: 1000,
  watchdogIntervalMs: 100,
});
const out: Record<string, unknown> = { url: coordinator.url };
if (submit === "1") {
  const project = await coordinator.registerProject({ repoDir, path: "group/app" });
  out.runnerToken = (await coordinator.createRunnerToken()).token;
  const sha = execFileSync("git", ["-C", repoDir, "rev-parse", "HEAD"]).toString().trim();
  const pipeline = await coordinator.submitPipeline({
    projectId: project.id,
    commit: { ref: "main", sha },
    plan: {
      stages: ["test", "deploy"],
      variables: [],
      jobs: [submittedJob("a"), submittedJob("b"), submittedJob("c", { stage: "deploy" })],
    },
  });
  out.pipelineId = pipeline.id;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
