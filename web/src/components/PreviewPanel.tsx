/**
 * "Your product on this template": the seller picks one of their photos and sees it composed (free,
 * rate-limited) before paying. Used by the gallery and by the Drisya Look controls (live preview).
 */
import { useEffect, useRef, useState } from "react";

import { fetchPreview } from "../lib/preview";
import { useFreshToken } from "../lib/useFreshToken";
import { Button, ErrorBox } from "./ui";

export function PreviewPanel({
  template,
  recipe = {},
  module = "ready",
  auto = false,
}: {
  template: string;
  recipe?: Record<string, unknown>;
  module?: string;
  auto?: boolean; // re-render when the template or recipe changes (debounced)
}) {
  const freshToken = useFreshToken();
  const [photo, setPhoto] = useState<File | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);
  const recipeKey = JSON.stringify(recipe);

  async function render(file: File) {
    setBusy(true);
    setError(null);
    try {
      const blob = await fetchPreview(file, template, JSON.parse(recipeKey), module, await freshToken());
      setUrl((old) => {
        if (old) URL.revokeObjectURL(old);
        return URL.createObjectURL(blob);
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (!photo || !auto) return;
    const t = setTimeout(() => void render(photo), 600);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [photo, template, recipeKey, module, auto]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <input
          ref={input}
          type="file"
          accept="image/*"
          className="sr-only"
          id={`preview-photo-${template}`}
          data-testid="preview-input"
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            setPhoto(f);
            if (f && !auto) void render(f);
          }}
        />
        <Button variant="secondary" onClick={() => input.current?.click()}>
          {photo ? "Try another photo" : "Try with my photo"}
        </Button>
        {photo && !auto && (
          <Button variant="ghost" busy={busy} onClick={() => void render(photo)}>
            Render again
          </Button>
        )}
        {photo && <span className="truncate text-xs text-slate-500">{photo.name}</span>}
      </div>
      {error != null && <ErrorBox error={error} />}
      <div className="relative grid aspect-square w-full place-items-center overflow-hidden rounded-lg bg-slate-100 ring-1 ring-slate-200">
        {url ? (
          <img src={url} alt="Preview of your product on this template" className="h-full w-full object-contain" data-testid="preview-image" />
        ) : (
          <p className="px-6 text-center text-sm text-slate-500">
            {busy ? "Rendering your preview…" : "Choose one of your product photos to see it on this template. Previews are free."}
          </p>
        )}
        {busy && url && <div className="absolute inset-0 grid place-items-center bg-white/60 text-sm">Rendering…</div>}
      </div>
    </div>
  );
}
