/** Validation of JSON bodies at the edge: after this, handlers work with narrow, typed values. */
import { RunfleetError } from "../../errors/index.js";

export type JsonObject = Readonly<Record<string, unknown>>;

export function parseJsonObject(body: Buffer): JsonObject {
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch (cause) {
    throw new RunfleetError("BAD_REQUEST", "request body is not valid JSON", { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RunfleetError("BAD_REQUEST", "request body must be a JSON object");
  }
  return value as JsonObject;
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new RunfleetError("BAD_REQUEST", `${key} must be a string`);
  return v;
}

export function requiredString(obj: JsonObject, key: string): string {
  const v = optionalString(obj, key);
  if (v === undefined || v === "") throw new RunfleetError("BAD_REQUEST", `${key} is missing`);
  return v;
}

export function optionalBoolean(obj: JsonObject, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw new RunfleetError("BAD_REQUEST", `${key} must be a boolean`);
}

export function optionalInteger(obj: JsonObject, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n))
    throw new RunfleetError("BAD_REQUEST", `${key} must be an integer`);
  return n;
}

/** `tag_list` arrives as a comma string (GitLab Runner) or an array. */
export function tagList(obj: JsonObject): string[] {
  const v = obj.tag_list;
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : undefined;
  if (items === undefined || !items.every((t) => typeof t === "string")) {
    throw new RunfleetError("BAD_REQUEST", "tag_list must be a comma-separated string");
  }
  return (items as string[]).map((t) => t.trim()).filter((t) => t !== "");
}
