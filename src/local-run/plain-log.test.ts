import { describe, expect, it } from "vitest";
import { LineSplitter, plainLine, plainLog } from "./plain-log.js";

describe("plainLine", () => {
  it.each([
    ["plain", "hello", "hello"],
    ["colour", "\x1b[32;1m$ echo hi\x1b[0;m", "$ echo hi"],
    [
      "section start",
      "section_start:1700000000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting\x1b[0;m",
      "Executing",
    ],
    [
      "section with options",
      "section_start:1700000000:get_sources[collapsed=true]\r\x1b[0KGetting source",
      "Getting source",
    ],
    ["section end alone", "section_end:1700000000:step_script\r\x1b[0K", ""],
    ["carriage-return redraw", "10%\r50%\r100%", "100%"],
    ["trailing CR of CRLF", "windows line\r", "windows line"],
    ["OSC hyperlink", "\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"],
    ["text that only looks like a marker", "section_start is a word", "section_start is a word"],
  ])("%s", (_, raw, expected) => {
    expect(plainLine(raw)).toBe(expected);
  });
});

describe("plainLog", () => {
  it("keeps every line and ends with one newline", () => {
    expect(plainLog("a\n\x1b[31mb\x1b[0m\nc")).toBe("a\nb\nc\n");
    expect(plainLog("a\n")).toBe("a\n");
    expect(plainLog("")).toBe("");
  });
});

describe("LineSplitter", () => {
  it("joins lines cut between chunks and keeps the tail until flushed", () => {
    const s = new LineSplitter();
    expect(s.push("one\ntw")).toEqual(["one"]);
    expect(s.push("o\nthr")).toEqual(["two"]);
    expect(s.push("ee")).toEqual([]);
    expect(s.flush()).toEqual(["three"]);
    expect(s.flush()).toEqual([]);
  });
});
