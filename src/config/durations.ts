/**
 * GitLab's human durations (`timeout: 1h 30m`, `start_in: 2 days`, `expire_in: 1 week`): number and
 * unit pairs, summed. A bare number is seconds.
 */
const UNITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(s|secs?|seconds?)$/, 1],
  [/^(m|mins?|minutes?)$/, 60],
  [/^(h|hrs?|hours?)$/, 3600],
  [/^(d|days?)$/, 86_400],
  [/^(w|wks?|weeks?)$/, 604_800],
  [/^(mos?|months?)$/, 2_592_000],
  [/^(y|yrs?|years?)$/, 31_557_600],
];

/** Seconds, or undefined when the text is not a duration. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? Math.round(text) : undefined;
  const source = text
    .trim()
    .toLowerCase()
    .replace(/\band\b/g, " ")
    .replace(/,/g, " ");
  if (source === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(source)) return Math.round(Number(source));
  const clock = /^(\d+):(\d{2})(?::(\d{2}))?$/.exec(source);
  if (clock !== null) {
    const [, a = "0", b = "0", c] = clock;
    return c === undefined ? Number(a) * 60 + Number(b) : Number(a) * 3600 + Number(b) * 60 + Number(c);
  }
  const pair = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let total = 0;
  let consumed = "";
  for (const m of source.matchAll(pair)) {
    const [whole, amount = "0", unit = ""] = m;
    const factor = UNITS.find(([re]) => re.test(unit))?.[1];
    if (factor === undefined) return undefined;
    total += Number(amount) * factor;
    consumed += whole;
  }
  if (consumed.replace(/\s+/g, "") !== source.replace(/\s+/g, "")) return undefined;
  return Math.round(total);
}
