// Runfleet's single error type and its closed list of codes; every module throws these.
export {
  type ErrorCode,
  formatLocation,
  RunfleetError,
  type RunfleetErrorOptions,
  type SourceLocation,
  toRunfleetError,
} from "./runfleet-error.js";
