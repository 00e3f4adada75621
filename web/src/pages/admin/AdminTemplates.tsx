/**
 * Templates: upload a background, rename, re-categorise or re-tag, disable or delete. Thumbnails come from
 * the admin thumbnail URL (with the bearer token), so disabled templates show theirs too.
 */
import { useState, type FormEvent } from "react";

import { AuthImage } from "../../components/AuthImage";
import { Button, Card, Empty, ErrorBox, Field, Input, Loading, Notice, Pager } from "../../components/ui";
import { errorMessage } from "../../lib/errors";
import type { Template } from "../../lib/types";
import { useAdminDeleteTemplateMutation, useAdminTemplatesQuery, useAdminUpdateTemplateMutation } from "../../store/api";
import { useAppSelector } from "../../store/store";

function UploadForm({ onDone }: { onDone: () => void }) {
  const token = useAppSelector((s) => s.auth.accessToken);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [category, setCategory] = useState("studio");
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setNote(null);
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("name", name || file.name.replace(/\.[^.]+$/, ""));
    form.append("category", category);
    try {
      const r = await fetch("/v1/admin/templates", { method: "POST", body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (!r.ok) throw { status: r.status, data: await r.json().catch(() => null) };
      setNote({ ok: true, text: "Uploaded." });
      setFile(null);
      setName("");
      onDone();
    } catch (err) {
      setNote({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-4 sm:items-end">
      <Field label="Background (PNG or JPEG)"><Input type="file" accept="image/png,image/jpeg" onChange={(e) => setFile(e.target.files?.[0] ?? null)} /></Field>
      <Field label="Name"><Input value={name} onChange={(e) => setName(e.target.value)} /></Field>
      <Field label="Category"><Input value={category} onChange={(e) => setCategory(e.target.value)} /></Field>
      <Button type="submit" busy={busy} disabled={!file}>Upload template</Button>
      {note && <div className="sm:col-span-4"><Notice tone={note.ok ? "success" : "warning"}>{note.text}</Notice></div>}
    </form>
  );
}

/** Name, category and tags of one template; the API validates them like an upload's and answers in words. */
function EditForm({ template, onClose }: { template: Template; onClose: () => void }) {
  const [name, setName] = useState(template.name);
  const [category, setCategory] = useState(template.category);
  const [tags, setTags] = useState(template.tags.join(", "));
  const [update, { isLoading, error }] = useAdminUpdateTemplateMutation();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: { name?: string; category?: string; tags?: string } = {};
    if (name !== template.name) body.name = name;
    if (category !== template.category) body.category = category;
    if (tags !== template.tags.join(", ")) body.tags = tags;
    if (Object.keys(body).length === 0) return onClose();
    try {
      await update({ id: template.id, ...body }).unwrap();
      onClose();
    } catch {
      /* shown below */
    }
  }
  return (
    <form onSubmit={submit} className="mt-2 grid gap-2" aria-label={`Edit ${template.name}`}>
      <Field label="Name"><Input value={name} maxLength={80} onChange={(e) => setName(e.target.value)} /></Field>
      <Field label="Category"><Input value={category} maxLength={40} onChange={(e) => setCategory(e.target.value)} /></Field>
      <Field label="Tags" hint="comma separated"><Input value={tags} onChange={(e) => setTags(e.target.value)} /></Field>
      {error && <ErrorBox error={error} />}
      <div className="flex gap-2">
        <Button type="submit" busy={isLoading}>Save</Button>
        <Button type="button" variant="ghost" onClick={onClose}>Cancel</Button>
      </div>
    </form>
  );
}

export default function AdminTemplates() {
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const { data, error, isLoading, refetch } = useAdminTemplatesQuery({ q: q || undefined, page, page_size: 24 });
  const [update, upd] = useAdminUpdateTemplateMutation();
  const [remove, rem] = useAdminDeleteTemplateMutation();
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <div className="space-y-6">
      <Card title="Upload a template"><UploadForm onDone={refetch} /></Card>
      <Card title="Templates" actions={<Input type="search" className="w-56" placeholder="Search" aria-label="Search templates" value={q} onChange={(e) => { setQ(e.target.value); setPage(1); }} />}>
        {(upd.error || rem.error) && <div className="mb-3"><ErrorBox error={upd.error ?? rem.error} /></div>}
        {isLoading ? (
          <Loading />
        ) : error ? (
          <ErrorBox error={error} onRetry={refetch} />
        ) : !data?.items.length ? (
          <Empty title="No templates match" />
        ) : (
          <>
            <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
              {data.items.map((t) => (
                <li key={t.id} className={`flex gap-3 rounded-lg p-2 ring-1 ring-slate-200 ${t.enabled === false ? "opacity-60" : ""}`}>
                  <AuthImage src={t.thumbnail_url ?? `/v1/admin/templates/${encodeURIComponent(t.id)}/thumbnail`} alt={`${t.name} thumbnail`} className="h-16 w-16 shrink-0 rounded bg-slate-100 object-cover" />
                  <div className="min-w-0 flex-1 text-sm">
                    <p className="truncate font-medium">{t.name}</p>
                    <p className="text-xs text-slate-500">{t.category} · {t.source}{t.enabled === false ? " · disabled" : ""}</p>
                    <div className="mt-1 flex gap-2 text-xs">
                      <button className="text-brand-700 underline" onClick={() => setEditing(editing === t.id ? null : t.id)}>
                        Edit
                      </button>
                      <button className="text-brand-700 underline" onClick={() => void update({ id: t.id, enabled: t.enabled === false })}>
                        {t.enabled === false ? "Enable" : "Disable"}
                      </button>
                      {t.source === "upload" && (
                        <button className="text-red-700 underline" onClick={() => window.confirm(`Delete ${t.name}?`) && void remove(t.id)}>
                          Delete
                        </button>
                      )}
                    </div>
                    {editing === t.id && <EditForm template={t} onClose={() => setEditing(null)} />}
                  </div>
                </li>
              ))}
            </ul>
            <Pager page={page} total={data.total} pageSize={24} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
