/** Route guards: signed-in pages send visitors to the login (coming back after), admin pages refuse clients. */
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";

import { useMeQuery } from "../store/api";
import { useAppSelector } from "../store/store";
import { Card, ErrorBox, Loading } from "./ui";

export function RequireAuth({ children }: { children: ReactNode }) {
  const token = useAppSelector((s) => s.auth.accessToken);
  const location = useLocation();
  if (!token) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <>{children}</>;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { data: me, isLoading, error, refetch } = useMeQuery();
  if (isLoading) return <Loading what="Checking your account" />;
  if (error) return <ErrorBox error={error} onRetry={refetch} />;
  if (me?.role !== "admin") {
    return (
      <Card title="Administrators only">
        <p className="text-sm text-slate-600" data-testid="forbidden">
          This page is for administrators. Your account ({me?.email}) is a client account.
        </p>
      </Card>
    );
  }
  return <>{children}</>;
}
