/**
 * The job payload as the JSON body of a 201. Most of a payload is the variables every job of a
 * pipeline shares — the same objects, in the same order (see `jobVariables`) — so their JSON is made
 * once and only each job's own part is serialised per hand-out.
 */
import type { JobPayload, JobVariable } from "../../protocol/index.js";

interface Segment {
  readonly variables: readonly JobVariable[];
  readonly json: string;
}

/** Keyed by a shared list's first variable; lives as long as the list does. */
const segments = new WeakMap<JobVariable, Segment>();

/** Keeps the JSON of a list of variables that many payloads will carry in this order. */
export function rememberJson(variables: readonly JobVariable[]): void {
  const first = variables[0];
  if (first === undefined) return;
  segments.set(first, { variables, json: variables.map((v) => JSON.stringify(v)).join(",") });
}

function isAt(list: readonly JobVariable[], at: number, segment: Segment): boolean {
  if (at + segment.variables.length > list.length) return false;
  for (let i = 0; i < segment.variables.length; i++) {
    if (list[at + i] !== segment.variables[i]) return false;
  }
  return true;
}

export function variablesJson(variables: readonly JobVariable[]): string {
  const parts: string[] = [];
  for (let i = 0; i < variables.length; ) {
    const v = variables[i];
    if (v === undefined) break;
    const segment = segments.get(v);
    if (segment !== undefined && isAt(variables, i, segment)) {
      parts.push(segment.json);
      i += segment.variables.length;
    } else {
      parts.push(JSON.stringify(v));
      i++;
    }
  }
  return `[${parts.join(",")}]`;
}

export function payloadJson(payload: JobPayload): string {
  const { variables, ...rest } = payload;
  const head = JSON.stringify(rest);
  // A key's place in a JSON object carries no meaning: the list goes last.
  return `${head.slice(0, -1)},"variables":${variablesJson(variables)}}`;
}
