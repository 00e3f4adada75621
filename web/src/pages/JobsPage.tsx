/** Job history with a status filter; each row links to the job (progress or downloads). */
import { useState } from "react";
import { Link } from "react-router";

import { Card, Empty, ErrorBox, Loading, PageTitle, Pager, Select, StatusBadge } from "../components/ui";
import { moduleTitle } from "../lib/catalogue";
import { formatDate } from "../lib/format";
import { jobListPollMs } from "../lib/jobListRefresh";
import { api, useJobsQuery } from "../store/api";

const PAGE = 20;

export default function JobsPage() {
  const [status, setStatus] = useState("");
  const [module, setModule] = useState("");
  const [page, setPage] = useState(1);
  const args = { status: status || undefined, module: module || undefined, page };
  // refreshes by itself (often while a listed job moves), as the admin's list does
  const shown = api.endpoints.jobs.useQueryState(args);
  const { data, error, isLoading, refetch } = useJobsQuery(args, { pollingInterval: jobListPollMs(shown.data?.items) });
  return (
    <div className="space-y-6">
      <PageTitle sub="Every batch you uploaded, newest first. Open one to follow it or download its photos.">Jobs</PageTitle>
      <Card
        actions={
          <div className="flex flex-wrap items-center gap-2">
            <Select
              aria-label="Module"
              className="w-40"
              value={module}
              onChange={(e) => {
                setModule(e.target.value);
                setPage(1);
              }}
            >
              <option value="">All modules</option>
              <option value="ready">Ready to Use</option>
              <option value="look">Drisya Look</option>
              <option value="surprise">Surprise for You</option>
            </Select>
            <Select
              className="w-40"
              aria-label="Status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value);
                setPage(1);
              }}
            >
              <option value="">All statuses</option>
              {["created", "queued", "running", "done", "failed", "cancelled"].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
            <Link to="/upload" className="whitespace-nowrap rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
              New upload
            </Link>
          </div>
        }
      >
        {isLoading ? (
          <Loading what="Loading jobs" />
        ) : error ? (
          <ErrorBox error={error} onRetry={refetch} />
        ) : !data?.items.length ? (
          <Empty title={status ? `No ${status} jobs` : "No jobs yet"}>
            <Link className="text-brand-700 underline" to="/upload">
              Upload your first photos
            </Link>
          </Empty>
        ) : (
          <>
            <ul className="divide-y divide-slate-100" data-testid="job-list">
              {data.items.map((j) => (
                <li key={j.id}>
                  <Link to={`/jobs/${j.id}`} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-1 py-3 hover:bg-slate-50">
                    <StatusBadge status={j.status} />
                    <span className="font-medium">{j.name || j.id.slice(0, 8)}</span>
                    <span className="text-sm text-slate-500">{moduleTitle(j.module)} · {j.surprise ? `theme ${j.surprise.theme}` : (j.template_name ?? j.template_id ?? j.template)}</span>
                    <span className="text-sm text-slate-600">
                      {j.done}/{j.total} done{j.failed ? `, ${j.failed} failed` : ""}
                    </span>
                    <span className="ml-auto text-xs text-slate-500">{formatDate(j.created_at)}</span>
                  </Link>
                </li>
              ))}
            </ul>
            <Pager page={page} total={data.total} pageSize={PAGE} onPage={setPage} />
          </>
        )}
      </Card>
    </div>
  );
}
