/** POSIX single-quote quoting: safe for bash and sh, any byte except NUL survives. */
export function shellQuote(value: string): string {
  if (value !== "" && /^[A-Za-z0-9_./=:@%+,-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}
