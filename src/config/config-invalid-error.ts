import { RunfleetError } from "../errors/index.js";

/** Thrown when a config has problems; `errors` holds every one of them, in the order found. */
export class ConfigInvalidError extends RunfleetError {
  readonly errors: readonly RunfleetError[];

  constructor(file: string, errors: readonly RunfleetError[]) {
    const first = errors[0];
    const count = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
    super(first?.code === "CONFIG_NOT_FOUND" ? "CONFIG_NOT_FOUND" : "CONFIG_INVALID", `${file}: ${count}`, {
      hint: "run `runfleet lint` to see every problem",
      ...(first?.location === undefined ? {} : { location: first.location }),
    });
    this.name = "ConfigInvalidError";
    this.errors = errors;
  }

  /** Every problem, one per line (each with its hint), the way `runfleet lint` prints them. */
  override format(): string {
    return this.errors.map((e) => e.format()).join("\n");
  }
}
