/**
 * The upload centre's numbered cards: which cards a module shows, in order, and their numbers. One
 * owner for the numbering, so a module that swaps or adds a card (Surprise for You has no template
 * card, a Drisya Look adds its recipe) never shows two cards with the same number.
 */
export type UploadCard = "Module" | "Template" | "Your surprise" | "Your look" | "Photos";

export function uploadCards(module: string): UploadCard[] {
  if (module === "surprise") return ["Module", "Your surprise", "Photos"];
  if (module === "look") return ["Module", "Template", "Your look", "Photos"];
  return ["Module", "Template", "Photos"];
}

/** "3. Photos": the card's title with its number for this module. */
export function cardTitle(module: string, card: UploadCard): string {
  const at = uploadCards(module).indexOf(card);
  if (at < 0) throw new Error(`module ${module} has no ${card} card`);
  return `${at + 1}. ${card}`;
}
