import { describe, expect, it } from "vitest";
import { sectionEnd, sectionStart } from "./trace-section.js";

describe("trace sections", () => {
  it.each([
    [{}, "section_start:1700000000:step_script\r\x1b[0K"],
    [{ collapsed: true }, "section_start:1700000000:step_script[collapsed=true]\r\x1b[0K"],
    [
      { collapsed: true, hideDuration: true },
      "section_start:1700000000:step_script[hide_duration=true,collapsed=true]\r\x1b[0K",
    ],
  ])("start with options %j", (options, expected) => {
    expect(sectionStart("step_script", 1_700_000_000_999, options)).toBe(expected);
  });

  it("end marker uses unix seconds", () => {
    expect(sectionEnd("get_sources", 1_700_000_005_000)).toBe("section_end:1700000005:get_sources\r\x1b[0K");
  });
});
