/**
 * Filter choices for the template gallery, from `GET /v1/templates/facets` (the template store, uploads
 * included), so the dashboard never offers a category, tag or colour that finds nothing.
 */
import type { Facet } from "./types";

/** "Studio (26)": the facet's name with its first letter up and how many templates it finds. */
export function facetLabel(f: Facet): string {
  return `${f.id[0]?.toUpperCase() ?? ""}${f.id.slice(1)} (${f.count})`;
}

/**
 * The first `limit` facets (the API sends tags most used first), plus the selected one when a shared link
 * or a reload picks something outside them or no longer counted, so the select still shows it.
 */
export function facetOptions(facets: Facet[] | undefined, selected: string, limit = Infinity): Facet[] {
  const shown = (facets ?? []).slice(0, limit);
  if (selected && !shown.some((f) => f.id === selected)) {
    const known = (facets ?? []).find((f) => f.id === selected);
    shown.push(known ?? { id: selected, count: 0 });
  }
  return shown;
}
