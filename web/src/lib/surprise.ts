/**
 * Surprise for You (module `surprise`): what the seller chooses in the upload centre, the body fields
 * `POST /v1/jobs` takes, and the quote in words. The API (the engine's one validator) decides; the
 * checks here only say in words, before sending, what it would refuse.
 */
import { ASPECTS } from "./catalogue";
import { MAX_SIZE, MIN_SIZE } from "./recipe";

export const MAX_VARIANTS = 8;
export const MAX_SEED = 2 ** 31 - 1;

export interface Theme {
  name: string;
  title: string;
  description: string;
}

export interface SurpriseForm {
  theme: string; // "" until one is chosen
  variants: number;
  video: boolean;
  seed: string; // as typed; "" = the default seed (0)
  aspect: string;
  size: number;
}

export const DEFAULT_SURPRISE: SurpriseForm = { theme: "", variants: 4, video: true, seed: "", aspect: "1:1", size: 1200 };

/** Problems in words, before anything is sent; empty when the choices are valid. */
export function surpriseProblems(f: SurpriseForm, themes: Theme[] = []): string[] {
  const out: string[] = [];
  if (!f.theme) out.push("Choose a theme.");
  else if (themes.length && !themes.some((t) => t.name === f.theme)) out.push(`The theme "${f.theme}" is not offered any more; choose another.`);
  if (!Number.isInteger(f.variants) || f.variants < 1 || f.variants > MAX_VARIANTS) out.push(`Variants must be a whole number from 1 to ${MAX_VARIANTS}.`);
  const seed = f.seed.trim();
  if (seed && (!/^\d+$/.test(seed) || Number(seed) > MAX_SEED)) out.push(`The seed must be a whole number from 0 to ${MAX_SEED}, or left empty.`);
  if (!(ASPECTS as readonly string[]).includes(f.aspect)) out.push(`Choose an aspect ratio (${ASPECTS.join(", ")}).`);
  if (!Number.isInteger(f.size) || f.size < MIN_SIZE || f.size > MAX_SIZE) out.push(`Size must be a whole number of pixels between ${MIN_SIZE} and ${MAX_SIZE}.`);
  return out;
}

/** The surprise fields of `POST /v1/jobs` (`seed` only when the seller typed one). */
export function toApiSurprise(f: SurpriseForm): { theme: string; variants: number; video: boolean; seed?: number } {
  const seed = f.seed.trim();
  return { theme: f.theme, variants: f.variants, video: f.video, ...(seed ? { seed: Number(seed) } : {}) };
}

/** The composition recipe every variant (and the video) uses. */
export function toApiSurpriseRecipe(f: SurpriseForm): Record<string, unknown> {
  return { aspect: f.aspect, size: f.size };
}

export function outputsPerImage(f: Pick<SurpriseForm, "variants" | "video">): number {
  return f.variants + (f.video ? 1 : 0);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 photos × 5 outputs × 2 coins = 30 coins": how the quote is made, in the order it multiplies. */
export function quoteInWords(photos: number, outputs: number, pricePerOutput: number): string {
  const total = photos * outputs * pricePerOutput;
  return `${plural(photos, "photo")} × ${plural(outputs, "output")} × ${plural(pricePerOutput, "coin")} = ${plural(total, "coin")}`;
}

/** "Variant 2 · marble-01" or "Video" for one output of a product. */
export function outputLabel(o: { kind: string; variant?: number | null; template?: string | null }): string {
  if (o.kind === "video") return "Video";
  return `Variant ${o.variant ?? "?"}${o.template ? ` · ${o.template}` : ""}`;
}
