import { describe, expect, it } from "vitest";

import { facetLabel, facetOptions } from "./facets";

const tags = [
  { id: "studio", count: 30 },
  { id: "white", count: 12 },
  { id: "diwali", count: 4 },
];

describe("template facets", () => {
  it("labels a facet with its count", () => {
    expect(facetLabel({ id: "festive", count: 9 })).toBe("Festive (9)");
  });

  it("keeps the API's order and cuts at the limit", () => {
    expect(facetOptions(tags, "", 2).map((t) => t.id)).toEqual(["studio", "white"]);
    expect(facetOptions(tags, "").length).toBe(3);
    expect(facetOptions(undefined, "")).toEqual([]);
  });

  it("still offers the selected choice from a link, with its count when known", () => {
    expect(facetOptions(tags, "diwali", 2)).toEqual([...tags.slice(0, 2), { id: "diwali", count: 4 }]);
    expect(facetOptions(tags, "gone", 2).at(-1)).toEqual({ id: "gone", count: 0 });
    expect(facetOptions(tags, "white", 2).length).toBe(2);
  });
});
