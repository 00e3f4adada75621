/** Profile (name, password) and API keys for the SDK: create (the key is shown once), copy, revoke. */
import { useEffect, useState, type FormEvent } from "react";

import { Button, Card, Empty, ErrorBox, Field, Input, Loading, Notice, PageTitle } from "../components/ui";
import { formatDate } from "../lib/format";
import { useApiKeysQuery, useCreateApiKeyMutation, useMeQuery, useRevokeApiKeyMutation, useUpdateMeMutation } from "../store/api";

function ProfileForm() {
  const { data: me, isLoading, error, refetch } = useMeQuery();
  const [update, upd] = useUpdateMeMutation();
  const [name, setName] = useState("");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setName(me?.name ?? ""), [me?.name]);

  if (isLoading) return <Loading />;
  if (error) return <ErrorBox error={error} onRetry={refetch} />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    const body: { name?: string; current_password?: string; new_password?: string } = {};
    if (name !== me?.name) body.name = name;
    if (next) {
      body.current_password = current;
      body.new_password = next;
    }
    if (!Object.keys(body).length) return setSaved("Nothing to change.");
    const ok = await update(body).unwrap().then(() => true, () => false);
    if (ok) {
      setSaved(next ? "Saved. Your other sessions were signed out." : "Saved.");
      setCurrent("");
      setNext("");
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4">
      <dl className="grid grid-cols-2 gap-2 text-sm">
        <dt className="text-slate-500">E-mail</dt>
        <dd className="truncate" data-testid="profile-email">{me?.email}</dd>
        <dt className="text-slate-500">Account</dt>
        <dd>{me?.role === "admin" ? "Administrator" : "Client"}</dd>
      </dl>
      <Field label="Name">
        <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
      </Field>
      <Field label="Current password">
        <Input type="password" value={current} onChange={(e) => setCurrent(e.target.value)} autoComplete="current-password" />
      </Field>
      <Field label="New password" hint="Leave empty to keep your password.">
        <Input type="password" value={next} minLength={8} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" />
      </Field>
      {upd.error && <ErrorBox error={upd.error} />}
      {saved && <Notice tone="success">{saved}</Notice>}
      <Button type="submit" busy={upd.isLoading}>
        Save
      </Button>
    </form>
  );
}

function ApiKeys() {
  const keys = useApiKeysQuery();
  const [create, created] = useCreateApiKeyMutation();
  const [revoke, revoking] = useRevokeApiKeyMutation();
  const [name, setName] = useState("");
  const [fresh, setFresh] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create({ name: name.trim() || "SDK key" }).unwrap().catch(() => null);
    if (r) {
      setFresh(r.key);
      setCopied(false);
      setName("");
    }
  }

  async function copy() {
    if (!fresh) return;
    try {
      await navigator.clipboard.writeText(fresh);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const active = keys.data?.filter((k) => !k.revoked) ?? [];
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">
        Use a key with the <code className="rounded bg-slate-100 px-1">drisya-client</code> SDK or any HTTP client as <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <form onSubmit={submit} className="flex flex-wrap gap-2">
        <Input className="max-w-xs flex-1" placeholder="Name, e.g. ERP server" aria-label="Key name" value={name} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" busy={created.isLoading}>
          Create key
        </Button>
      </form>
      {created.error && <ErrorBox error={created.error} />}
      {fresh && (
        <div className="rounded-lg bg-emerald-50 p-3 ring-1 ring-emerald-200">
          <p className="mb-2 text-sm font-medium text-emerald-900">Copy this key now: it will not be shown again.</p>
          <div className="flex flex-wrap items-center gap-2">
            <code className="min-w-0 flex-1 break-all rounded bg-white px-2 py-1 text-xs ring-1 ring-emerald-200" data-testid="new-api-key">
              {fresh}
            </code>
            <Button variant="secondary" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy"}
            </Button>
            <Button variant="ghost" onClick={() => setFresh(null)}>
              Done
            </Button>
          </div>
        </div>
      )}
      {keys.isLoading ? (
        <Loading what="Loading keys" />
      ) : keys.error ? (
        <ErrorBox error={keys.error} onRetry={keys.refetch} />
      ) : !active.length ? (
        <Empty title="No API keys">Create one to use Drisya from your own systems.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {active.map((k) => (
            <li key={k.id} className="flex flex-wrap items-center gap-3 py-2 text-sm">
              <span className="font-medium">{k.name || "Unnamed"}</span>
              <code className="text-xs text-slate-500">{k.prefix}…</code>
              <span className="text-xs text-slate-500">created {formatDate(k.created)} · last used {formatDate(k.last_used)}</span>
              <Button variant="secondary" className="ml-auto" busy={revoking.isLoading && revoking.originalArgs === k.id} onClick={() => void revoke(k.id)}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
      {revoking.error && <ErrorBox error={revoking.error} />}
    </div>
  );
}

export default function ProfilePage() {
  return (
    <div className="space-y-6">
      <PageTitle>Profile</PageTitle>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Your account">
          <ProfileForm />
        </Card>
        <Card title="API keys">
          <ApiKeys />
        </Card>
      </div>
    </div>
  );
}
