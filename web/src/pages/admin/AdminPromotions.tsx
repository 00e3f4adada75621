/** Promo codes with bonus coins, limits and expiry. */
import { useState, type FormEvent } from "react";

import { Button, Card, Empty, ErrorBox, Field, Input, Loading } from "../../components/ui";
import { formatDate } from "../../lib/format";
import { useAdminCreatePromotionMutation, useAdminPromotionsQuery, useAdminUpdatePromotionMutation } from "../../store/api";

export default function AdminPromotions() {
  const { data, error, isLoading, refetch } = useAdminPromotionsQuery();
  const [save, saving] = useAdminCreatePromotionMutation();
  const [patch, patching] = useAdminUpdatePromotionMutation();
  const [code, setCode] = useState("");
  const [coins, setCoins] = useState(50);
  const [perUser, setPerUser] = useState(1);
  const [maxUses, setMaxUses] = useState(0);
  const [expires, setExpires] = useState("");

  async function submit(e: FormEvent) {
    e.preventDefault();
    await save({ code: code.trim().toUpperCase(), coins, active: true, max_uses_per_user: perUser, max_uses: maxUses, expires: expires ? new Date(expires).toISOString() : null })
      .unwrap()
      .then(() => setCode(""), () => undefined);
  }

  return (
    <div className="space-y-6">
      <Card title="New promotion">
        <form onSubmit={submit} className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6 lg:items-end">
          <Field label="Code"><Input required value={code} onChange={(e) => setCode(e.target.value)} placeholder="DIWALI50" /></Field>
          <Field label="Bonus coins"><Input type="number" min={1} value={coins} onChange={(e) => setCoins(Number(e.target.value))} /></Field>
          <Field label="Uses per user"><Input type="number" min={1} value={perUser} onChange={(e) => setPerUser(Number(e.target.value))} /></Field>
          <Field label="Total uses (0: no limit)"><Input type="number" min={0} value={maxUses} onChange={(e) => setMaxUses(Number(e.target.value))} /></Field>
          <Field label="Expires"><Input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} /></Field>
          <Button type="submit" busy={saving.isLoading}>Create</Button>
        </form>
        {(saving.error || patching.error) && <div className="mt-3"><ErrorBox error={saving.error ?? patching.error} /></div>}
      </Card>
      <Card title="Promotions">
        {isLoading ? (
          <Loading />
        ) : error ? (
          <ErrorBox error={error} onRetry={refetch} />
        ) : !data?.length ? (
          <Empty title="No promotions yet" />
        ) : (
          <ul className="divide-y divide-slate-100">
            {data.map((p) => (
              <li key={p.code} className="flex flex-wrap items-center gap-3 py-2 text-sm">
                <code className="font-semibold">{p.code}</code>
                <span>+{p.coins} coins</span>
                <span className="text-slate-500">
                  used {p.uses ?? 0}
                  {p.max_uses ? ` of ${p.max_uses}` : ""} · {p.max_uses_per_user ?? 1} per user · expires {formatDate(p.expires)}
                </span>
                {!p.active && <span className="rounded bg-slate-100 px-2 py-0.5 text-xs">inactive</span>}
                <Button variant="secondary" className="ml-auto" onClick={() => void patch({ code: p.code, active: !p.active })}>
                  {p.active ? "Deactivate" : "Activate"}
                </Button>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
