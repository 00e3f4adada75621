/** A compact template chooser for the upload centre: search and a small grid (the gallery has the rest). */
import { useState } from "react";

import type { Template } from "../lib/types";
import { useTemplatesQuery } from "../store/api";
import { ErrorBox, Input, Loading } from "./ui";

export function TemplatePicker({ value, onChange }: { value: string; onChange: (t: Template) => void }) {
  const [q, setQ] = useState("");
  const { data, error, isLoading, refetch } = useTemplatesQuery({ q, page: 1, page_size: 12 });
  return (
    <div className="space-y-3">
      <Input type="search" placeholder="Search templates" aria-label="Search templates" value={q} onChange={(e) => setQ(e.target.value)} />
      {isLoading ? (
        <Loading what="Loading templates" />
      ) : error ? (
        <ErrorBox error={error} onRetry={refetch} />
      ) : !data?.items.length ? (
        <p className="text-sm text-slate-500">No template matches “{q}”.</p>
      ) : (
        <div className="grid grid-cols-3 gap-2 sm:grid-cols-4 lg:grid-cols-6" role="radiogroup" aria-label="Template">
          {data.items.map((t) => (
            <button
              key={t.id}
              type="button"
              role="radio"
              aria-checked={value === t.id}
              onClick={() => onChange(t)}
              className={`overflow-hidden rounded-lg text-left ring-1 ${value === t.id ? "ring-2 ring-brand-600" : "ring-slate-200"}`}
              data-template={t.id}
            >
              <img src={t.thumbnail_url ?? `/v1/templates/${t.id}/thumbnail`} alt="" className="aspect-square w-full object-cover" loading="lazy" />
              <span className="block truncate px-1 py-0.5 text-[11px]">{t.name}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
