/**
 * A coordinator in its own process, for the reliability suite to SIGKILL and restart: started on a fixed
 * port with a SQLite file; on first start it registers the project in `repo`, creates a runner token and
 * submits the repository's pipeline. Prints one JSON line with what the test needs, then serves.
 * Usage: tsx coordinator-process.ts '{"dbPath","dataDir","port","repo"?,"heartbeatTimeoutMs"?}'
 */

import { loadCiConfig } from "../../../src/config/index.js";
import { Coordinator } from "../../../src/coordinator/coordinator.js";
import { findProject } from "../../../src/local-run/find-project.js";
import { buildPlanContext } from "../../../src/local-run/plan-context.js";
import { newRunId } from "../../../src/local-run/run-id.js";
import { snapshotProject } from "../../../src/local-run/snapshot.js";
import { planPipeline } from "../../../src/plan/index.js";

interface Args {
  readonly dbPath: string;
  readonly dataDir: string;
  readonly port: number;
  readonly repo?: string;
  readonly heartbeatTimeoutMs?: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const coordinator = await Coordinator.start({
  dbPath: args.dbPath,
  dataDir: args.dataDir,
  host: "127.0.0.1",
  port: args.port,
  longPollMs: 2_000,
  traceUpdateIntervalSeconds: 1,
  watchdogIntervalMs: 250,
  ...(args.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: args.heartbeatTimeoutMs }),
});
let out: Record<string, unknown> = { url: coordinator.url };
if (args.repo !== undefined) {
  const project = await findProject(args.repo);
  const snapshot = await snapshotProject(project, newRunId());
  const context = await buildPlanContext({
    project,
    snapshot,
    ref: undefined,
    source: "push",
    variables: {},
  });
  const { config } = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: project.root });
  const planned = planPipeline(config, context);
  if (planned.kind !== "pipeline") throw new Error("no pipeline");
  const registered = await coordinator.registerProject({
    repoDir: project.root,
    path: "reliability/project",
  });
  const { token } = await coordinator.createRunnerToken({ projectId: registered.id });
  const pipeline = await coordinator.submitPipeline({
    projectId: registered.id,
    commit: { ref: context.ref, sha: snapshot.sha },
    plan: planned.plan,
  });
  out = { ...out, token, pipelineId: pipeline.id };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.on("SIGTERM", () => {
  void coordinator.stop().then(() => process.exit(0));
});
