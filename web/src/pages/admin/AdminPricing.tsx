/** Prices per module, rupees per coin, signup bonus and coin packs. A new price applies to new jobs only. */
import { useEffect, useState, type FormEvent } from "react";

import { Button, Card, ErrorBox, Field, Input, Loading, Notice } from "../../components/ui";
import { pricingBody, pricingProblems } from "../../lib/pricing";
import type { CoinPack, Pricing } from "../../lib/types";
import { useAdminPricingQuery, useAdminSetPricingMutation } from "../../store/api";

export default function AdminPricing() {
  const { data, error, isLoading, refetch } = useAdminPricingQuery();
  const [save, saving] = useAdminSetPricingMutation();
  const [draft, setDraft] = useState<Pricing | null>(null);
  const [saved, setSaved] = useState(false);
  const [localError, setLocalError] = useState<string | null>(null);
  useEffect(() => {
    if (data) setDraft(structuredClone(data));
  }, [data]);

  if (isLoading || (!draft && !error)) return <Loading what="Loading pricing" />;
  if (error || !draft) return <ErrorBox error={error} onRetry={refetch} />;

  const setPack = (i: number, p: Partial<CoinPack>) =>
    setDraft({ ...draft, packs: draft.packs.map((x, j) => (j === i ? { ...x, ...p } : x)) });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const problems = pricingProblems(draft!);
    if (problems.length) return setLocalError(problems.join(" "));
    setLocalError(null);
    const ok = await save(pricingBody(draft!)).unwrap().then(() => true, () => false);
    setSaved(ok);
  }

  return (
    <form onSubmit={submit} className="space-y-6">
      <Card title="Coins per image">
        <div className="grid gap-4 sm:grid-cols-3">
          {Object.entries(draft.pricing).map(([module, price]) => (
            <Field key={module} label={module === "ready" ? "Ready to Use" : module === "look" ? "Make a Drisya Look" : module === "surprise" ? "Surprise for You" : module}>
              <Input type="number" min={0} step={1} name={`price-${module}`} value={price} onChange={(e) => setDraft({ ...draft, pricing: { ...draft.pricing, [module]: Number(e.target.value) } })} />
            </Field>
          ))}
        </div>
        <p className="mt-3 text-xs text-slate-500">Jobs created before a change keep the price they were quoted.</p>
      </Card>
      <Card title="Money">
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Rupees per coin">
            <Input type="number" min={0} step={0.01} value={draft.rupees_per_coin} onChange={(e) => setDraft({ ...draft, rupees_per_coin: Number(e.target.value) })} />
          </Field>
          {draft.signup_bonus !== undefined && (
            <Field label="Signup bonus (coins)">
              <Input type="number" min={0} step={1} value={draft.signup_bonus} onChange={(e) => setDraft({ ...draft, signup_bonus: Number(e.target.value) })} />
            </Field>
          )}
        </div>
      </Card>
      <Card title="Coin packs" actions={<Button type="button" variant="secondary" onClick={() => setDraft({ ...draft, packs: [...draft.packs, { id: `pack-${draft.packs.length + 1}`, name: "New pack", coins: 100, price: 49900 }] })}>Add pack</Button>}>
        <ul className="space-y-3">
          {draft.packs.map((p, i) => (
            <li key={i} className="grid grid-cols-2 gap-2 sm:grid-cols-5 sm:items-end">
              <Field label="Id"><Input value={p.id} onChange={(e) => setPack(i, { id: e.target.value })} /></Field>
              <Field label="Name"><Input value={p.name} onChange={(e) => setPack(i, { name: e.target.value })} /></Field>
              <Field label="Coins"><Input type="number" min={1} value={p.coins} onChange={(e) => setPack(i, { coins: Number(e.target.value) })} /></Field>
              <Field label="Price (₹)"><Input type="number" min={0} step={0.01} value={p.price / 100} onChange={(e) => setPack(i, { price: Math.round(Number(e.target.value) * 100) })} /></Field>
              <Button type="button" variant="ghost" onClick={() => setDraft({ ...draft, packs: draft.packs.filter((_, j) => j !== i) })}>Remove</Button>
            </li>
          ))}
        </ul>
      </Card>
      {localError && <ErrorBox error={localError} />}
      {saving.error && <ErrorBox error={saving.error} />}
      {saved && <Notice tone="success">Saved. New jobs use these prices.</Notice>}
      <Button type="submit" busy={saving.isLoading} data-testid="save-pricing">
        Save pricing
      </Button>
    </form>
  );
}
