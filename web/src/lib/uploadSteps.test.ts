import { describe, expect, it } from "vitest";

import { cardTitle, uploadCards } from "./uploadSteps";

describe("upload steps", () => {
  it("numbers every module's cards 1..n without a repeat", () => {
    for (const module of ["ready", "look", "surprise"]) {
      const titles = uploadCards(module).map((c) => cardTitle(module, c));
      expect(titles.map((t) => Number(t.split(".")[0]))).toEqual(titles.map((_, i) => i + 1));
    }
  });

  it("puts Photos after the surprise card, not beside it", () => {
    expect(cardTitle("surprise", "Your surprise")).toBe("2. Your surprise");
    expect(cardTitle("surprise", "Photos")).toBe("3. Photos");
    expect(cardTitle("look", "Photos")).toBe("4. Photos");
    expect(cardTitle("ready", "Photos")).toBe("3. Photos");
  });

  it("refuses a card the module does not show", () => {
    expect(() => cardTitle("surprise", "Template")).toThrow("no Template card");
  });
});
