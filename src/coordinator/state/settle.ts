/**
 * Promotes `created` jobs once what they wait for is done — the stages before them, or their `needs` —
 * into pending, manual, scheduled or skipped according to `when`. Runs to a fixed point, because a skip
 * can release the next job in turn.
 */
import { isFinished } from "../../protocol/index.js";
import { currentJobs, failureAllowed, type JobNode, type Transition } from "./job-node.js";

type Outcome = "success" | "failed" | "skipped";

export function settle(nodes: readonly JobNode[], now: number): Transition[] {
  if (!nodes.some((n) => n.status === "created" && !n.retried)) return [];
  const current = currentJobs(nodes);
  const status = new Map(current.map((n) => [n.id, n.status]));
  const byName = new Map(current.map((n) => [n.name, n]));
  const transitions: Transition[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    // Every job of a stage without `needs` waits for the same jobs: decide that once per stage and pass.
    // A cached decision stays true within the pass: anything but "waiting" means every earlier job had
    // already finished (or is manual), and those never change here.
    const byStage = new Map<number, Outcome | "waiting">();
    for (const node of current) {
      if (status.get(node.id) !== "created") continue;
      const outcome = stageOutcome(node, byStage, () => predecessorOutcome(node, current, byName, status));
      if (outcome === "waiting") continue;
      const next = nextStatus(node, outcome, now);
      status.set(node.id, next.to);
      transitions.push({ jobId: node.id, from: "created", ...next });
      changed = true;
    }
  }
  return transitions;
}

function stageOutcome(
  node: JobNode,
  byStage: Map<number, Outcome | "waiting">,
  decide: () => Outcome | "waiting",
): Outcome | "waiting" {
  if (node.needs !== null) return decide();
  const known = byStage.get(node.stageIndex);
  if (known !== undefined) return known;
  const outcome = decide();
  byStage.set(node.stageIndex, outcome);
  return outcome;
}

function predecessorOutcome(
  node: JobNode,
  current: readonly JobNode[],
  byName: ReadonlyMap<string, JobNode>,
  status: ReadonlyMap<number, JobNode["status"]>,
): Outcome | "waiting" {
  const viaNeeds = node.needs !== null;
  const preds: JobNode[] = [];
  if (node.needs !== null) {
    for (const need of node.needs) {
      const pred = byName.get(need.job);
      if (pred !== undefined) preds.push(pred);
    }
  } else {
    for (const other of current) if (other.stageIndex < node.stageIndex) preds.push(other);
  }
  let failed = false;
  let skipped = false;
  for (const pred of preds) {
    const s = status.get(pred.id) ?? pred.status;
    if (s === "manual") {
      // An unplayed manual job that may fail does not hold back later stages; one that must not
      // fail blocks them, and a job that `needs` it waits for it to be played.
      if (viaNeeds || !pred.allowFailure) return "waiting";
      continue;
    }
    if (!isFinished(s)) return "waiting";
    if (s === "canceled" || (s === "failed" && !failureAllowed({ ...pred, status: s }))) failed = true;
    if (s === "skipped" && viaNeeds) skipped = true;
  }
  if (failed) return "failed";
  return skipped ? "skipped" : "success";
}

function nextStatus(
  node: JobNode,
  outcome: Outcome,
  now: number,
): { to: JobNode["status"]; scheduledAt?: number } {
  switch (node.when) {
    case "always":
      return { to: "pending" };
    case "on_failure":
      return { to: outcome === "failed" ? "pending" : "skipped" };
    case "on_success":
      return { to: outcome === "success" ? "pending" : "skipped" };
    case "manual":
      return { to: outcome === "success" ? "manual" : "skipped" };
    case "delayed":
      return outcome === "success"
        ? { to: "scheduled", scheduledAt: now + node.startInSeconds * 1000 }
        : { to: "skipped" };
    default: {
      const never: never = node.when;
      throw new Error(`unknown when ${String(never)}`);
    }
  }
}
