import { describe, expect, it } from "vitest";

import { DEFAULT_RECIPE, recipeProblems, toApiRecipe } from "./recipe";

describe("recipe", () => {
  it("sends only the preset for Ready to Use", () => {
    expect(toApiRecipe(DEFAULT_RECIPE)).toEqual({});
    expect(toApiRecipe({ ...DEFAULT_RECIPE, preset: "amazon" })).toEqual({ preset: "amazon" });
  });
  it("sends aspect and size for a look without a preset, and light/shadow overrides only when set", () => {
    const r = toApiRecipe({ ...DEFAULT_RECIPE, module: "look", aspect: "4:5", size: 1200, lightAngle: 30 });
    expect(r).toMatchObject({ aspect: "4:5", size: 1200, shadow: { style: "auto", opacity: 0.5, angle: 30 } });
    expect((r.shadow as Record<string, unknown>).softness).toBeUndefined();
    const p = toApiRecipe({ ...DEFAULT_RECIPE, module: "look", preset: "myntra" });
    expect(p.preset).toBe("myntra");
    expect(p.aspect).toBeUndefined();
  });
  it("words invalid values", () => {
    expect(recipeProblems(DEFAULT_RECIPE)).toEqual([]);
    expect(recipeProblems({ ...DEFAULT_RECIPE, size: 20 })[0]).toMatch(/between 64 and 10000/);
    expect(recipeProblems({ ...DEFAULT_RECIPE, lightAngle: 400 })).toHaveLength(1);
  });
});
