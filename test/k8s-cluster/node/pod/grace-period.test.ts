import { describe, expect, it } from "vitest";
import type { ContainerExit, RunningContainer } from "../runtimes/pod-runtime.js";
import { GracePeriod, terminateWithGrace } from "./grace-period.js";

/** A container that records the signals it gets and ends on SIGKILL (or on SIGTERM if polite). */
function container(polite: boolean) {
  const signals: { signal: string; at: number }[] = [];
  let end: (exit: ContainerExit) => void = () => {};
  const exited = new Promise<ContainerExit>((done) => {
    end = done;
  });
  const began = Date.now();
  const c: RunningContainer = {
    id: "test://1",
    startedAt: new Date(),
    exited,
    kill(signal) {
      signals.push({ signal, at: Date.now() - began });
      if (signal === "SIGKILL" || polite) end({ exitCode: 137, reason: "Error", finishedAt: new Date() });
    },
  };
  return { c, signals };
}

describe("GracePeriod", () => {
  it.each([
    { name: "one grace", graces: [0.2], killAfterMs: 200 },
    { name: "a shorter second grace brings the kill forward", graces: [5, 0.1], killAfterMs: 100 },
    { name: "a longer second grace does not delay it", graces: [0.1, 5], killAfterMs: 100 },
  ])("$name", async ({ graces, killAfterMs }) => {
    const { c, signals } = container(false);
    const grace = new GracePeriod(() => [c]);
    for (const g of graces) grace.killAfter(g);
    await c.exited;
    expect(grace.killed).toBe(true);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.signal).toBe("SIGKILL");
    expect(signals[0]?.at).toBeGreaterThanOrEqual(killAfterMs - 5);
    expect(signals[0]?.at).toBeLessThan(killAfterMs + 400);
  });
});

describe("terminateWithGrace", () => {
  it("SIGTERMs all and SIGKILLs only those still running at the end", async () => {
    const polite = container(true);
    const stubborn = container(false);
    terminateWithGrace([polite.c, stubborn.c], 0.1);
    await Promise.all([polite.c.exited, stubborn.c.exited]);
    expect(polite.signals.map((s) => s.signal)).toEqual(["SIGTERM"]);
    expect(stubborn.signals.map((s) => s.signal)).toEqual(["SIGTERM", "SIGKILL"]);
  });
});
