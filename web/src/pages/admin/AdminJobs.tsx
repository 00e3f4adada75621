/** All users' jobs, kept fresh by polling (lib/jobListRefresh); a stalled one (running with no heartbeat) can be resumed. */
import { useState } from "react";
import { Link } from "react-router";

import { Button, Card, Empty, ErrorBox, Loading, Notice, Pager, Select, StatusBadge } from "../../components/ui";
import { formatDate } from "../../lib/format";
import { jobListPollMs } from "../../lib/jobListRefresh";
import { resumeMessage } from "../../lib/resume";
import { api, useAdminJobsQuery, useAdminResumeJobMutation } from "../../store/api";

export default function AdminJobs() {
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  const args = { status: status || undefined, page };
  // refreshes by itself (often while a listed job moves), so a resume or a job finishing shows up
  const shown = api.endpoints.adminJobs.useQueryState(args);
  const { data, error, isLoading, refetch } = useAdminJobsQuery(args, { pollingInterval: jobListPollMs(shown.data?.items) });
  const [resume, res] = useAdminResumeJobMutation();
  const [note, setNote] = useState<string | null>(null);
  async function onResume(id: string) {
    setNote(null);
    try {
      setNote(resumeMessage(await resume(id).unwrap()));
    } catch {
      /* shown by the ErrorBox below */
    }
  }
  return (
    <Card
      title="Jobs"
      actions={
        <Select aria-label="Status" className="w-40" value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
          <option value="">All statuses</option>
          {["created", "queued", "running", "done", "failed", "cancelled"].map((s) => <option key={s}>{s}</option>)}
        </Select>
      }
    >
      {res.error && <div className="mb-3"><ErrorBox error={res.error} /></div>}
      {note && !res.error && <div className="mb-3" data-testid="resume-note"><Notice tone="success">{note}</Notice></div>}
      {isLoading ? (
        <Loading />
      ) : error ? (
        <ErrorBox error={error} onRetry={refetch} />
      ) : !data?.items.length ? (
        <Empty title="No jobs" />
      ) : (
        <>
          <ul className="divide-y divide-slate-100">
            {data.items.map((j) => (
              <li key={j.id} className="flex flex-wrap items-center gap-3 py-2 text-sm">
                <StatusBadge status={j.status} />
                <Link className="font-medium underline" to={`/jobs/${j.id}`}>{j.id.slice(0, 8)}</Link>
                <span className="text-slate-500">owner {j.owner?.slice(0, 8) ?? "—"}</span>
                <span>{j.done}/{j.total}{j.failed ? ` · ${j.failed} failed` : ""}</span>
                <span className="text-xs text-slate-500">{formatDate(j.created_at)}</span>
                {(j.status === "running" || j.status === "queued") && (
                  <Button variant="secondary" className="ml-auto" busy={res.isLoading && res.originalArgs === j.id} onClick={() => void onResume(j.id)}>
                    Resume
                  </Button>
                )}
              </li>
            ))}
          </ul>
          <Pager page={page} total={data.total} pageSize={data.page_size ?? 50} onPage={setPage} />
        </>
      )}
    </Card>
  );
}
