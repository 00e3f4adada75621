import { describe, expect, it } from "vitest";

import { backoffMs, parseEvent, socketUrl } from "./jobSocket";

describe("job socket", () => {
  it("reads flat and nested progress events and ignores noise", () => {
    expect(parseEvent('{"status":"running","total":1000,"done":243,"failed":1}')).toEqual({ status: "running", total: 1000, done: 243, failed: 1 });
    expect(parseEvent('{"type":"progress","job":{"status":"done","counters":{"total":3,"done":3,"failed":0}}}')).toMatchObject({ status: "done", done: 3 });
    expect(parseEvent('{"status":"running","done":1,"eta_s":12.5}')?.eta_s).toBe(12.5);
    expect(parseEvent("not json")).toBeNull();
    expect(parseEvent('{"type":"ping"}')).toBeNull();
  });
  it("puts the ticket, never a token, in the URL and follows the page's scheme", () => {
    const url = socketUrl("abc", "wst_x+y", { protocol: "https:", host: "drisya.example" } as Location);
    expect(url).toBe("wss://drisya.example/v1/jobs/abc/events?ticket=wst_x%2By");
  });
  it("backs off and caps the wait", () => {
    expect(backoffMs(0)).toBe(500);
    expect(backoffMs(3)).toBe(4000);
    expect(backoffMs(50)).toBe(15000);
  });
});
