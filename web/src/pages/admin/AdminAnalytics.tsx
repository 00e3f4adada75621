/** Analytics: images per day, coins sold and spent, revenue, failure rate and reasons, top templates. */
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { Card, Empty, ErrorBox, Field, Input, Loading } from "../../components/ui";
import { formatRupees } from "../../lib/format";
import { useAdminAnalyticsQuery } from "../../store/api";

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
      <p className="text-xs text-slate-500">{label}</p>
      <p className="text-xl font-bold">{value}</p>
    </div>
  );
}

export default function AdminAnalytics() {
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 29 * 86400_000)));
  const [to, setTo] = useState(isoDay(new Date()));
  const { data, error, isLoading, refetch } = useAdminAnalyticsQuery({ from, to });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap gap-3">
        <Field label="From"><Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></Field>
        <Field label="To"><Input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></Field>
      </div>
      {isLoading ? (
        <Loading what="Loading analytics" />
      ) : error ? (
        <ErrorBox error={error} onRetry={refetch} />
      ) : !data ? (
        <Empty title="No data" />
      ) : (
        <>
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-5">
            <Stat label="Coins sold" value={String(data.coins_sold ?? 0)} />
            <Stat label="Coins spent" value={String(data.coins_spent ?? 0)} />
            <Stat label="Revenue" value={formatRupees(data.revenue ?? 0)} />
            <Stat label="Failure rate" value={`${((data.failure_rate ?? 0) * 100).toFixed(1)}%`} />
            <Stat label="Active users" value={String(data.active_users ?? 0)} />
          </div>
          <div className="grid gap-6 lg:grid-cols-2">
            <Card title="Images per day">
              {data.images_per_day?.length ? (
                <ResponsiveContainer width="100%" height={240}>
                  <BarChart data={data.images_per_day}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" fontSize={11} />
                    <YAxis fontSize={11} />
                    <Tooltip />
                    <Legend />
                    <Bar dataKey="done" stackId="a" fill="#4f46e5" name="done" />
                    <Bar dataKey="failed" stackId="a" fill="#f59e0b" name="failed" />
                  </BarChart>
                </ResponsiveContainer>
              ) : (
                <Empty title="No images in this period" />
              )}
            </Card>
            <Card title="Coins sold and spent">
              {data.coins?.length ? (
                <ResponsiveContainer width="100%" height={240}>
                  <LineChart data={data.coins}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" fontSize={11} />
                    <YAxis fontSize={11} />
                    <Tooltip />
                    <Legend />
                    <Line dataKey="sold" stroke="#059669" />
                    <Line dataKey="spent" stroke="#dc2626" />
                  </LineChart>
                </ResponsiveContainer>
              ) : (
                <Empty title="No coin movements in this period" />
              )}
            </Card>
            <Card title="Top templates">
              {data.top_templates?.length ? (
                <ol className="space-y-1 text-sm">
                  {data.top_templates.map((t) => (
                    <li key={t.template} className="flex justify-between"><span>{t.template}</span><span className="text-slate-500">{t.count}</span></li>
                  ))}
                </ol>
              ) : (
                <Empty title="No jobs yet" />
              )}
            </Card>
            <Card title="Failures by reason">
              {data.failures_by_reason?.length ? (
                <ol className="space-y-1 text-sm">
                  {data.failures_by_reason.map((f) => (
                    <li key={f.reason} className="flex justify-between gap-3"><span className="truncate">{f.reason}</span><span className="text-slate-500">{f.count}</span></li>
                  ))}
                </ol>
              ) : (
                <Empty title="No failures" />
              )}
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
