/** The routes. Pages load lazily so the first screen stays small; the admin charts load only for admins. */
import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";

import Layout from "./components/Layout";
import { RequireAdmin, RequireAuth } from "./components/guards";
import { Card, Loading } from "./components/ui";
import { LoginPage, RegisterPage } from "./pages/AuthPages";
import { useAppSelector } from "./store/store";

const TemplatesPage = lazy(() => import("./pages/TemplatesPage"));
const WalletPage = lazy(() => import("./pages/WalletPage"));
const ProfilePage = lazy(() => import("./pages/ProfilePage"));
const UploadPage = lazy(() => import("./pages/UploadPage"));
const JobPage = lazy(() => import("./pages/JobPage"));
const JobsPage = lazy(() => import("./pages/JobsPage"));
const AdminPage = lazy(() => import("./pages/admin/AdminPage"));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function Home() {
  const token = useAppSelector((s) => s.auth.accessToken);
  return <Navigate to={token ? "/templates" : "/login"} replace />;
}

export default function App() {
  return (
    <Routes>
      <Route path="/" element={<Home />} />
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route path="/templates" element={<Lazy><TemplatesPage /></Lazy>} />
        <Route path="/wallet" element={<Lazy><WalletPage /></Lazy>} />
        <Route path="/profile" element={<Lazy><ProfilePage /></Lazy>} />
        <Route path="/upload" element={<Lazy><UploadPage /></Lazy>} />
        <Route path="/jobs" element={<Lazy><JobsPage /></Lazy>} />
        <Route path="/jobs/:id" element={<Lazy><JobPage /></Lazy>} />
        <Route
          path="/admin/*"
          element={
            <RequireAdmin>
              <Lazy>
                <AdminPage />
              </Lazy>
            </RequireAdmin>
          }
        />
        <Route
          path="*"
          element={
            <Card title="Page not found">
              <p className="text-sm text-slate-600">There is nothing at this address.</p>
            </Card>
          }
        />
      </Route>
    </Routes>
  );
}
