/**
 * Splits a byte stream into complete lines; a watch sends one JSON event per line, but TCP chunks
 * cut them anywhere (even inside a multi-byte character, hence the Buffer carry).
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
      lines.push(data.subarray(start, i).toString("utf8"));
      start = i + 1;
    }
    this.carry = Buffer.from(data.subarray(start));
    return lines;
  }

  /** What is left without a final newline. */
  rest(): string {
    const text = this.carry.toString("utf8");
    this.carry = Buffer.alloc(0);
    return text;
  }
}
