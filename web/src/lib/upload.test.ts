import { describe, expect, it } from "vitest";

import { sortDropped } from "./upload";

describe("sortDropped", () => {
  it("keeps ZIPs and images and names what it refuses", () => {
    const files = [
      new File(["z"], "batch.zip", { type: "application/zip" }),
      new File(["i"], "shoe.JPG", { type: "" }),
      new File(["i"], "bag.webp", { type: "image/webp" }),
      new File(["t"], "notes.txt", { type: "text/plain" }),
    ];
    const r = sortDropped(files);
    expect(r.zips.map((f) => f.name)).toEqual(["batch.zip"]);
    expect(r.images.map((f) => f.name)).toEqual(["shoe.JPG", "bag.webp"]);
    expect(r.refused).toEqual([{ name: "notes.txt", reason: "not an image or a ZIP" }]);
  });
});
