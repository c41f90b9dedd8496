/**
 * Turns a job trace (GitLab's format: ANSI colours, `section_start/end` markers, `\r` redraws) into the
 * plain text a person reads in a file or greps: what a terminal would have shown, minus colour.
 */

// CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`) and two-byte escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// A section marker is followed by `\r` and `ESC[0K`, which the ANSI pass has removed by then.
const SECTION = /section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]]*\])?\r?/g;

/** One line of trace as displayed: escapes and markers removed, only what the last `\r` left visible. */
export function plainLine(raw: string): string {
  const text = raw.replace(ANSI, "").replace(SECTION, "");
  const cr = text.lastIndexOf("\r", text.length - 2);
  const visible = cr === -1 ? text : text.slice(cr + 1);
  return visible.endsWith("\r") ? visible.slice(0, -1) : visible;
}

/** The whole trace as plain text, one output line per line, ending with a newline when non-empty. */
export function plainLog(trace: string): string {
  if (trace === "") return "";
  const lines = trace.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return `${lines.map(plainLine).join("\n")}\n`;
}

/**
 * Splits a growing trace into complete lines as chunks arrive (a line may be cut between two chunks).
 * Yields plain lines; the unterminated tail is kept until the next chunk or `flush`.
 */
export class LineSplitter {
  private tail = "";

  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split("\n");
    this.tail = lines.pop() ?? "";
    return lines.map(plainLine);
  }

  flush(): string[] {
    const rest = this.tail;
    this.tail = "";
    return rest === "" ? [] : [plainLine(rest)];
  }
}
