import { describe, expect, it } from "vitest";

import { pricingBody, pricingProblems } from "./pricing";
import type { Pricing } from "./types";

const base: Pricing & { updated?: string } = {
  pricing: { ready: 1, look: 2 },
  rupees_per_coin: 5,
  packs: [{ id: "starter", name: "Starter", coins: 100, price: 49900 }],
  signup_bonus: 10,
  updated: "2026-11-26T00:00:00Z",
};

describe("admin pricing", () => {
  it("sends only what the API takes", () => {
    expect(pricingBody(base)).toEqual({
      pricing: { ready: 1, look: 2 },
      rupees_per_coin: 5,
      packs: [{ id: "starter", name: "Starter", coins: 100, price: 49900 }],
      signup_bonus: 10,
    });
  });
  it("catches mistakes in words before sending", () => {
    expect(pricingProblems(base)).toEqual([]);
    const bad = { ...base, pricing: { ready: -1 }, packs: [{ id: "Big Pack", name: "Big", coins: 0, price: 50 }, { id: "Big Pack", name: "Big", coins: 5, price: 500 }] };
    const problems = pricingProblems(bad);
    expect(problems).toContain("The price of ready must be a whole number of coins, 0 or more.");
    expect(problems).toContain('Two packs share the id "Big Pack".');
    expect(problems.some((p) => p.includes("at least 1 coin"))).toBe(true);
    expect(problems.some((p) => p.includes("at least ₹1"))).toBe(true);
  });
});
