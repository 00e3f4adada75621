/** Sign up and log in. After either, the user lands where they were going (`?next=`) or on the gallery. */
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { Logo } from "../components/Layout";
import { Button, ErrorBox, Field, Input } from "../components/ui";
import { useLoginMutation, useRegisterMutation } from "../store/api";
import { signedIn } from "../store/authSlice";
import { useAppDispatch } from "../store/store";

function useNext(): string {
  const [params] = useSearchParams();
  const next = params.get("next");
  // only same-site paths: never bounce a user to another origin
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/templates";
}

function AuthFrame({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center bg-gradient-to-b from-brand-50 to-white px-4 py-10">
      <div className="mb-6">
        <Logo />
      </div>
      <div className="w-full max-w-sm rounded-2xl bg-white p-6 shadow-lg ring-1 ring-slate-200">
        <h1 className="mb-1 text-xl font-bold">{title}</h1>
        <p className="mb-5 text-sm text-slate-600">Marketplace-ready product photos, in bulk.</p>
        {children}
      </div>
      <p className="mt-4 text-sm text-slate-600">{footer}</p>
    </main>
  );
}

export function LoginPage() {
  const [login, { isLoading, error }] = useLoginMutation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const next = useNext();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  async function submit(e: FormEvent) {
    e.preventDefault();
    const tokens = await login({ email, password }).unwrap().catch(() => null);
    if (tokens) {
      dispatch(signedIn(tokens));
      navigate(next, { replace: true });
    }
  }

  return (
    <AuthFrame title="Log in" footer={<>New here? <Link className="font-medium text-brand-700 underline" to="/register">Create an account</Link></>}>
      <form onSubmit={submit} className="space-y-4">
        <Field label="E-mail">
          <Input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} name="email" />
        </Field>
        <Field label="Password">
          <Input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} name="password" />
        </Field>
        {error && <ErrorBox error={error} />}
        <Button type="submit" busy={isLoading} className="w-full">
          Log in
        </Button>
      </form>
    </AuthFrame>
  );
}

export function RegisterPage() {
  const [register, reg] = useRegisterMutation();
  const [login, log] = useLoginMutation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const next = useNext();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await register({ email, password, name }).unwrap().then(() => true, () => false);
    if (!ok) return;
    const tokens = await login({ email, password }).unwrap().catch(() => null);
    if (tokens) {
      dispatch(signedIn(tokens));
      navigate(next, { replace: true });
    }
  }

  return (
    <AuthFrame title="Create your account" footer={<>Have an account? <Link className="font-medium text-brand-700 underline" to="/login">Log in</Link></>}>
      <form onSubmit={submit} className="space-y-4">
        <Field label="Name">
          <Input autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} name="name" />
        </Field>
        <Field label="E-mail">
          <Input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} name="email" />
        </Field>
        <Field label="Password" hint="At least 8 characters.">
          <Input type="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} name="password" />
        </Field>
        {(reg.error || log.error) && <ErrorBox error={reg.error ?? log.error} />}
        <Button type="submit" busy={reg.isLoading || log.isLoading} className="w-full">
          Create account
        </Button>
      </form>
    </AuthFrame>
  );
}
