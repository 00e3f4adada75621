/** The admin panel: one page per area, linked by tabs that are real links (deep-linkable, keyboard). */
import { lazy, Suspense } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router";

import { Loading, PageTitle } from "../../components/ui";
import AdminJobs from "./AdminJobs";
import AdminPricing from "./AdminPricing";
import AdminPromotions from "./AdminPromotions";
import AdminTemplates from "./AdminTemplates";
import AdminUsers from "./AdminUsers";

const AdminAnalytics = lazy(() => import("./AdminAnalytics")); // recharts is the largest dependency

const TABS = [
  ["users", "Users"],
  ["templates", "Templates"],
  ["pricing", "Pricing & packs"],
  ["promotions", "Promotions"],
  ["jobs", "Jobs"],
  ["analytics", "Analytics"],
] as const;

export default function AdminPage() {
  return (
    <div>
      <PageTitle>Admin</PageTitle>
      <nav aria-label="Admin" className="mb-6 flex gap-1 overflow-x-auto border-b border-slate-200">
        {TABS.map(([to, label]) => (
          <NavLink
            key={to}
            to={`/admin/${to}`}
            className={({ isActive }) => `whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${isActive ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<AdminUsers />} />
        <Route path="templates" element={<AdminTemplates />} />
        <Route path="pricing" element={<AdminPricing />} />
        <Route path="promotions" element={<AdminPromotions />} />
        <Route path="jobs" element={<AdminJobs />} />
        <Route
          path="analytics"
          element={
            <Suspense fallback={<Loading what="Loading charts" />}>
              <AdminAnalytics />
            </Suspense>
          }
        />
      </Routes>
    </div>
  );
}
