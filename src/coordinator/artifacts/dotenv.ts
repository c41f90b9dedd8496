/** `artifacts:reports:dotenv`: `KEY=VALUE` lines, as GitLab reads them. */
import { RunfleetError } from "../../errors/index.js";
import { gzipMembers } from "./gzip-members.js";

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseDotenv(text: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? "" : line.slice(0, eq).trim();
    if (!KEY.test(key)) {
      throw new RunfleetError(
        "BAD_REQUEST",
        `dotenv report line ${i + 1} is not KEY=VALUE: ${line.slice(0, 80)}`,
      );
    }
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out.push({ key, value });
  }
  return out;
}

/**
 * The variables of an uploaded dotenv report: one gzip member per file (several files when
 * `dotenv:` lists several), read file by file in order, so a later file's key wins; or raw text.
 */
export function dotenvReport(data: Uint8Array, format: "gzip" | "raw"): { key: string; value: string }[] {
  const files = format === "gzip" ? gzipMembers(data) : [data];
  const decoder = new TextDecoder();
  return files.flatMap((file) => parseDotenv(decoder.decode(file)));
}
