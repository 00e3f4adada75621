/**
 * The wallet: balance, coin packs through the active payment provider (the test provider credits at
 * once; Razorpay opens its Checkout), a promo code applied with a purchase, and the ledger history.
 */
import { useState } from "react";
import { useSearchParams } from "react-router";

import { Button, Card, Empty, ErrorBox, Input, Loading, Notice, PageTitle, Pager } from "../components/ui";
import { errorMessage } from "../lib/errors";
import { formatCoins, formatDate, formatRupees } from "../lib/format";
import { payWithRazorpay } from "../lib/razorpay";
import type { CoinPack } from "../lib/types";
import { useCreateOrderMutation, useMeQuery, usePacksQuery, useTransactionsQuery, useVerifyPaymentMutation } from "../store/api";

const HISTORY_PAGE = 20;

export default function WalletPage() {
  const me = useMeQuery();
  const packs = usePacksQuery();
  const [createOrder] = useCreateOrderMutation();
  const [verify] = useVerifyPaymentMutation();
  const [params] = useSearchParams();
  const need = Number(params.get("need") ?? "0") || 0;
  const [promo, setPromo] = useState("");
  const [buying, setBuying] = useState<string | null>(null);
  const [message, setMessage] = useState<{ tone: "success" | "warning"; text: string } | null>(null);
  const [page, setPage] = useState(1);
  const history = useTransactionsQuery({ page, page_size: HISTORY_PAGE });

  async function buy(pack: CoinPack) {
    setBuying(pack.id);
    setMessage(null);
    try {
      const order = await createOrder({ pack_id: pack.id, ...(promo.trim() ? { promo_code: promo.trim() } : {}) }).unwrap();
      if (order.provider === "razorpay" && order.status !== "paid") {
        const result = await payWithRazorpay(order, me.data?.email ?? "", pack.name);
        await verify(result).unwrap();
      }
      const bonus = order.bonus_coins ? ` plus ${formatCoins(order.bonus_coins)} from the promo code` : "";
      const promoNote = order.promo_error ? ` The promo code was not applied: ${order.promo_error}.` : "";
      setMessage({ tone: order.promo_error ? "warning" : "success", text: `${formatCoins(pack.coins)}${bonus} added to your wallet.${promoNote}` });
      setPromo("");
      me.refetch();
      history.refetch();
    } catch (e) {
      setMessage({ tone: "warning", text: errorMessage(e) });
    } finally {
      setBuying(null);
    }
  }

  const provider = packs.data?.provider ?? "test";

  return (
    <div className="space-y-6">
      <PageTitle sub="Coins pay for processed images. Failed images are never charged.">Wallet</PageTitle>
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Balance">
          {me.isLoading ? (
            <Loading />
          ) : me.error ? (
            <ErrorBox error={me.error} onRetry={me.refetch} />
          ) : (
            <p className="text-4xl font-bold text-slate-900" data-testid="wallet-balance">
              {formatCoins(me.data?.coins ?? 0)}
            </p>
          )}
          {need > 0 && (
            <p className="mt-3 text-sm text-amber-800">
              Your upload needs {formatCoins(need)} more. Buy a pack, then go back to the upload to start it.
            </p>
          )}
        </Card>
        <Card title="Buy coins" className="lg:col-span-2">
          {provider === "test" && (
            <div className="mb-4">
              <Notice tone="warning">
                <strong>Test payments</strong>: this platform uses the test payment provider. Coins are credited at once and no money moves.
              </Notice>
            </div>
          )}
          {packs.isLoading ? (
            <Loading what="Loading packs" />
          ) : packs.error ? (
            <ErrorBox error={packs.error} onRetry={packs.refetch} />
          ) : !packs.data?.packs.length ? (
            <Empty title="No coin packs on sale">An administrator sets them up in the admin panel.</Empty>
          ) : (
            <>
              <ul className="grid gap-3 sm:grid-cols-3">
                {packs.data.packs.map((p) => (
                  <li key={p.id} className="flex flex-col rounded-xl p-4 ring-1 ring-slate-200">
                    <span className="text-sm font-medium text-slate-600">{p.name}</span>
                    <span className="text-2xl font-bold">{formatCoins(p.coins)}</span>
                    <span className="mb-3 text-sm text-slate-600">{formatRupees(p.price)}</span>
                    <Button className="mt-auto" busy={buying === p.id} disabled={!!buying} onClick={() => void buy(p)} data-pack={p.id}>
                      Buy {p.name}
                    </Button>
                  </li>
                ))}
              </ul>
              <div className="mt-4 max-w-xs">
                <label className="block text-sm">
                  <span className="mb-1 block font-medium text-slate-700">Promo code (applied with your next pack)</span>
                  <Input value={promo} onChange={(e) => setPromo(e.target.value.toUpperCase())} placeholder="DIWALI50" />
                </label>
              </div>
            </>
          )}
          {message && (
            <div className="mt-4">
              <Notice tone={message.tone}>{message.text}</Notice>
            </div>
          )}
        </Card>
      </div>
      <Card title="History">
        {history.isLoading ? (
          <Loading what="Loading history" />
        ) : history.error ? (
          <ErrorBox error={history.error} onRetry={history.refetch} />
        ) : !history.data?.items.length ? (
          <Empty title="No coin movements yet">Purchases, bonuses and job charges appear here.</Empty>
        ) : (
          <>
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="transactions">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-3">When</th>
                    <th className="py-2 pr-3">What</th>
                    <th className="py-2 pr-3 text-right">Coins</th>
                    <th className="py-2 text-right">Balance</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {history.data.items.map((t) => (
                    <tr key={t.id}>
                      <td className="py-2 pr-3 whitespace-nowrap text-slate-500">{formatDate(t.created)}</td>
                      <td className="py-2 pr-3">{t.reason ?? t.kind}</td>
                      <td className={`py-2 pr-3 text-right font-medium ${t.amount < 0 ? "text-red-700" : "text-emerald-700"}`}>
                        {t.amount > 0 ? "+" : ""}
                        {t.amount}
                      </td>
                      <td className="py-2 text-right text-slate-600">{t.balance_after ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} total={history.data.total} pageSize={HISTORY_PAGE} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
