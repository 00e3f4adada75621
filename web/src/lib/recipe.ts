/**
 * The recipe a seller builds in the upload centre, and the JSON the API takes (`engine.pipeline.Recipe`).
 * Only what the seller changed is sent: the engine's defaults (and a preset's rules) fill in the rest.
 */

export interface RecipeForm {
  module: "ready" | "look" | "surprise";
  preset: string; // "" = none
  aspect: string;
  size: number;
  format: "jpg" | "png" | "webp";
  shadowStyle: string;
  shadowOpacity: number; // 0..1
  shadowSoftness: number | null; // null = the template's
  lightAngle: number | null; // null = the template's
  lightMatch: number; // 0..1
}

export const DEFAULT_RECIPE: RecipeForm = {
  module: "ready",
  preset: "",
  aspect: "1:1",
  size: 2000,
  format: "jpg",
  shadowStyle: "auto",
  shadowOpacity: 0.5,
  shadowSoftness: null,
  lightAngle: null,
  lightMatch: 0.35,
};

export const MIN_SIZE = 64;
export const MAX_SIZE = 10000;

/** Problems in words, before anything is sent; empty when the form is valid. */
export function recipeProblems(f: RecipeForm): string[] {
  const out: string[] = [];
  if (!Number.isInteger(f.size) || f.size < MIN_SIZE || f.size > MAX_SIZE) {
    out.push(`Size must be a whole number of pixels between ${MIN_SIZE} and ${MAX_SIZE}.`);
  }
  if (f.shadowOpacity < 0 || f.shadowOpacity > 1) out.push("Shadow strength must be between 0 and 100%.");
  if (f.shadowSoftness != null && (f.shadowSoftness < 0 || f.shadowSoftness > 1)) out.push("Shadow softness must be between 0 and 100%.");
  if (f.lightAngle != null && (f.lightAngle < 0 || f.lightAngle > 360)) out.push("Light direction must be between 0 and 360 degrees.");
  return out;
}

/** The recipe object for `POST /v1/jobs` and `POST /v1/preview`. Ready to Use sends only the preset. */
export function toApiRecipe(f: RecipeForm): Record<string, unknown> {
  if (f.module === "ready") return f.preset ? { preset: f.preset } : {};
  const r: Record<string, unknown> = { format: f.format, light_match: f.lightMatch };
  if (f.preset) r.preset = f.preset;
  else {
    r.aspect = f.aspect;
    r.size = f.size;
  }
  const shadow: Record<string, unknown> = { style: f.shadowStyle, opacity: f.shadowOpacity };
  if (f.shadowSoftness != null) shadow.softness = f.shadowSoftness;
  if (f.lightAngle != null) shadow.angle = f.lightAngle;
  r.shadow = shadow;
  return r;
}
