/** The Make a Drisya Look controls: aspect, size, platform preset, format, light and shadow. */
import { PRESETS, SHADOW_STYLES } from "../lib/catalogue";
import type { RecipeForm } from "../lib/recipe";
import { AspectSizeFields } from "./AspectSizeFields";
import { Field, Select } from "./ui";

function Slider({ label, value, onChange, min = 0, max = 100, unit = "%", auto, onAuto }: {
  label: string;
  value: number | null;
  onChange: (v: number) => void;
  min?: number;
  max?: number;
  unit?: string;
  auto?: string;
  onAuto?: () => void;
}) {
  return (
    <div className="text-sm">
      <div className="mb-1 flex items-center justify-between">
        <label className="font-medium text-slate-700" htmlFor={`slider-${label}`}>
          {label}
        </label>
        <span className="text-slate-500">
          {value == null ? auto : `${value}${unit}`}
          {value != null && onAuto && (
            <button type="button" className="ml-2 text-brand-700 underline" onClick={onAuto}>
              {auto}
            </button>
          )}
        </span>
      </div>
      <input id={`slider-${label}`} type="range" min={min} max={max} value={value ?? Math.round((min + max) / 2)} onChange={(e) => onChange(Number(e.target.value))} className="w-full accent-brand-600" />
    </div>
  );
}

export function RecipeControls({ form, onChange }: { form: RecipeForm; onChange: (f: RecipeForm) => void }) {
  const set = (p: Partial<RecipeForm>) => onChange({ ...form, ...p });
  const preset = form.preset !== "";
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label="Platform preset" hint="A preset sets the marketplace's size, background and margins.">
        <Select value={form.preset} onChange={(e) => set({ preset: e.target.value })}>
          <option value="">None: choose aspect and size</option>
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Format">
        <Select value={form.format} onChange={(e) => set({ format: e.target.value as RecipeForm["format"] })}>
          <option value="jpg">JPEG</option>
          <option value="png">PNG</option>
          <option value="webp">WebP</option>
        </Select>
      </Field>
      <fieldset disabled={preset} className="contents">
        <AspectSizeFields aspect={form.aspect} size={form.size} onChange={set} />
      </fieldset>
      <Field label="Shadow">
        <Select value={form.shadowStyle} onChange={(e) => set({ shadowStyle: e.target.value })}>
          {SHADOW_STYLES.map((s) => (
            <option key={s} value={s}>
              {s === "auto" ? "As the template suggests" : s}
            </option>
          ))}
        </Select>
      </Field>
      <Slider label="Shadow strength" value={Math.round(form.shadowOpacity * 100)} onChange={(v) => set({ shadowOpacity: v / 100 })} />
      <Slider
        label="Shadow softness"
        value={form.shadowSoftness == null ? null : Math.round(form.shadowSoftness * 100)}
        onChange={(v) => set({ shadowSoftness: v / 100 })}
        auto="template's"
        onAuto={() => set({ shadowSoftness: null })}
      />
      <Slider
        label="Light direction"
        value={form.lightAngle}
        min={0}
        max={360}
        unit="°"
        onChange={(v) => set({ lightAngle: v })}
        auto="template's"
        onAuto={() => set({ lightAngle: null })}
      />
      <Slider label="Match the template's light" value={Math.round(form.lightMatch * 100)} onChange={(v) => set({ lightMatch: v / 100 })} />
    </div>
  );
}
