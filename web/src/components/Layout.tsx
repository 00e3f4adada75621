/** The frame of every signed-in page: a header with navigation and the coin balance, a menu on phones. */
import { useState } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";

import { formatCoins } from "../lib/format";
import { useLogoutMutation, useMeQuery } from "../store/api";
import { signOut, useAppDispatch, useAppSelector } from "../store/store";

const LINKS = [
  { to: "/templates", label: "Templates" },
  { to: "/upload", label: "Upload" },
  { to: "/jobs", label: "Jobs" },
  { to: "/wallet", label: "Wallet" },
  { to: "/profile", label: "Profile" },
];

function linkClass({ isActive }: { isActive: boolean }) {
  return `block rounded-lg px-3 py-2 text-sm font-medium ${isActive ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100"}`;
}

export function Logo() {
  return (
    <Link to="/" className="flex items-center gap-2 text-lg font-bold text-slate-900">
      <img src="/favicon.svg" alt="" className="h-7 w-7" />
      Drisya
    </Link>
  );
}

export default function Layout() {
  const { data: me } = useMeQuery();
  const refreshToken = useAppSelector((s) => s.auth.refreshToken);
  const [logout] = useLogoutMutation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);

  const links = me?.role === "admin" ? [...LINKS, { to: "/admin", label: "Admin" }] : LINKS;

  async function onLogout() {
    try {
      await logout({ refresh_token: refreshToken }).unwrap();
    } catch {
      // signing out locally is what matters; the refresh token expires on its own
    }
    signOut(dispatch);
    navigate("/login");
  }

  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex max-w-6xl items-center gap-4 px-4 py-3">
          <Logo />
          <nav aria-label="Main" className="hidden flex-1 items-center gap-1 md:flex">
            {links.map((l) => (
              <NavLink key={l.to} to={l.to} className={linkClass}>
                {l.label}
              </NavLink>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-2">
            {me && (
              <Link to="/wallet" className="rounded-full bg-amber-100 px-3 py-1 text-sm font-semibold text-amber-900" data-testid="balance">
                {formatCoins(me.coins)}
              </Link>
            )}
            <button onClick={onLogout} className="hidden rounded-lg px-3 py-2 text-sm text-slate-600 hover:bg-slate-100 md:block">
              Log out
            </button>
            <button
              className="rounded-lg p-2 text-slate-700 hover:bg-slate-100 md:hidden"
              aria-label="Menu"
              aria-expanded={open}
              aria-controls="mobile-nav"
              onClick={() => setOpen((o) => !o)}
            >
              <svg viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
                <path d="M4 6h16M4 12h16M4 18h16" />
              </svg>
            </button>
          </div>
        </div>
        {open && (
          <nav id="mobile-nav" aria-label="Main" className="border-t border-slate-200 px-4 py-2 md:hidden" onClick={() => setOpen(false)}>
            {links.map((l) => (
              <NavLink key={l.to} to={l.to} className={linkClass}>
                {l.label}
              </NavLink>
            ))}
            <button onClick={onLogout} className="block w-full rounded-lg px-3 py-2 text-left text-sm text-slate-600 hover:bg-slate-100">
              Log out
            </button>
          </nav>
        )}
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6 sm:py-8">
        <Outlet />
      </main>
    </div>
  );
}
