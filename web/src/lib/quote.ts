/** Upload results and the quote, and whether the wallet covers it (the 402 path before it happens). */
import type { UploadResult } from "./types";

/** Several uploads to one job (a ZIP, then loose images) add up; the job's latest quote is the total. */
export function mergeUploads(a: UploadResult | null, b: UploadResult): UploadResult {
  if (!a) return { ...b, rejected: [...(b.rejected ?? [])] };
  return {
    accepted: a.accepted + (b.accepted ?? 0),
    rejected: [...a.rejected, ...(b.rejected ?? [])],
    quote: typeof b.quote === "number" ? b.quote : a.quote,
    total: b.total ?? (a.total ?? a.accepted) + (b.accepted ?? 0),
  };
}

export interface Cover {
  fits: boolean;
  shortfall: number;
}

export function coverage(quote: number, balance: number | undefined): Cover {
  const have = balance ?? 0;
  return { fits: have >= quote, shortfall: Math.max(0, quote - have) };
}

/** The shortfall a 402 carries (`{error, detail, shortfall}` or `needed`/`balance`), when it does. */
export function shortfallOf(err: unknown): number | null {
  if (!err || typeof err !== "object") return null;
  const e = err as { status?: unknown; data?: Record<string, unknown> };
  if (e.status !== 402 || !e.data) return null;
  const d = e.data;
  if (typeof d.shortfall === "number") return d.shortfall;
  if (typeof d.needed === "number" && typeof d.balance === "number") return Math.max(0, d.needed - d.balance);
  if (typeof d.required === "number" && typeof d.balance === "number") return Math.max(0, d.required - d.balance);
  return null;
}
