import { describe, expect, it } from "vitest";

import { coverage, mergeUploads, shortfallOf } from "./quote";

describe("quote", () => {
  it("adds uploads and keeps the job's latest quote", () => {
    const a = mergeUploads(null, { accepted: 3, rejected: [{ name: "x.txt", reason: "not an image" }], quote: 3 });
    const b = mergeUploads(a, { accepted: 2, rejected: [], quote: 5 });
    expect(b.accepted).toBe(5);
    expect(b.rejected).toHaveLength(1);
    expect(b.quote).toBe(5);
  });
  it("says whether the wallet covers the quote", () => {
    expect(coverage(10, 12)).toEqual({ fits: true, shortfall: 0 });
    expect(coverage(10, 4)).toEqual({ fits: false, shortfall: 6 });
    expect(coverage(10, undefined)).toEqual({ fits: false, shortfall: 10 });
  });
  it("reads the shortfall of a 402 only", () => {
    expect(shortfallOf({ status: 402, data: { shortfall: 7 } })).toBe(7);
    expect(shortfallOf({ status: 402, data: { needed: 10, balance: 4 } })).toBe(6);
    expect(shortfallOf({ status: 403, data: { shortfall: 7 } })).toBeNull();
  });
});
