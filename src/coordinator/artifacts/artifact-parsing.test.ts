import { gzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { checkArchive, readZipText, unsafeEntry } from "./archive-check.js";
import { dotenvReport, parseDotenv } from "./dotenv.js";
import { parseDurationSeconds } from "./expire-in.js";
import { boundaryOf, findFilePart } from "./multipart.js";

describe("archive entries", () => {
  it.each([
    ["dist/app.js", false],
    ["a/../b", true],
    ["../x", true],
    ["/etc/passwd", true],
    ["C:\\\\windows", true],
    ["..\\\\up", true],
    ["dots..in/name", false],
  ])("%s unsafe=%s", (name, unsafe) => {
    expect(unsafeEntry(name)).toBe(unsafe);
  });

  it("refuses a zip with a climbing entry and reads a file out of a good one", () => {
    const bad = zipSync({ "ok.txt": new Uint8Array([1]), "x/../../y": new Uint8Array([2]) });
    expect(() => checkArchive("zip", bad)).toThrow(/outside the archive/);
    expect(() => checkArchive("zip", new Uint8Array([1, 2, 3]))).toThrow(/not a valid zip/);
    const good = zipSync({ "gen/child.yml": new TextEncoder().encode("a: 1\n") });
    expect(readZipText(good, "./gen/child.yml")).toBe("a: 1\n");
    expect(readZipText(good, "missing.yml")).toBeUndefined();
  });
});

describe("dotenv reports", () => {
  it.each([
    [
      "A=1\nB=two words\n",
      [
        ["A", "1"],
        ["B", "two words"],
      ],
    ],
    [
      "# comment\n\nQ=\"quoted\"\nS='single'\n",
      [
        ["Q", "quoted"],
        ["S", "single"],
      ],
    ],
    [
      "EMPTY=\r\nURL=http://x?a=b\r\n",
      [
        ["EMPTY", ""],
        ["URL", "http://x?a=b"],
      ],
    ],
  ])("%j", (text, expected) => {
    expect(parseDotenv(text).map((v) => [v.key, v.value])).toEqual(expected);
  });

  it.each(["no equals", "1BAD=x", "=x"])("refuses %j", (line) => {
    expect(() => parseDotenv(line)).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
  });
});

describe("expire_in", () => {
  it.each([
    ["3600", 3600],
    ["1 day", 86_400],
    ["2 weeks", 1_209_600],
    ["1h 30m", 5400],
    ["30 mins", 1800],
    ["never", undefined],
    ["soon", undefined],
  ])("%s", (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });
});

describe("multipart", () => {
  it("finds the named file part among others", () => {
    const body = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\n' +
        "Content-Type: application/octet-stream\r\n\r\nBIN\r\nARY\r\n--XyZ--\r\n",
    );
    expect(boundaryOf('multipart/form-data; boundary="XyZ"')).toBe("XyZ");
    const part = findFilePart(body, "XyZ", "file");
    expect(part?.filename).toBe("artifacts.zip");
    expect(part?.data.toString()).toBe("BIN\r\nARY");
    expect(findFilePart(body, "XyZ", "missing")).toBeUndefined();
    expect(() => boundaryOf("application/json")).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
  });
});

describe("dotenv reports", () => {
  const gz = (text: string, filename?: string) =>
    gzipSync(new TextEncoder().encode(text), filename === undefined ? {} : { filename });

  it.each<[string, Uint8Array, "gzip" | "raw", [string, string][]]>([
    ["one file", gz("A=1\n", "a.env"), "gzip", [["A", "1"]]],
    [
      "several files, the first without a final newline",
      concat(gz("A=1", "a.env"), gz("B=2\n", "b.env"), gz("C=3")),
      "gzip",
      [
        ["A", "1"],
        ["B", "2"],
        ["C", "3"],
      ],
    ],
    [
      "a later file redefines a key",
      concat(gz("A=1\n"), gz("A=2\n")),
      "gzip",
      [
        ["A", "1"],
        ["A", "2"],
      ],
    ],
    ["an empty file among others", concat(gz(""), gz("B=2")), "gzip", [["B", "2"]]],
    ["raw text", new TextEncoder().encode("X='quoted'\n"), "raw", [["X", "quoted"]]],
  ])("%s", (_name, data, format, expected) => {
    expect(dotenvReport(data, format).map((v) => [v.key, v.value])).toEqual(expected);
  });

  it.each([
    ["not gzip", new Uint8Array([1, 2, 3])],
    ["a truncated member", gz("A=1\n").subarray(0, 12)],
  ])("refuses %s", (_name, data) => {
    expect(() => dotenvReport(data, "gzip")).toThrow(/gzip artifact is not valid/);
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
