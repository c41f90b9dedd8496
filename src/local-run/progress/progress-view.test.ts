import { describe, expect, it } from "vitest";
import { plainLog } from "../plain-log.js";
import { LineView, LiveView } from "./progress-view.js";
import type { JobRef } from "./run-event.js";

const job: JobRef = { id: 1, name: "build", baseName: "build", stage: "compile" };
const planned = [{ name: "build", baseName: "build", stage: "compile", manual: false }];

function buffer() {
  const chunks: string[] = [];
  return { chunks, write: (t: string) => chunks.push(t), text: () => chunks.join("") };
}

describe("LineView", () => {
  it("prints events and prefixed output, and only events when quiet", () => {
    const out = buffer();
    const quiet = buffer();
    for (const [view, b] of [
      [new LineView(planned, out, false), out],
      [new LineView(planned, quiet, true), quiet],
    ] as const) {
      view.event({ kind: "job_started", job, at: 0 });
      view.event({ kind: "job_output", job, line: "compiling" });
      expect(b.text()).toContain("build started\n");
    }
    expect(out.text()).toBe("build started\nbuild > compiling\n");
    expect(quiet.text()).toBe("build started\n");
  });
});

describe("LiveView", () => {
  it("redraws the frame in place, keeps notices above it and restores the cursor", () => {
    const out = buffer();
    let now = 0;
    const view = new LiveView(
      planned,
      out,
      () => ({ columns: 80, rows: 24 }),
      () => now,
    );
    view.event({ kind: "job_started", job, at: 0 });
    now = 1500;
    view.event({ kind: "notice", message: "a notice" });
    view.close();
    const text = out.text();
    expect(text.startsWith("\x1b[?25l")).toBe(true);
    expect(text.endsWith("\x1b[?25h")).toBe(true);
    expect(plainLog(text)).toContain("a notice\ncompile  1 running\n  build     running 1.5s\n");
    // Closing twice draws nothing more: the summary printed after the first close stays intact.
    view.close();
    expect(out.text()).toBe(text);
  });
});
