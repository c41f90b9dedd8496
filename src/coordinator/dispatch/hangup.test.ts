import { describe, expect, it } from "vitest";
import { Hangup } from "./hangup.js";

describe("Hangup", () => {
  it.each([
    ["before", true],
    ["after", false],
  ])("runs the listener once when the client hangs up %s it is set", (_when, early) => {
    const h = new Hangup();
    let calls = 0;
    if (early) h.fire();
    h.onHangup(() => calls++);
    h.fire();
    h.fire();
    expect(calls).toBe(1);
    expect(h.hungUp).toBe(true);
  });

  it("runs nothing once cleared", () => {
    const h = new Hangup();
    let calls = 0;
    h.onHangup(() => calls++);
    h.clear();
    h.fire();
    expect(calls).toBe(0);
  });
});
