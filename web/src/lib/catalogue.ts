/**
 * Choices the recipe forms offer. The API validates them all; these lists mirror the engine
 * (engine/presets.py, engine/compose/canvas.py ASPECTS, engine/compose/shadow.py STYLES). The gallery's
 * categories, tags and colour families come from the API (`GET /v1/templates/facets`, see facets.ts).
 */

export const ASPECTS = ["1:1", "4:5", "3:4", "16:9", "9:16"] as const;

export const PRESETS: { id: string; label: string }[] = [
  { id: "amazon", label: "Amazon (2000×2000, pure white)" },
  { id: "flipkart", label: "Flipkart (1500×1500, white)" },
  { id: "myntra", label: "Myntra (1500×2000, light grey)" },
  { id: "ebay", label: "eBay (1600×1600, white)" },
  { id: "etsy", label: "Etsy (2000×2000)" },
  { id: "shopify", label: "Shopify (2048×2048)" },
  { id: "instagram-square", label: "Instagram square (1080×1080)" },
  { id: "instagram-portrait", label: "Instagram portrait (1080×1350)" },
  { id: "instagram-story", label: "Instagram story (1080×1920)" },
];

export const SHADOW_STYLES = ["auto", "none", "contact", "cast", "both", "drop"] as const;

export const MODULES: { id: "ready" | "look" | "surprise"; title: string; blurb: string }[] = [
  {
    id: "ready",
    title: "Ready to Use",
    blurb: "Cut out, retouched and centred on the template, exported for your marketplace. No choices needed.",
  },
  {
    id: "look",
    title: "Make a Drisya Look",
    blurb: "Choose the aspect, size, platform preset, light and shadow yourself and preview the result.",
  },
  {
    id: "surprise",
    title: "Surprise for You",
    blurb: "Pick a theme: get up to 8 creative versions of every product and a short video. Priced per output.",
  },
];

/** A module's name as the pages show it. */
export function moduleTitle(id: string): string {
  return MODULES.find((m) => m.id === id)?.title ?? id;
}
