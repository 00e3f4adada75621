/**
 * The Surprise for You choices: a theme (from GET /v1/surprise/themes, with its title and description),
 * how many variants, the video on or off, an optional seed, and the aspect and size every variant uses.
 * Every control is a native button, select, checkbox or input, so the keyboard reaches all of them.
 */
import { MAX_SEED, MAX_VARIANTS, type SurpriseForm, type Theme } from "../lib/surprise";
import { useSurpriseThemesQuery } from "../store/api";
import { AspectSizeFields } from "./AspectSizeFields";
import { ErrorBox, Field, Input, Loading, Select } from "./ui";

export function ThemePicker({ themes, value, onChange }: { themes: Theme[]; value: string; onChange: (name: string) => void }) {
  return (
    <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4" role="radiogroup" aria-label="Theme" data-testid="theme-picker">
      {themes.map((t) => (
        <button
          key={t.name}
          type="button"
          role="radio"
          aria-checked={value === t.name}
          data-theme={t.name}
          onClick={() => onChange(t.name)}
          className={`rounded-xl p-3 text-left ring-1 transition disabled:opacity-60 ${value === t.name ? "bg-brand-50 ring-2 ring-brand-600" : "bg-white ring-slate-200 hover:ring-slate-400"}`}
        >
          <span className="block font-semibold">{t.title}</span>
          <span className="mt-1 block text-xs text-slate-600">{t.description}</span>
        </button>
      ))}
    </div>
  );
}

export function SurpriseControls({ form, onChange }: { form: SurpriseForm; onChange: (f: SurpriseForm) => void }) {
  const themes = useSurpriseThemesQuery();
  const set = (p: Partial<SurpriseForm>) => onChange({ ...form, ...p });
  return (
    <div className="space-y-4">
      <Field label="Theme" group>
        {themes.isLoading ? (
          <Loading what="Loading themes" />
        ) : themes.error ? (
          <ErrorBox error={themes.error} onRetry={themes.refetch} />
        ) : (
          <ThemePicker themes={themes.data ?? []} value={form.theme} onChange={(theme) => set({ theme })} />
        )}
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Variants per product" hint="Each variant is another backdrop, colour grade and light.">
          <Select value={form.variants} onChange={(e) => set({ variants: Number(e.target.value) })} data-testid="variants">
            {Array.from({ length: MAX_VARIANTS }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Seed (optional)" hint="The same seed gives the same variants again; empty means seed 0.">
          <Input
            type="text"
            inputMode="numeric"
            placeholder={`0 to ${MAX_SEED}`}
            value={form.seed}
            onChange={(e) => set({ seed: e.target.value })}
            data-testid="seed"
          />
        </Field>
        <AspectSizeFields aspect={form.aspect} size={form.size} onChange={set} sizeTestId="surprise-size" />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={form.video} onChange={(e) => set({ video: e.target.checked })} className="h-4 w-4 accent-brand-600" data-testid="video-toggle" />
        <span>
          <span className="font-medium">A short video per product</span>
          <span className="block text-xs text-slate-500">MP4, 3 to 6 seconds, the product across its variants; it counts as one more output.</span>
        </span>
      </label>
    </div>
  );
}
