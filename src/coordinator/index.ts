// The coordinator: owns pipeline and job state, stores it, and serves runners over the GitLab Runner
// API (`/api/v4`), the repository over git smart HTTP, traces and artifacts.

export { SqliteStore } from "./store/sqlite-store.js";
export type { Store } from "./store/store.js";
export type * from "./types.js";
