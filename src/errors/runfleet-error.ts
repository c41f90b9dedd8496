/**
 * The one error type Runfleet throws. `code` is a closed union so every place that maps errors
 * (CLI exit codes, HTTP statuses) is checked by the compiler when a code is added.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_NOT_FOUND"
  | "INCLUDE_UNAVAILABLE"
  | "PLAN_INVALID"
  | "USAGE"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "BAD_REQUEST"
  | "UNAVAILABLE"
  | "INTERNAL";

/** Where in a source file a problem sits. Line and column are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted key path inside the document, e.g. `build.script[2]`. */
  readonly path?: string;
}

export interface RunfleetErrorOptions {
  readonly hint?: string;
  readonly cause?: unknown;
  readonly location?: SourceLocation;
}

export class RunfleetError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;

  constructor(code: ErrorCode, message: string, options: RunfleetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RunfleetError";
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
  }

  /** `file:line:column: message (at path)` followed by the hint, the way a user reads it. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    const hint = this.hint ? `\n  hint: ${this.hint}` : "";
    return `${where}${this.message}${hint}`;
  }
}

export function formatLocation(loc: SourceLocation): string {
  const path = loc.path ? ` (${loc.path})` : "";
  return `${loc.file}:${loc.line}:${loc.column}${path}`;
}

/** Anything thrown becomes a RunfleetError at a boundary; the original is kept as the cause. */
export function toRunfleetError(err: unknown): RunfleetError {
  if (err instanceof RunfleetError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RunfleetError("INTERNAL", message, { cause: err });
}
