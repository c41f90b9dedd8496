/**
 * `allowed_images` / `allowed_services`: glob patterns (`localhost/**`, `*:latest`) a job's image must
 * match, checked against the name as written and as normalized. An empty list allows everything.
 */
import picomatch from "picomatch";
import { RunfleetError } from "../../errors/index.js";
import { normalizeImageName } from "./image-reference.js";

export function isImageAllowed(name: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  const match = picomatch([...patterns], { dot: true });
  return match(name) || match(normalizeImageName(name));
}

export function checkImageAllowed(
  name: string,
  patterns: readonly string[],
  what: "image" | "service",
): void {
  if (isImageAllowed(name, patterns)) return;
  const key = what === "image" ? "allowed_images" : "allowed_services";
  throw new RunfleetError("FORBIDDEN", `the ${what} "${name}" is not allowed by [runners.docker] ${key}`, {
    hint: `allowed: ${patterns.join(", ")}`,
  });
}
