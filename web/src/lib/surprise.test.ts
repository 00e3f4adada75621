import { describe, expect, it } from "vitest";

import { DEFAULT_SURPRISE, outputLabel, outputsPerImage, quoteInWords, surpriseProblems, toApiSurprise, toApiSurpriseRecipe } from "./surprise";

const THEMES = [
  { name: "festive", title: "Festive", description: "Warm celebration backdrops." },
  { name: "luxury", title: "Luxury", description: "Dark marble and gold light." },
];

describe("surprise", () => {
  it("asks for a theme first and names every other mistake in words", () => {
    expect(surpriseProblems(DEFAULT_SURPRISE, THEMES)).toEqual(["Choose a theme."]);
    const bad = { ...DEFAULT_SURPRISE, theme: "gothic", variants: 9, seed: "-3", aspect: "7:3", size: 10 };
    expect(surpriseProblems(bad, THEMES)).toEqual([
      'The theme "gothic" is not offered any more; choose another.',
      "Variants must be a whole number from 1 to 8.",
      "The seed must be a whole number from 0 to 2147483647, or left empty.",
      "Choose an aspect ratio (1:1, 4:5, 3:4, 16:9, 9:16).",
      "Size must be a whole number of pixels between 64 and 10000.",
    ]);
    expect(surpriseProblems({ ...DEFAULT_SURPRISE, theme: "luxury", seed: "2147483648" }, THEMES)).toHaveLength(1);
    expect(surpriseProblems({ ...DEFAULT_SURPRISE, theme: "luxury", seed: " 42 " }, THEMES)).toEqual([]);
  });

  it("sends the seed only when one was typed, and the recipe for every variant", () => {
    const f = { ...DEFAULT_SURPRISE, theme: "luxury", variants: 3, video: false };
    expect(toApiSurprise(f)).toEqual({ theme: "luxury", variants: 3, video: false });
    expect(toApiSurprise({ ...f, seed: "7" })).toEqual({ theme: "luxury", variants: 3, video: false, seed: 7 });
    expect(toApiSurpriseRecipe({ ...f, aspect: "4:5", size: 900 })).toEqual({ aspect: "4:5", size: 900 });
  });

  it("prices per output: variants plus the video", () => {
    expect(outputsPerImage({ variants: 3, video: true })).toBe(4);
    expect(outputsPerImage({ variants: 1, video: false })).toBe(1);
    expect(quoteInWords(3, 4, 2)).toBe("3 photos × 4 outputs × 2 coins = 24 coins");
    expect(quoteInWords(1, 1, 1)).toBe("1 photo × 1 output × 1 coin = 1 coin");
  });

  it("labels each output", () => {
    expect(outputLabel({ kind: "image", variant: 2, template: "marble-01" })).toBe("Variant 2 · marble-01");
    expect(outputLabel({ kind: "video", variant: 0 })).toBe("Video");
  });
});
