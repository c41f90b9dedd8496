/** Test coordinators for the HTTP suites: started per test, all stopped after it. */
import { afterEach, expect } from "vitest";
import { submittedJob } from "../../../src/coordinator/testing/job-fixtures.js";
import { ProtocolClient } from "../../../src/coordinator/testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "../../../src/coordinator/testing/test-coordinator.js";
import type { JobPayload } from "../../../src/protocol/index.js";

/** Registers the clean-up (call at the top of a suite file) and returns the starter. */
export function coordinatorsPerTest(): (leanHttp?: boolean, longPollMs?: number) => Promise<TestSetup> {
  let setups: TestSetup[] = [];
  afterEach(async () => {
    for (const t of setups) await t.cleanup();
    setups = [];
  });
  return async (leanHttp = true, longPollMs = 300) => {
    const t = await startTestCoordinator({ leanHttp, longPollMs });
    setups.push(t);
    return t;
  };
}

/** A job handed out and acknowledged, as a runner would have it. */
export async function runningJob(t: TestSetup): Promise<JobPayload> {
  await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
  const client = new ProtocolClient(t.coordinator.url, t.runnerToken);
  const job = await client.nextJob();
  expect((await client.update(job.id, job.token, { state: "running" })).status).toBe(200);
  return job;
}
