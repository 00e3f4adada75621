/**
 * The template gallery: search, filters (category, tag, colour) and pages, all kept in the URL so a
 * reload or a shared link shows the same view. The filter choices and their counts come from the API's
 * facets (uploads included). Choosing a template opens its preview panel.
 */
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { PreviewPanel } from "../components/PreviewPanel";
import { Button, Card, Empty, ErrorBox, Input, Loading, PageTitle, Pager, Select } from "../components/ui";
import { facetLabel, facetOptions } from "../lib/facets";
import type { Template } from "../lib/types";
import { useTemplateFacetsQuery, useTemplatesQuery } from "../store/api";

const PAGE_SIZE = 24;
const TAGS_SHOWN = 40; // the most used; a tag from a shared link is added when outside them

export default function TemplatesPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const category = params.get("category") ?? "";
  const tag = params.get("tag") ?? "";
  const colour = params.get("colour") ?? "";
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  const [text, setText] = useState(q);
  const [chosen, setChosen] = useState<Template | null>(null);
  const detail = useRef<HTMLDivElement>(null);
  // keyboard users land on the chosen template's panel, not back at the top of the grid
  useEffect(() => {
    if (chosen) detail.current?.focus();
  }, [chosen]);

  function update(changes: Record<string, string>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next, { replace: true });
  }

  // search as you type, without a request per key
  useEffect(() => {
    const t = setTimeout(() => {
      if (text !== q) update({ q: text });
    }, 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const { data, error, isFetching, isLoading, refetch } = useTemplatesQuery({
    q,
    category,
    tag,
    colour,
    page,
    page_size: PAGE_SIZE,
  });
  const filtered = !!(q || category || tag || colour);
  // without facets (an old server, a blip) the selects still show the current choice and the grid works
  const { data: facets } = useTemplateFacetsQuery();
  const colours = facets?.colour_families ?? [];

  return (
    <div>
      <PageTitle sub="Pick a background for your products; try one with your own photo before you pay.">Templates</PageTitle>
      <div className="mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4" role="search">
        <Input type="search" placeholder="Search: marble, diwali, blue…" aria-label="Search templates" value={text} onChange={(e) => setText(e.target.value)} />
        <Select aria-label="Category" value={category} onChange={(e) => update({ category: e.target.value })}>
          <option value="">All categories</option>
          {facetOptions(facets?.categories, category).map((c) => (
            <option key={c.id} value={c.id}>
              {facetLabel(c)}
            </option>
          ))}
        </Select>
        <Select aria-label="Tag" value={tag} onChange={(e) => update({ tag: e.target.value })}>
          <option value="">Any tag</option>
          {facetOptions(facets?.tags, tag, TAGS_SHOWN).map((t) => (
            <option key={t.id} value={t.id}>
              {t.id} ({t.count})
            </option>
          ))}
        </Select>
        {filtered && (
          <Button
            variant="ghost"
            onClick={() => {
              setText("");
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear filters
          </Button>
        )}
      </div>
      <fieldset className="mb-6">
        <legend className="sr-only">Colour</legend>
        <div className="flex flex-wrap gap-2">
          {colours.map((c) => (
            <button
              key={c.id}
              type="button"
              aria-pressed={colour === c.id}
              title={`${c.id}: ${c.count} templates`}
              onClick={() => update({ colour: colour === c.id ? "" : c.id })}
              className={`flex items-center gap-1 rounded-full px-2 py-1 text-xs ring-1 ${colour === c.id ? "bg-brand-50 ring-brand-500" : "bg-white ring-slate-200 hover:ring-slate-400"}`}
            >
              <span className="h-4 w-4 rounded-full ring-1 ring-slate-300" style={{ background: c.swatch }} />
              {c.id}
            </button>
          ))}
        </div>
      </fieldset>

      {chosen && (
        <div ref={detail} tabIndex={-1} aria-label={`${chosen.name}: preview and choose`} className="outline-none">
        <Card
          className="mb-6"
          title={`${chosen.name}`}
          actions={
            <div className="flex gap-2">
              <Link to={`/upload?template=${encodeURIComponent(chosen.id)}`} className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700" data-testid="use-template">
                Use this template
              </Link>
              <Button variant="ghost" onClick={() => setChosen(null)}>
                Close
              </Button>
            </div>
          }
        >
          <div className="grid max-w-3xl gap-4 md:grid-cols-2">
            <div>
              <img src={chosen.thumbnail_url ?? `/v1/templates/${chosen.id}/thumbnail`} alt={chosen.name} className="aspect-square w-full rounded-lg object-cover" />
              <p className="mt-2 text-xs text-slate-500">
                {chosen.category} · {chosen.tags.join(", ")}
              </p>
            </div>
            <PreviewPanel template={chosen.id} />
          </div>
        </Card>
        </div>
      )}

      {isLoading ? (
        <Loading what="Loading templates" />
      ) : error ? (
        <ErrorBox error={error} onRetry={refetch} />
      ) : !data || data.items.length === 0 ? (
        <Empty title="No templates match">Try fewer words or clear the filters.</Empty>
      ) : (
        <>
          <p className="mb-3 text-sm text-slate-600" aria-live="polite">
            {data.total} templates{isFetching ? " · updating…" : ""}
          </p>
          <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-6" data-testid="template-grid">
            {data.items.map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  onClick={() => setChosen(t)}
                  className={`group block w-full overflow-hidden rounded-xl bg-white text-left shadow-sm ring-1 transition hover:shadow-md ${chosen?.id === t.id ? "ring-2 ring-brand-600" : "ring-slate-200"}`}
                  data-template={t.id}
                >
                  <img loading="lazy" src={t.thumbnail_url ?? `/v1/templates/${t.id}/thumbnail`} alt="" className="aspect-square w-full bg-slate-100 object-cover" />
                  <span className="block truncate px-2 py-1.5 text-xs font-medium text-slate-800">{t.name}</span>
                </button>
              </li>
            ))}
          </ul>
          <Pager page={page} total={data.total} pageSize={PAGE_SIZE} onPage={(p) => update({ page: String(p) })} />
        </>
      )}
    </div>
  );
}
