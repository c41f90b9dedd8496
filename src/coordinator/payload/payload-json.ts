/**
 * The job payload as the JSON body of a 201, in bytes. Most of a payload is the variables every job
 * of a pipeline shares — the same objects, in the same order (see `jobVariables`) — so their JSON is
 * encoded once and only each job's own part is serialised and encoded per hand-out.
 */
import type { JobPayload, JobVariable } from "../../protocol/index.js";

interface Segment {
  readonly variables: readonly JobVariable[];
  /** The variables' JSON, comma-separated, without brackets. */
  readonly bytes: Buffer;
}

/** Keyed by a shared list's first variable; lives as long as the list does. */
const segments = new WeakMap<JobVariable, Segment>();

/** Keeps the JSON of a list of variables that many payloads will carry in this order. */
export function rememberJson(variables: readonly JobVariable[]): void {
  const first = variables[0];
  if (first === undefined) return;
  segments.set(first, {
    variables,
    bytes: Buffer.from(variables.map((v) => JSON.stringify(v)).join(",")),
  });
}

function isAt(list: readonly JobVariable[], at: number, segment: Segment): boolean {
  if (at + segment.variables.length > list.length) return false;
  for (let i = 0; i < segment.variables.length; i++) {
    if (list[at + i] !== segment.variables[i]) return false;
  }
  return true;
}

/** `prefix`, the variables as a JSON array, then `suffix`, as UTF-8 bytes. */
function withVariables(prefix: string, variables: readonly JobVariable[], suffix: string): Buffer {
  const chunks: Buffer[] = [];
  let text = `${prefix}[`;
  let first = true;
  for (let i = 0; i < variables.length; ) {
    const v = variables[i];
    if (v === undefined) break;
    if (!first) text += ",";
    first = false;
    const segment = segments.get(v);
    if (segment !== undefined && isAt(variables, i, segment)) {
      chunks.push(Buffer.from(text), segment.bytes);
      text = "";
      i += segment.variables.length;
    } else {
      text += JSON.stringify(v);
      i++;
    }
  }
  chunks.push(Buffer.from(`${text}]${suffix}`));
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks);
}

/** The variables as the JSON array `JSON.stringify` would make, in bytes. */
export function variablesJson(variables: readonly JobVariable[]): Buffer {
  return withVariables("", variables, "");
}

export function payloadJson(payload: JobPayload): Buffer {
  const { variables, ...rest } = payload;
  const head = JSON.stringify(rest);
  // A key's place in a JSON object carries no meaning: the list goes last.
  return withVariables(`${head.slice(0, -1)},"variables":`, variables, "}");
}
