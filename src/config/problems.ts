import { type ErrorCode, RunfleetError, type SourceLocation } from "../errors/index.js";
import type { ConfigWarning, ConfigWarningCode } from "./types.js";
import type { Pos } from "./yaml-tree.js";

/** A place in the config: a node's position plus the key path that leads to it. */
export interface At {
  readonly pos: Pos;
  readonly path: string;
}

export function locate(at: At): SourceLocation {
  return at.path === "" ? { ...at.pos } : { ...at.pos, path: at.path };
}

/** Appends a key or index to a dotted key path: `build` + `script` → `build.script`, + 2 → `build.script[2]`. */
export function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Collects every problem found while loading, so `runfleet lint` can print them all instead of
 * stopping at the first.
 */
export class Problems {
  readonly errors: RunfleetError[] = [];
  readonly warnings: ConfigWarning[] = [];
  private readonly reported = new Set<string>();
  private readonly warned = new Set<string>();

  error(
    message: string,
    at: At | undefined,
    options: { hint?: string; code?: ErrorCode; cause?: unknown; distinct?: boolean } = {},
  ): void {
    // One mistake, one report: a value already found wrong is not reported again by later checks.
    // `distinct` problems (several wrong names in one list) are all reported.
    if (at !== undefined && options.distinct !== true) {
      const key = `${at.pos.file}:${at.pos.line}:${at.pos.column}:${at.path}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
    }
    this.errors.push(
      new RunfleetError(options.code ?? "CONFIG_INVALID", message, {
        ...(at === undefined ? {} : { location: locate(at) }),
        ...(options.hint === undefined ? {} : { hint: options.hint }),
        ...(options.cause === undefined ? {} : { cause: options.cause }),
      }),
    );
  }

  warn(code: ConfigWarningCode, message: string, at?: At): void {
    // A `default:` value reaches every job; say what it cannot do once, at the line that wrote it.
    if (at !== undefined) {
      const key = `${code}@${at.pos.file}:${at.pos.line}:${at.pos.column}`;
      if (this.warned.has(key)) return;
      this.warned.add(key);
    }
    this.warnings.push({ code, message, ...(at === undefined ? {} : { location: locate(at) }) });
  }
}
