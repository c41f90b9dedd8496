// Loads `.gitlab-ci.yml` (with its includes) into a typed, validated CiConfig. Every problem found is
// reported with file, line, column and key path; what GitLab accepts but Runfleet cannot run is a warning.
export type * from "./types.js";
