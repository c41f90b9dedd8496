// The GitLab Runner protocol as types: the contract between coordinator and runner. Both import it;
// nothing else lives here. Reference: the GitLab Runner HTTP API under /api/v4.
export * from "./api-bodies.js";
export * from "./job-payload.js";
export * from "./job-state.js";
