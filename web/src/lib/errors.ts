/**
 * API errors in words. The API answers `{"error": code, "detail": message}`; RTK Query wraps that in
 * `{status, data}`, fetch failures come as `{status: "FETCH_ERROR"}`. Users must never see raw JSON.
 */

export interface ApiErrorBody {
  error?: string;
  detail?: unknown;
  [extra: string]: unknown;
}

const BY_STATUS: Record<number, string> = {
  400: "The request was not understood.",
  401: "Please sign in again.",
  402: "You do not have enough coins for this.",
  403: "You are not allowed to do this.",
  404: "That was not found.",
  409: "That conflicts with the current state; reload and try again.",
  413: "That upload is too large.",
  415: "That file type is not supported.",
  422: "Some values are not valid.",
  429: "Too many requests; wait a moment and try again.",
  500: "The server had a problem; try again shortly.",
  503: "The platform is not ready; try again shortly.",
};

function detailText(detail: unknown): string | null {
  if (typeof detail === "string" && detail.trim()) return detail.trim();
  // FastAPI-style validation lists: [{loc: [...], msg}]
  if (Array.isArray(detail)) {
    const parts = detail
      .map((d) => (d && typeof d === "object" && "msg" in d ? String((d as { msg: unknown }).msg) : null))
      .filter((s): s is string => !!s);
    if (parts.length) return parts.join("; ");
  }
  return null;
}

/** Turn anything a request can throw into one sentence a user can act on. */
export function errorMessage(err: unknown): string {
  if (err == null) return "Something went wrong.";
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message || "Something went wrong.";
  if (typeof err === "object") {
    const e = err as { status?: unknown; data?: unknown; error?: unknown };
    if (e.status === "FETCH_ERROR") return "Cannot reach the server; check your connection.";
    if (e.status === "TIMEOUT_ERROR") return "The server took too long to answer.";
    if (e.status === "PARSING_ERROR") return BY_STATUS[500];
    const body = (e.data ?? null) as ApiErrorBody | null;
    const text = body && typeof body === "object" ? detailText(body.detail) : null;
    if (text) return text;
    if (typeof e.status === "number") return BY_STATUS[e.status] ?? `The server answered ${e.status}.`;
    if (typeof e.error === "string") return e.error;
  }
  return "Something went wrong.";
}

/** The HTTP status of an RTK Query / XHR error, when there is one. */
export function errorStatus(err: unknown): number | null {
  if (err && typeof err === "object" && typeof (err as { status?: unknown }).status === "number") {
    return (err as { status: number }).status;
  }
  return null;
}
