/**
 * The aspect ratio and size fields that both the Look recipe and the Surprise form carry: one owner,
 * so the two forms cannot drift apart in their limits, their radio group or its keyboard behaviour.
 */
import { ASPECTS } from "../lib/catalogue";
import { MAX_SIZE, MIN_SIZE } from "../lib/recipe";
import { Field, Input } from "./ui";

export function AspectSizeFields({ aspect, size, onChange, sizeTestId }: {
  aspect: string;
  size: number;
  onChange: (p: { aspect?: string; size?: number }) => void;
  sizeTestId?: string;
}) {
  return (
    <>
      <Field label="Aspect ratio" group>
        <div className="flex flex-wrap gap-1" role="radiogroup" aria-label="Aspect ratio">
          {ASPECTS.map((a) => (
            <button
              type="button"
              key={a}
              role="radio"
              aria-checked={aspect === a}
              onClick={() => onChange({ aspect: a })}
              className={`rounded-md px-3 py-1.5 text-sm ring-1 disabled:opacity-50 ${aspect === a ? "bg-brand-600 text-white ring-brand-600" : "bg-white ring-slate-300"}`}
            >
              {a}
            </button>
          ))}
        </div>
      </Field>
      <Field label="Size (longest side, px)">
        <Input type="number" min={MIN_SIZE} max={MAX_SIZE} step={1} value={size} onChange={(e) => onChange({ size: Number(e.target.value) })} data-testid={sizeTestId} />
      </Field>
    </>
  );
}
