import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { abortableSleep } from "./abortable-sleep.js";

describe("abortableSleep", () => {
  it("resolves true after the time and leaves no listener behind", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) expect(await abortableSleep(1, controller.signal)).toBe(true);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it.each([
    { name: "aborted before", before: true },
    { name: "aborted during", before: false },
  ])("resolves false when $name", async ({ before }) => {
    const controller = new AbortController();
    if (before) controller.abort();
    const began = Date.now();
    const sleeping = abortableSleep(10_000, controller.signal);
    controller.abort();
    expect(await sleeping).toBe(false);
    expect(Date.now() - began).toBeLessThan(1000);
  });
});
