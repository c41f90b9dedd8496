import { EMPTY_SPEC, submittedJob } from "../../src/coordinator/testing/job-fixtures.js";
import type { ConformanceHarness } from "../executor-conformance/harness.js";
import { BUSYBOX_IMAGE, SERVICE_IMAGE } from "./test-engine.js";

/**
 * Submits a one-job pipeline whose job has a service and then sleeps, and returns the pipeline's and job's ids once its
 * trace says it started: a job caught mid-script with a container, a service and a network on the engine.
 */
export async function startSleepingServiceJob(
  h: ConformanceHarness,
): Promise<{ pipelineId: number; jobId: number }> {
  const pipeline = await h.setup.coordinator.submitPipeline({
    projectId: h.setup.project.id,
    commit: { ref: "main", sha: h.sha },
    plan: {
      stages: ["test"],
      variables: [],
      jobs: [
        submittedJob("job", {
          spec: {
            ...EMPTY_SPEC,
            image: { name: BUSYBOX_IMAGE },
            services: [{ name: SERVICE_IMAGE, alias: "web" }],
            script: ["echo started", "sleep 120"],
          },
        }),
      ],
    },
  });
  const jobId = await h.waitForRunning(pipeline.id, "job");
  const until = Date.now() + 20_000;
  while (!(await h.setup.coordinator.readTrace(jobId)).includes("started") && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100));
  return { pipelineId: pipeline.id, jobId };
}
