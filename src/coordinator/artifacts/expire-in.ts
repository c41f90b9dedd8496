/** `expire_in` as the runner sends it (`30 days`, `1h 30m`, `never`) in seconds; undefined = keep forever. */
const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  d: 86_400,
  day: 86_400,
  w: 604_800,
  week: 604_800,
  mo: 2_592_000,
  month: 2_592_000,
  y: 31_536_000,
  year: 31_536_000,
};

export function parseDurationSeconds(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === "" || t === "never") return undefined;
  if (/^\d+$/.test(t)) return Number(t);
  let total = 0;
  let matched = false;
  for (const m of t.matchAll(/(\d+)\s*([a-z]+)/g)) {
    const unit = UNITS[(m[2] ?? "").replace(/s$/, "")] ?? UNITS[m[2] ?? ""];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    matched = true;
  }
  return matched ? total : undefined;
}
