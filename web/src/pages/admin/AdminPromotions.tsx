/** Promo codes with bonus coins, limits and expiry. */
import { useState, type FormEvent } from "react";

import { Button, Card, Empty, ErrorBox, Field, Input, Loading } from "../../components/ui";
import { formatDate } from "../../lib/format";
import { useAdminPromotionsQuery, useAdminSavePromotionMutation } from "../../store/api";

export default function AdminPromotions() {
  const { data, error, isLoading, refetch } = useAdminPromotionsQuery();
  const [save, saving] = useAdminSavePromotionMutation();
  const [code, setCode] = useState("");
  const [coins, setCoins] = useState(50);
  const [perUser, setPerUser] = useState(1);
  const [expires, setExpires] = useState("");

  async function submit(e: FormEvent) {
    e.preventDefault();
    await save({ code: code.trim().toUpperCase(), coins, active: true, max_uses_per_user: perUser, expires: expires ? new Date(expires).toISOString() : null })
      .unwrap()
      .then(() => setCode(""), () => undefined);
  }

  return (
    <div className="space-y-6">
      <Card title="New promotion">
        <form onSubmit={submit} className="grid gap-3 sm:grid-cols-5 sm:items-end">
          <Field label="Code"><Input required value={code} onChange={(e) => setCode(e.target.value)} placeholder="DIWALI50" /></Field>
          <Field label="Bonus coins"><Input type="number" min={1} value={coins} onChange={(e) => setCoins(Number(e.target.value))} /></Field>
          <Field label="Uses per user"><Input type="number" min={1} value={perUser} onChange={(e) => setPerUser(Number(e.target.value))} /></Field>
          <Field label="Expires"><Input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} /></Field>
          <Button type="submit" busy={saving.isLoading}>Create</Button>
        </form>
        {saving.error && <div className="mt-3"><ErrorBox error={saving.error} /></div>}
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
                <span className="text-slate-500">{p.max_uses_per_user ?? 1} per user · expires {formatDate(p.expires)}</span>
                <Button variant="secondary" className="ml-auto" onClick={() => void save({ ...p, active: !p.active })}>
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
