/**
 * An <img> for URLs that need the bearer token (job previews and outputs): an <img src> cannot carry an
 * Authorization header, so the bytes are fetched with it and shown through an object URL.
 */
import { useEffect, useState } from "react";

import { useAppSelector } from "../store/store";

export function AuthImage({ src, alt, className }: { src: string; alt: string; className?: string }) {
  const token = useAppSelector((s) => s.auth.accessToken);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let revoked = false;
    let objectUrl: string | null = null;
    setFailed(false);
    fetch(src, { headers: token ? { authorization: `Bearer ${token}` } : {} })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((b) => {
        if (revoked) return;
        objectUrl = URL.createObjectURL(b);
        setUrl(objectUrl);
      })
      .catch(() => !revoked && setFailed(true));
    return () => {
      revoked = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src, token]);
  if (failed) return <div className={`grid place-items-center bg-slate-100 text-xs text-slate-500 ${className ?? ""}`}>no preview</div>;
  if (!url) return <div className={`animate-pulse bg-slate-100 ${className ?? ""}`} aria-label={alt} />;
  return <img src={url} alt={alt} className={className} />;
}

/** Download a protected file (e.g. the job's ZIP) with the bearer token, then hand it to the browser. */
export async function downloadWithAuth(src: string, token: string | null, filename: string): Promise<void> {
  const r = await fetch(src, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!r.ok) {
    let data: unknown = null;
    try {
      data = await r.json();
    } catch {
      /* not JSON */
    }
    throw { status: r.status, data };
  }
  const blob = await r.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
