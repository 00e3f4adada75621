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
            <Stat label="Coins sold" value={data.coins.sold.toLocaleString("en-IN")} />
            <Stat label="Coins spent" value={data.coins.spent.toLocaleString("en-IN")} />
            <Stat label="Revenue" value={formatRupees(data.revenue.amount)} />
            <Stat label="Failure rate" value={`${(data.images.failure_rate * 100).toFixed(1)}%`} />
            <Stat label="Active users" value={data.active_users.toLocaleString("en-IN")} />
          </div>
          {data.revenue.test_provider && data.revenue.test_provider.payments > 0 && (
            <p className="text-xs text-slate-500">
              Revenue counts real payments only; {data.revenue.test_provider.payments} test-provider orders ({formatRupees(data.revenue.test_provider.amount)}) moved no money.
            </p>
          )}
          <div className="grid gap-6 lg:grid-cols-2">
            <Card title="Images processed per day">
              {data.images_per_day.length ? (
                <ResponsiveContainer width="100%" height={240}>
                  <BarChart data={data.images_per_day}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" fontSize={11} />
                    <YAxis fontSize={11} allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="images_processed" fill="#4f46e5" name="images" />
                  </BarChart>
                </ResponsiveContainer>
              ) : (
                <Empty title="No images in this period" />
              )}
            </Card>
            <Card title="Coins sold and spent per day">
              {data.images_per_day.length ? (
                <ResponsiveContainer width="100%" height={240}>
                  <LineChart data={data.images_per_day}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="day" fontSize={11} />
                    <YAxis fontSize={11} allowDecimals={false} />
                    <Tooltip />
                    <Legend />
                    <Line dataKey="coins_sold" name="sold" stroke="#059669" />
                    <Line dataKey="coins_spent" name="spent" stroke="#dc2626" />
                  </LineChart>
                </ResponsiveContainer>
              ) : (
                <Empty title="No coin movements in this period" />
              )}
            </Card>
            <Card title="Top templates">
              {data.top_templates.length ? (
                <ol className="space-y-1 text-sm">
                  {data.top_templates.map((t) => (
                    <li key={t.template} className="flex justify-between gap-3">
                      <span className="truncate">{t.template}</span>
                      <span className="text-slate-500">{t.jobs} jobs · {t.images} images</span>
                    </li>
                  ))}
                </ol>
              ) : (
                <Empty title="No jobs yet" />
              )}
            </Card>
            <Card title="Failures by reason">
              {data.failure_reasons.length ? (
                <ol className="space-y-1 text-sm">
                  {data.failure_reasons.map((f) => (
                    <li key={f.reason} className="flex justify-between gap-3">
                      <span className="truncate" title={f.reason}>{f.reason}</span>
                      <span className="text-slate-500">{f.count} ({(f.share * 100).toFixed(0)}%)</span>
                    </li>
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
