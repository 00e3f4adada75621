/**
 * One job: live progress while it runs ("Processing 243/1000", rate, time left), per-image status with
 * thumbnails, failures with reasons, cancel; the downloads once it is done. The URL carries the job id,
 * so a reload picks up where it was (status from GET /v1/jobs/{id}, then the WebSocket again).
 * A Surprise for You product lists its variants and plays its video.
 */
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";

import { AuthImage, downloadWithAuth } from "../components/AuthImage";
import { AuthVideo } from "../components/AuthVideo";
import { moduleTitle } from "../lib/catalogue";
import { Button, Card, Empty, ErrorBox, Loading, Notice, PageTitle, Pager, StatusBadge } from "../components/ui";
import { errorMessage } from "../lib/errors";
import { formatCoins, formatDate, formatDuration } from "../lib/format";
import { outputLabel } from "../lib/surprise";
import { shortfallOf } from "../lib/quote";
import { TERMINAL, type Job, type JobImage, type JobOutput } from "../lib/types";
import { useFreshToken } from "../lib/useFreshToken";
import { useJobEvents } from "../lib/useJobEvents";
import { useCancelJobMutation, useJobImagesQuery, useJobQuery, useStartJobMutation } from "../store/api";
import { etaOf, percentOf, progressReceived, rateOf } from "../store/progressSlice";
import { useAppDispatch, useAppSelector } from "../store/store";

const IMAGES_PAGE = 24;

function ImageTile({ jobId, image }: { jobId: string; image: JobImage }) {
  const freshToken = useFreshToken();
  const [err, setErr] = useState<string | null>(null);
  const output = image.output_url ?? `/v1/jobs/${jobId}/images/${image.id}/output`;
  return (
    <li className="overflow-hidden rounded-lg bg-white ring-1 ring-slate-200" data-status={image.status}>
      {image.status === "done" ? (
        <AuthImage src={image.preview_url ?? output} alt={image.name} className="aspect-square w-full object-cover" />
      ) : (
        <div className={`grid aspect-square w-full place-items-center text-xs ${image.status === "failed" ? "bg-red-50 text-red-700" : "bg-slate-50 text-slate-500"}`}>
          {image.status === "failed" ? "failed" : image.status === "running" ? "processing…" : image.status}
        </div>
      )}
      <div className="space-y-1 p-2 text-xs">
        <p className="truncate font-medium" title={image.name}>
          {image.name}
        </p>
        {image.reason && <p className="text-red-700">{image.reason}</p>}
        {image.compliance && (
          <p
            className={image.compliance.status === "fail" ? "text-amber-700" : "text-emerald-700"}
            title={image.compliance.reasons.join("; ")}
            data-compliance={image.compliance.status}
          >
            {image.compliance.status === "fail"
              ? `Not ${image.compliance.preset ?? "preset"}-ready: ${image.compliance.reasons.join("; ")}`
              : `${image.compliance.preset ?? "Preset"} rules: ${image.compliance.status}`}
          </p>
        )}
        {image.status === "done" && (
          <button
            type="button"
            className="text-brand-700 underline"
            onClick={async () => downloadWithAuth(output, await freshToken(), image.name.split("/").pop() ?? "image").catch((e) => setErr(errorMessage(e)))}
          >
            Download
          </button>
        )}
        {err && <p className="text-red-700">{err}</p>}
      </div>
    </li>
  );
}

/** A surprise product: each variant (a thumbnail that downloads the full file) and its video. */
export function SurpriseTile({ image }: { image: JobImage }) {
  const freshToken = useFreshToken();
  const [err, setErr] = useState<string | null>(null);
  const outputs = image.outputs ?? [];
  const variants = outputs.filter((o) => o.kind === "image");
  const videos = outputs.filter((o) => o.kind === "video");
  const save = async (o: JobOutput) =>
    downloadWithAuth(o.url, await freshToken(), o.name.split("/").pop() || "output").catch((e) => setErr(errorMessage(e)));
  return (
    <li className="space-y-2 rounded-lg bg-white p-3 ring-1 ring-slate-200" data-status={image.status} data-testid="surprise-product">
      <p className="truncate text-sm font-medium" title={image.name}>
        {image.name}
        <span className="ml-2 text-xs font-normal text-slate-500">
          {variants.length} variant{variants.length === 1 ? "" : "s"}
          {videos.length ? " + video" : ""}
        </span>
      </p>
      <ul className="grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label={`Variants of ${image.name}`}>
        {variants.map((o) => (
          <li key={o.index} className="space-y-1 text-xs" data-variant={o.variant ?? ""}>
            <AuthImage src={o.preview_url ?? o.url} alt={`${image.name}: ${outputLabel(o)}`} className="aspect-square w-full rounded object-cover" />
            <button type="button" className="block w-full truncate text-left text-brand-700 underline" title={`${outputLabel(o)}, seed ${o.seed ?? 0}`} onClick={() => void save(o)}>
              {outputLabel(o)}
            </button>
          </li>
        ))}
      </ul>
      {videos.map((o) => (
        <div key={o.index} className="space-y-1 text-xs">
          <AuthVideo src={o.url} label={`${image.name}: video`} className="aspect-video w-full rounded bg-black object-contain" />
          <button type="button" className="text-brand-700 underline" onClick={() => void save(o)}>
            Download the video
          </button>
        </div>
      ))}
      {err && <p className="text-xs text-red-700">{err}</p>}
    </li>
  );
}

function Images({ job, finished }: { job: Job; finished: number }) {
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  const { data, error, isLoading, refetch } = useJobImagesQuery({ id: job.id, status: status || undefined, page });
  const last = useRef(finished);
  // refresh the tiles as images finish, at most every few seconds
  useEffect(() => {
    if (finished === last.current) return;
    const t = setTimeout(() => {
      last.current = finished;
      refetch();
    }, 2000);
    return () => clearTimeout(t);
  }, [finished, refetch]);

  return (
    <Card
      title="Images"
      actions={
        <div className="flex gap-1 text-sm" role="tablist" aria-label="Filter images">
          {["", "done", "failed", "queued"].map((s) => (
            <button
              key={s}
              role="tab"
              aria-selected={status === s}
              onClick={() => {
                setStatus(s);
                setPage(1);
              }}
              className={`rounded-md px-2 py-1 ${status === s ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}
            >
              {s || "all"}
            </button>
          ))}
        </div>
      }
    >
      {isLoading ? (
        <Loading what="Loading images" />
      ) : error ? (
        <ErrorBox error={error} onRetry={refetch} />
      ) : !data?.items.length ? (
        <Empty title={status ? `No ${status} images` : "No images yet"} />
      ) : (
        <>
          <ul
            className={`grid gap-3 ${job.module === "surprise" ? "grid-cols-1 lg:grid-cols-2" : "grid-cols-2 sm:grid-cols-4 lg:grid-cols-6"}`}
            data-testid="image-grid"
          >
            {data.items.map((im) =>
              im.outputs?.length ? <SurpriseTile key={im.id} image={im} /> : <ImageTile key={im.id} jobId={job.id} image={im} />,
            )}
          </ul>
          <Pager page={page} total={data.total} pageSize={IMAGES_PAGE} onPage={setPage} />
        </>
      )}
    </Card>
  );
}

export default function JobPage() {
  const { id = "" } = useParams();
  const dispatch = useAppDispatch();
  const freshToken = useFreshToken();
  const live = useAppSelector((s) => s.progress[id]);
  const terminal = live ? TERMINAL.includes(live.status) : false;
  const { data: job, error, isLoading, refetch } = useJobQuery(id, {
    // the WebSocket carries progress; poll only as a fallback while it is not connected
    pollingInterval: !terminal && live?.connection !== "live" ? 5000 : 0,
  });
  const [cancel, cancelling] = useCancelJobMutation();
  const [start, starting] = useStartJobMutation();
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);

  useEffect(() => {
    if (job) dispatch(progressReceived({ id, event: { status: job.status, total: job.total, done: job.done, failed: job.failed, eta_s: job.eta_s ?? null } }));
  }, [job, id, dispatch]);

  const status = live?.status ?? job?.status;
  const active = status === "queued" || status === "running";
  useJobEvents(id, active);

  // when the socket says the job ended, read the final numbers (coins charged, errors) once
  useEffect(() => {
    if (terminal && job && !TERMINAL.includes(job.status)) refetch();
  }, [terminal, job, refetch]);

  if (isLoading) return <Loading what="Loading the job" />;
  if (error || !job) return <ErrorBox error={error} onRetry={refetch} />;

  const total = live?.total || job.total;
  const done = live?.done ?? job.done;
  const failed = live?.failed ?? job.failed;
  const pct = percentOf(live);
  const rate = rateOf(live);
  const eta = etaOf(live);

  async function download() {
    setDownloadError(null);
    setDownloading(true);
    try {
      await downloadWithAuth(`/v1/jobs/${encodeURIComponent(id)}/download`, await freshToken(), `drisya-${id}.zip`);
    } catch (e) {
      setDownloadError(errorMessage(e));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <div className="space-y-6">
      <PageTitle sub={<>Created {formatDate(job.created_at)} · {moduleTitle(job.module)} · {job.surprise ? `theme ${job.surprise.theme}, ${job.surprise.variants} variants${job.surprise.video ? " + video" : ""}, seed ${job.surprise.seed}` : `template ${job.template_name ?? job.template_id ?? job.template}`}</>}>
        Job {job.name || id.slice(0, 8)} <StatusBadge status={status ?? job.status} />
      </PageTitle>

      <Card title={status === "done" ? "Finished" : status === "running" || status === "queued" ? "Processing" : "Status"}>
        <div className="space-y-4">
          <p className="text-2xl font-semibold" data-testid="progress-text" data-connection={live?.connection ?? "idle"} aria-live="polite">
            {status === "queued" && `Waiting to start… 0/${total}`}
            {status === "running" && `Processing ${done + failed}/${total}`}
            {status === "done" && `Done: ${done}/${total} images${failed ? `, ${failed} failed` : ""}`}
            {status === "failed" && "The job failed"}
            {status === "cancelled" && `Cancelled at ${done + failed}/${total}`}
            {status === "created" && `${total} photos uploaded, not started`}
          </p>
          <div className="h-3 overflow-hidden rounded-full bg-slate-200" role="progressbar" aria-label="Job progress" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
            <div className={`h-full transition-all ${failed && status === "done" ? "bg-amber-500" : "bg-brand-600"}`} style={{ width: `${pct}%` }} data-testid="progress-bar" />
          </div>
          <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-slate-500">Progress</dt>
              <dd className="font-medium" data-testid="progress-percent">{pct}%</dd>
            </div>
            <div>
              <dt className="text-slate-500">Rate</dt>
              <dd className="font-medium">{!active ? "—" : rate != null && rate > 0 ? `${rate.toFixed(rate < 1 ? 2 : 1)} images/s` : "measuring…"}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Time left</dt>
              <dd className="font-medium">{active ? formatDuration(eta) : "—"}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Coins</dt>
              <dd className="font-medium">
                {job.coins_charged != null ? `${formatCoins(job.coins_charged)} charged` : "—"}
                {job.coins_reserved ? ` of ${job.coins_reserved} reserved` : ""}
              </dd>
            </div>
          </dl>
          {active && live && live.connection !== "live" && (
            <Notice tone="info">{live.connection === "reconnecting" ? "Connection lost; reconnecting…" : "Connecting to live progress…"}</Notice>
          )}
          {job.error && <ErrorBox error={job.error} />}
          <div className="flex flex-wrap gap-2">
            {active && (
              <Button variant="danger" busy={cancelling.isLoading} onClick={() => void cancel(id)}>
                Cancel job
              </Button>
            )}
            {status === "created" && (
              <Button busy={starting.isLoading} onClick={() => void start(id)} data-testid="start-button">
                Start processing
              </Button>
            )}
            {(status === "done" || status === "cancelled" || status === "failed") && done > 0 && (
              <Button onClick={() => void download()} busy={downloading} data-testid="download-zip">
                Download ZIP ({done} images)
              </Button>
            )}
            <Link to="/jobs" className="rounded-lg px-4 py-2 text-sm text-slate-700 hover:bg-slate-100">
              All jobs
            </Link>
          </div>
          {cancelling.error && <ErrorBox error={cancelling.error} />}
          {starting.error && (
            <div className="space-y-2">
              <ErrorBox error={starting.error} />
              {shortfallOf(starting.error) != null && (
                <Link to={`/wallet?need=${shortfallOf(starting.error)}`} className="inline-block rounded-lg bg-amber-500 px-4 py-2 text-sm font-medium text-white">
                  Buy coins
                </Link>
              )}
            </div>
          )}
          {downloadError && <ErrorBox error={downloadError} />}
        </div>
      </Card>
      <Images job={job} finished={done + failed} />
    </div>
  );
}
