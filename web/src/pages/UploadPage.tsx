/**
 * The upload centre: choose the module and template (and, for a Drisya Look, the recipe with a live
 * preview; for Surprise for You, a theme, variants, video and seed instead of a template), drop a ZIP or
 * images, watch the upload, see what was refused and why, see the quote against the wallet (per output
 * for Surprise: photos x outputs x price), then start. A quote the wallet cannot cover leads to the
 * wallet with the shortfall.
 */
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { DropZone, FileList } from "../components/DropZone";
import { PreviewPanel } from "../components/PreviewPanel";
import { RecipeControls } from "../components/RecipeControls";
import { SurpriseControls } from "../components/SurpriseControls";
import { TemplatePicker } from "../components/TemplatePicker";
import { Button, Card, ErrorBox, Notice, PageTitle } from "../components/ui";
import { MODULES } from "../lib/catalogue";
import { formatCoins } from "../lib/format";
import { coverage, mergeUploads, shortfallOf } from "../lib/quote";
import { DEFAULT_RECIPE, recipeProblems, toApiRecipe, type RecipeForm } from "../lib/recipe";
import { DEFAULT_SURPRISE, quoteInWords, surpriseProblems, toApiSurprise, toApiSurpriseRecipe, type SurpriseForm } from "../lib/surprise";
import type { Job, Rejected, UploadResult } from "../lib/types";
import { isZip, uploadJobInputs } from "../lib/upload";
import { cardTitle } from "../lib/uploadSteps";
import { useCreateJobMutation, useMeQuery, useStartJobMutation, useSurpriseThemesQuery, useTemplateQuery } from "../store/api";
import { useFreshToken } from "../lib/useFreshToken";

type Phase = "choose" | "uploading" | "uploaded" | "starting";

export default function UploadPage() {
  const [params, setParams] = useSearchParams();
  const templateId = params.get("template") ?? "";
  const template = useTemplateQuery(templateId, { skip: !templateId });
  const me = useMeQuery();
  const freshToken = useFreshToken();
  const navigate = useNavigate();
  const [createJob] = useCreateJobMutation();
  const [startJob] = useStartJobMutation();

  const [form, setForm] = useState<RecipeForm>(DEFAULT_RECIPE);
  const [surprise, setSurprise] = useState<SurpriseForm>(DEFAULT_SURPRISE);
  const themes = useSurpriseThemesQuery(undefined, { skip: form.module !== "surprise" });
  const [files, setFiles] = useState<File[]>([]);
  const [refusedHere, setRefusedHere] = useState<Rejected[]>([]);
  const [phase, setPhase] = useState<Phase>("choose");
  const [progress, setProgress] = useState(0);
  const [job, setJob] = useState<Job | null>(null);
  const [result, setResult] = useState<UploadResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [shortfall, setShortfall] = useState<number | null>(null);

  const isSurprise = form.module === "surprise";
  const problems = form.module === "look" ? recipeProblems(form) : isSurprise ? surpriseProblems(surprise, themes.data) : [];
  const recipe = isSurprise ? toApiSurpriseRecipe(surprise) : toApiRecipe(form);
  // a surprise job's theme picks its backdrops; the other modules need a template
  const needsTemplate = !isSurprise;
  const cover = result ? coverage(result.quote, me.data?.coins) : null;

  async function upload() {
    setError(null);
    setShortfall(null);
    setPhase("uploading");
    setProgress(0);
    try {
      const created =
        job ??
        (await createJob({
          module: form.module,
          template_id: needsTemplate ? templateId : "#ffffff",
          recipe,
          idempotencyKey: crypto.randomUUID(),
          ...(isSurprise ? toApiSurprise(surprise) : {}),
        }).unwrap());
      setJob(created);
      const token = await freshToken();
      // a ZIP goes as one streamed body, loose images as one multipart request
      const groups = [...files.filter(isZip).map((z) => [z]), files.filter((f) => !isZip(f))].filter((g) => g.length);
      const totalBytes = files.reduce((n, f) => n + f.size, 0) || 1;
      let sent = 0;
      let merged: UploadResult | null = result;
      for (const group of groups) {
        const size = group.reduce((n, f) => n + f.size, 0);
        const { promise } = uploadJobInputs(created.id, group, token, (f) => setProgress((sent + f * size) / totalBytes));
        merged = mergeUploads(merged, await promise);
        sent += size;
      }
      setResult(merged);
      setFiles([]);
      setPhase("uploaded");
      me.refetch();
    } catch (e) {
      setError(e);
      setPhase(job ? "uploaded" : "choose");
    }
  }

  async function start() {
    if (!job) return;
    setError(null);
    setPhase("starting");
    try {
      await startJob(job.id).unwrap();
      navigate(`/jobs/${job.id}`);
    } catch (e) {
      setShortfall(shortfallOf(e));
      setError(e);
      setPhase("uploaded");
    }
  }

  const locked = job != null; // module, template and recipe are fixed once the job exists

  return (
    <div className="space-y-6">
      <PageTitle sub="Your photos are processed on this platform; the quote is shown before anything is charged.">Upload centre</PageTitle>

      <Card title={cardTitle(form.module, "Module")}>
        <div className="grid gap-3 sm:grid-cols-2" role="radiogroup" aria-label="Module">
          {MODULES.map((m) => (
            <button
              key={m.id}
              type="button"
              role="radio"
              aria-checked={form.module === m.id}
              disabled={locked}
              onClick={() => setForm({ ...form, module: m.id })}
              className={`rounded-xl p-4 text-left ring-1 transition disabled:opacity-60 ${form.module === m.id ? "bg-brand-50 ring-2 ring-brand-600" : "bg-white ring-slate-200 hover:ring-slate-400"}`}
            >
              <span className="block font-semibold">{m.title}</span>
              <span className="mt-1 block text-sm text-slate-600">{m.blurb}</span>
            </button>
          ))}
        </div>
      </Card>

      {needsTemplate && (
        <Card title={cardTitle(form.module, "Template")} actions={<Link to="/templates" className="text-sm text-brand-700 underline">Browse the full gallery</Link>}>
          {templateId && template.data ? (
            <div className="mb-3 flex items-center gap-3">
              <img src={template.data.thumbnail_url ?? `/v1/templates/${templateId}/thumbnail`} alt="" className="h-16 w-16 rounded-lg object-cover ring-1 ring-slate-200" />
              <div>
                <p className="font-medium" data-testid="chosen-template">{template.data.name}</p>
                <p className="text-xs text-slate-500">{template.data.category}</p>
              </div>
            </div>
          ) : templateId && template.error ? (
            <ErrorBox error={template.error} />
          ) : (
            <p className="mb-3 text-sm text-slate-600">Choose a template below.</p>
          )}
          {!locked && (
            <TemplatePicker
              value={templateId}
              onChange={(t) => {
                const next = new URLSearchParams(params);
                next.set("template", t.id);
                setParams(next, { replace: true });
              }}
            />
          )}
        </Card>
      )}

      {isSurprise && (
        <Card title={cardTitle(form.module, "Your surprise")}>
          <fieldset disabled={locked}>
            <SurpriseControls form={surprise} onChange={setSurprise} />
          </fieldset>
          {problems.length > 0 && (
            <ul className="mt-3 list-disc pl-5 text-sm text-red-700" data-testid="surprise-problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </Card>
      )}

      {form.module === "look" && (
        <Card title={cardTitle(form.module, "Your look")}>
          <div className="grid gap-6 lg:grid-cols-2">
            <fieldset disabled={locked}>
              <RecipeControls form={form} onChange={setForm} />
              {problems.length > 0 && (
                <ul className="mt-3 list-disc pl-5 text-sm text-red-700">
                  {problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
            </fieldset>
            {templateId ? (
              <PreviewPanel template={templateId} recipe={recipe} module={form.module} auto />
            ) : (
              <p className="text-sm text-slate-500">Choose a template to preview your look.</p>
            )}
          </div>
        </Card>
      )}

      <Card title={cardTitle(form.module, "Photos")}>
        <div className="space-y-4">
          <DropZone
            disabled={phase === "uploading" || phase === "starting"}
            onFiles={(f, refused) => {
              setFiles(f);
              setRefusedHere(refused);
            }}
          />
          <FileList files={files} />
          {refusedHere.length > 0 && (
            <Notice tone="warning">
              Not sent: {refusedHere.map((r) => `${r.name} (${r.reason})`).join(", ")}
            </Notice>
          )}
          {phase === "uploading" && (
            <div>
              <div className="mb-1 flex justify-between text-sm">
                <span>Uploading…</span>
                <span>{Math.round(progress * 100)}%</span>
              </div>
              <div className="h-2 overflow-hidden rounded-full bg-slate-200" role="progressbar" aria-label="Upload" aria-valuenow={Math.round(progress * 100)} aria-valuemin={0} aria-valuemax={100}>
                <div className="h-full bg-brand-600 transition-all" style={{ width: `${progress * 100}%` }} />
              </div>
            </div>
          )}
          <Button
            onClick={() => void upload()}
            disabled={!files.length || (needsTemplate && !templateId) || problems.length > 0 || phase === "uploading" || phase === "starting"}
            busy={phase === "uploading"}
            data-testid="upload-button"
          >
            {job ? "Add these photos" : "Upload"}
          </Button>
          {needsTemplate && !templateId && files.length > 0 && <p className="text-sm text-amber-800">Choose a template first.</p>}
          {isSurprise && problems.length > 0 && files.length > 0 && <p className="text-sm text-amber-800">{problems[0]}</p>}
        </div>
      </Card>

      {error != null && (
        <div className="space-y-2">
          <ErrorBox error={error} />
          {shortfall != null && (
            <Link to={`/wallet?need=${shortfall}`} className="inline-block rounded-lg bg-amber-500 px-4 py-2 text-sm font-medium text-white hover:bg-amber-600">
              Buy {formatCoins(shortfall)} or more
            </Link>
          )}
        </div>
      )}

      {result && job && (
        <Card title="Quote">
          <div className="space-y-4" data-testid="quote-card">
            <p className="text-sm">
              <strong data-testid="accepted">{result.accepted}</strong> photos accepted
              {result.rejected.length > 0 && <>, <strong>{result.rejected.length}</strong> refused</>}.
            </p>
            {result.rejected.length > 0 && (
              <details className="rounded-lg bg-amber-50 p-3 text-sm ring-1 ring-amber-200" open={result.rejected.length <= 10}>
                <summary className="cursor-pointer font-medium text-amber-900">Refused files and why</summary>
                <ul className="mt-2 space-y-1" data-testid="rejected">
                  {result.rejected.map((r, i) => (
                    <li key={`${r.name}-${i}`}>
                      <span className="font-mono text-xs">{r.name}</span>: {r.reason}
                    </li>
                  ))}
                </ul>
              </details>
            )}
            <p className="text-lg">
              Quote: <strong data-testid="quote">{formatCoins(result.quote)}</strong>
              {job.price_per_image != null && <span className="text-sm text-slate-500"> ({formatCoins(job.price_per_image)} per image)</span>}
            </p>
            {(job.outputs_per_image ?? 1) > 1 || job.module === "surprise" ? (
              <p className="text-sm text-slate-700" data-testid="quote-breakdown">
                {quoteInWords(result.total ?? result.accepted, result.outputs_per_image ?? job.outputs_per_image ?? 1, result.price_per_output ?? job.price_per_output ?? 0)}
                <span className="block text-xs text-slate-500">Each product gives {job.surprise ? `${job.surprise.variants} variant${job.surprise.variants === 1 ? "" : "s"}${job.surprise.video ? " and a video" : ""}` : "several outputs"}; every output is priced.</span>
              </p>
            ) : null}
            <p className="text-sm text-slate-600">You are charged only for images that come out; failed images are returned to your wallet.</p>
            {cover && !cover.fits ? (
              <div className="flex flex-wrap items-center gap-3">
                <Notice tone="warning">
                  Your balance is {formatCoins(me.data?.coins ?? 0)}: {formatCoins(cover.shortfall)} short.
                </Notice>
                <Link to={`/wallet?need=${cover.shortfall}`} className="rounded-lg bg-amber-500 px-4 py-2 text-sm font-medium text-white hover:bg-amber-600" data-testid="buy-coins">
                  Buy coins
                </Link>
                <Button variant="secondary" onClick={() => me.refetch()}>
                  I have bought coins
                </Button>
              </div>
            ) : (
              <Button onClick={() => void start()} busy={phase === "starting"} disabled={result.accepted === 0} data-testid="start-button">
                Start processing ({formatCoins(result.quote)})
              </Button>
            )}
            <p className="text-xs text-slate-500">
              This job is saved: you can also start it later from <Link className="underline" to={`/jobs/${job.id}`}>its page</Link>.
            </p>
          </div>
        </Card>
      )}
    </div>
  );
}
