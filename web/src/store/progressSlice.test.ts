import { describe, expect, it } from "vitest";

import reducer, { connectionChanged, etaOf, percentOf, progressReceived, rateOf } from "./progressSlice";

const at = (ms: number) => ms;

describe("progress slice", () => {
  it("tracks counters, rate and time left from events", () => {
    let s = reducer(undefined, progressReceived({ id: "j", event: { status: "running", total: 100, done: 0, failed: 0, at: at(0) } }));
    s = reducer(s, progressReceived({ id: "j", event: { done: 8, failed: 2, at: at(5000) } }));
    const p = s.j;
    expect(p.done).toBe(8);
    expect(p.failed).toBe(2);
    expect(percentOf(p)).toBe(10);
    expect(rateOf(p)).toBeCloseTo(2); // 10 images in 5 s
    expect(etaOf(p)).toBeCloseTo(45); // 90 left at 2/s
  });

  it("never moves counters backwards on a late event", () => {
    let s = reducer(undefined, progressReceived({ id: "j", event: { total: 10, done: 5, at: 0 } }));
    s = reducer(s, progressReceived({ id: "j", event: { done: 3, at: 1000 } }));
    expect(s.j.done).toBe(5);
  });

  it("prefers the server's estimate and says 0 when nothing is left", () => {
    let s = reducer(undefined, progressReceived({ id: "j", event: { total: 10, done: 2, eta_s: 30, at: 0 } }));
    expect(etaOf(s.j)).toBe(30);
    s = reducer(s, progressReceived({ id: "j", event: { status: "done", done: 9, failed: 1, at: 2000 } }));
    expect(etaOf(s.j)).toBe(0);
    expect(percentOf(s.j)).toBe(100);
  });

  it("has no rate before two samples and forgets samples older than the window", () => {
    let s = reducer(undefined, progressReceived({ id: "j", event: { total: 1000, done: 0, at: 0 } }));
    expect(rateOf(s.j)).toBeNull();
    for (let t = 1; t <= 60; t++) s = reducer(s, progressReceived({ id: "j", event: { done: t * 2, at: t * 1000 } }));
    expect(s.j.samples[0].t).toBeGreaterThanOrEqual(30_000);
    expect(rateOf(s.j)).toBeCloseTo(2);
  });

  it("records the connection state per job", () => {
    const s = reducer(undefined, connectionChanged({ id: "j", connection: "reconnecting", error: "lost" }));
    expect(s.j.connection).toBe("reconnecting");
    expect(s.j.error).toBe("lost");
    expect(percentOf(undefined)).toBe(0);
  });
});
