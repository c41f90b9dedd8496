// The coordinator: owns pipeline and job state, stores it, and serves runners over the GitLab Runner
// API (`/api/v4`), the repository over git smart HTTP, traces and artifacts.
//
// Fair dispatch: every `POST /jobs/request` parks as a waiter (native long polling, ~50 s). After each
// change a dispatch round gives each queued job, oldest first, to the eligible waiting manager (runner
// token + system_id) that was served least recently. A manager that returns at once for more queues
// behind managers that were already waiting, so a `parallel` job's instances spread round-robin over
// every polling manager instead of going to whoever asks fastest. A job no runner can take now (tags,
// capacity) stays queued; nothing fails for lack of capacity.
//
// Single-writer note: a coordinator keeps active pipelines in memory and is the only writer of its
// SQLite file; a second coordinator on the same file sees the loser of a race as 409 (the runner just
// asks again). Sharing the load between coordinators needs a shared queue (PostgreSQL) behind `Store`.
export { type ChildPlanner, Coordinator, type CoordinatorOptions, type SubmitInput } from "./coordinator.js";
export type { CoordinatorEvent } from "./engine/pipeline-engine.js";
export { submissionFromPlan, userVariablesFromPlan } from "./from-plan.js";
export { isPipelineFinished } from "./state/pipeline-status.js";
export { SqliteStore } from "./store/sqlite-store.js";
export type { Store } from "./store/store.js";
export type * from "./types.js";
