// Loads `.gitlab-ci.yml` (with its includes) into a typed, validated CiConfig. Every problem found is
// reported with file, line, column and key path; what GitLab accepts but Runfleet cannot run is a warning.
export { ConfigInvalidError } from "./config-invalid-error.js";
export { parseDuration } from "./durations.js";
export { nodeFileReader } from "./file-reader.js";
export { loadCiConfig } from "./load-ci-config.js";
export { memoryFileReader } from "./memory-file-reader.js";
export { MAX_FILE_BYTES } from "./resolve-includes.js";
export type * from "./types.js";
