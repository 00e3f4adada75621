/** Users: search, role, block, grant or deduct coins with a reason (recorded in the ledger). */
import { useState, type FormEvent } from "react";

import { Button, Card, Empty, ErrorBox, Input, Loading, Notice, Pager, Select } from "../../components/ui";
import { errorMessage } from "../../lib/errors";
import { formatDate } from "../../lib/format";
import type { AdminUser } from "../../lib/types";
import { useAdminGrantMutation, useAdminUpdateUserMutation, useAdminUsersQuery } from "../../store/api";

function CoinsForm({ user }: { user: AdminUser }) {
  const [grant, { isLoading }] = useAdminGrantMutation();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const n = Number(amount);
    if (!Number.isInteger(n) || n === 0) return setNote({ ok: false, text: "Enter a whole number of coins (negative to deduct)." });
    if (!reason.trim()) return setNote({ ok: false, text: "Say why: the reason is kept in the ledger." });
    try {
      await grant({ id: user.id, amount: n, reason: reason.trim() }).unwrap();
      setNote({ ok: true, text: `${n > 0 ? "Granted" : "Deducted"} ${Math.abs(n)} coins.` });
      setAmount("");
      setReason("");
    } catch (err) {
      setNote({ ok: false, text: errorMessage(err) });
    }
  }
  return (
    <form onSubmit={submit} className="flex flex-wrap items-center gap-2">
      <Input className="w-24" inputMode="numeric" aria-label={`Coins for ${user.email}`} placeholder="+100" value={amount} onChange={(e) => setAmount(e.target.value)} />
      <Input className="w-44" aria-label="Reason" placeholder="Reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      <Button type="submit" variant="secondary" busy={isLoading}>
        Apply
      </Button>
      {note && <span className={`text-xs ${note.ok ? "text-emerald-700" : "text-red-700"}`}>{note.text}</span>}
    </form>
  );
}

export default function AdminUsers() {
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const { data, error, isLoading, refetch } = useAdminUsersQuery({ q: q || undefined, page });
  const [update, upd] = useAdminUpdateUserMutation();
  return (
    <Card title="Users" actions={<Input type="search" className="w-64" placeholder="Search e-mail or name" aria-label="Search users" value={q} onChange={(e) => { setQ(e.target.value); setPage(1); }} />}>
      {upd.error && <div className="mb-3"><ErrorBox error={upd.error} /></div>}
      {isLoading ? (
        <Loading what="Loading users" />
      ) : error ? (
        <ErrorBox error={error} onRetry={refetch} />
      ) : !data?.items.length ? (
        <Empty title="No users match" />
      ) : (
        <>
          <ul className="divide-y divide-slate-100">
            {data.items.map((u) => (
              <li key={u.id} className="flex flex-col gap-2 py-3 lg:flex-row lg:items-center">
                <div className="min-w-0 flex-1">
                  <p className="truncate font-medium">{u.email}</p>
                  <p className="text-xs text-slate-500">
                    {u.name || "—"} · {u.coins} coins · joined {formatDate(u.created)}
                  </p>
                </div>
                <div className="flex flex-wrap items-center gap-2">
                  <Select className="w-28" aria-label={`Role of ${u.email}`} value={u.role} onChange={(e) => void update({ id: u.id, role: e.target.value })}>
                    <option value="client">client</option>
                    <option value="admin">admin</option>
                  </Select>
                  <Button variant={u.blocked ? "secondary" : "ghost"} onClick={() => void update({ id: u.id, blocked: !u.blocked })}>
                    {u.blocked ? "Unblock" : "Block"}
                  </Button>
                  <CoinsForm user={u} />
                </div>
              </li>
            ))}
          </ul>
          <Pager page={page} total={data.total} pageSize={data.page_size ?? 50} onPage={setPage} />
        </>
      )}
      <div className="mt-3">
        <Notice>Blocking signs the user out everywhere at once; their jobs are kept.</Notice>
      </div>
    </Card>
  );
}
