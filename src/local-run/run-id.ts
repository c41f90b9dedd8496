import { randomBytes } from "node:crypto";

/**
 * A run id that sorts by time as a string (base-36 milliseconds, fixed width until the year 5188),
 * so snapshot refs and log folders list in run order.
 */
export function newRunId(now: number = Date.now()): string {
  return `${now.toString(36).padStart(9, "0")}-${randomBytes(3).toString("hex")}`;
}
