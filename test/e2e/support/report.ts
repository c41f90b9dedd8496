import { readFile } from "node:fs/promises";
import type { ReportJob, RunReport } from "../../../src/local-run/run-report.js";

export async function readReport(path: string): Promise<RunReport> {
  return JSON.parse(await readFile(path, "utf8")) as RunReport;
}

export function jobIn(report: RunReport, name: string): ReportJob {
  const job = report.jobs.find((j) => j.name === name);
  if (job === undefined)
    throw new Error(`no job "${name}" in report: ${report.jobs.map((j) => j.name).join(", ")}`);
  return job;
}

export async function logOf(report: RunReport, name: string): Promise<string> {
  const log = jobIn(report, name).log;
  if (log === null) throw new Error(`job "${name}" has no log`);
  return readFile(log, "utf8");
}
