import type { Check } from "./check.js";
import { parseDuration } from "./durations.js";
import { child } from "./problems.js";
import type { ArtifactsConfig, UploadWhen } from "./types.js";
import { get, scalarText, type YNode } from "./yaml-tree.js";

const ARTIFACT_KEYS = new Set([
  "paths",
  "exclude",
  "untracked",
  "when",
  "expire_in",
  "name",
  "public",
  "access",
  "expose_as",
  "reports",
]);
export const UPLOAD_WHEN: readonly UploadWhen[] = ["on_success", "on_failure", "always"];

/** `artifacts:` with its `reports:` (each report a path or list; `coverage_report` an object). */
export function buildArtifacts(node: YNode, path: string, check: Check): ArtifactsConfig | undefined {
  const map = check.map(node, path, "artifacts");
  if (map === undefined) return undefined;
  check.keys(map, path, ARTIFACT_KEYS, "artifacts");
  const at = (key: string): string => child(path, key);
  const field = (key: string): YNode | undefined => get(map, key);
  const list = (key: string): string[] => {
    const n = field(key);
    return n === undefined ? [] : (check.stringList(n, at(key)) ?? []);
  };
  const out: { -readonly [K in keyof ArtifactsConfig]: ArtifactsConfig[K] } = {
    paths: list("paths"),
    exclude: list("exclude"),
    untracked: false,
    when: "on_success",
    reports: {},
  };
  const untracked = field("untracked");
  if (untracked !== undefined) out.untracked = check.boolean(untracked, at("untracked")) ?? false;
  const when = field("when");
  if (when !== undefined) out.when = check.oneOf(when, at("when"), UPLOAD_WHEN) ?? "on_success";
  const expire = field("expire_in");
  if (expire !== undefined) {
    const text = check.string(expire, at("expire_in"));
    if (text !== undefined) {
      out.expireIn = text;
      if (text.trim() !== "never") {
        const seconds = parseDuration(text);
        if (seconds === undefined)
          check.error("`expire_in` must be a duration such as `1 week`, or `never`", expire, at("expire_in"));
        else out.expireInSeconds = seconds;
      }
    }
  }
  const name = field("name");
  if (name !== undefined) {
    const n = check.string(name, at("name"));
    if (n !== undefined) out.name = n;
  }
  const pub = field("public");
  if (pub !== undefined) {
    const p = check.boolean(pub, at("public"));
    if (p !== undefined) out.public = p;
  }
  const expose = field("expose_as");
  if (expose !== undefined) {
    const e = check.string(expose, at("expose_as"));
    if (e !== undefined) out.exposeAs = e;
  }
  const reports = field("reports");
  if (reports !== undefined) buildReports(reports, at("reports"), check, out);
  return out;
}

function buildReports(
  node: YNode,
  path: string,
  check: Check,
  out: { reports: ArtifactsConfig["reports"]; coverageReport?: ArtifactsConfig["coverageReport"] },
): void {
  const map = check.map(node, path, "reports");
  if (map === undefined) return;
  const reports: Record<string, string[]> = {};
  for (const [type, { value }] of map.entries) {
    const reportPath = child(path, type);
    if (type === "coverage_report") {
      const m = check.map(value, reportPath);
      if (m === undefined) continue;
      check.keys(m, reportPath, new Set(["coverage_format", "path"]), "coverage_report");
      const format = get(m, "coverage_format");
      const file = get(m, "path");
      const f =
        format === undefined
          ? undefined
          : check.oneOf(format, child(reportPath, "coverage_format"), ["cobertura", "jacoco"] as const);
      const p = file === undefined ? undefined : check.string(file, child(reportPath, "path"));
      if (format === undefined || file === undefined)
        check.error("`coverage_report` needs `coverage_format` and `path`", value, reportPath);
      if (f !== undefined && p !== undefined) out.coverageReport = { coverageFormat: f, path: p };
      continue;
    }
    if (value.kind === "scalar" && typeof value.value !== "string") {
      check.error(
        `'${type}' property type must be string or a list of strings (found ${scalarText(value.value)})`,
        value,
        reportPath,
      );
      continue;
    }
    const files = check.strings(value, reportPath, type);
    if (files !== undefined) reports[type] = files;
  }
  out.reports = reports;
}
