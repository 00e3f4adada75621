/**
 * A <video> for outputs that need the bearer token: like AuthImage, the file is fetched with the
 * Authorization header and played from an object URL (a <video src> cannot carry the header).
 */
import { useEffect, useState } from "react";

import { useAppSelector } from "../store/store";

export function AuthVideo({ src, label, className }: { src: string; label: string; className?: string }) {
  const token = useAppSelector((s) => s.auth.accessToken);
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let revoked = false;
    let objectUrl: string | null = null;
    setProblem(null);
    setUrl(null);
    fetch(src, { headers: token ? { authorization: `Bearer ${token}` } : {} })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`the server answered ${r.status}`))))
      .then((b) => {
        if (revoked) return;
        objectUrl = URL.createObjectURL(b);
        setUrl(objectUrl);
      })
      .catch((e: unknown) => !revoked && setProblem(e instanceof Error ? e.message : String(e)));
    return () => {
      revoked = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src, token]);
  if (problem) {
    return (
      <p className={`grid place-items-center bg-slate-100 p-2 text-center text-xs text-red-700 ${className ?? ""}`} role="alert">
        The video could not be loaded ({problem}).
      </p>
    );
  }
  if (!url) return <div className={`animate-pulse bg-slate-100 ${className ?? ""}`} aria-label={`${label}: loading`} />;
  return (
    <video
      src={url}
      className={className}
      controls
      muted
      loop
      playsInline
      aria-label={label}
      data-testid="product-video"
      onError={() => setProblem("this browser cannot play it")}
    />
  );
}
