/**
 * The job's live progress over WebSocket. Browsers cannot put headers on a WebSocket, so each connection
 * first gets a short-lived ticket (POST /v1/jobs/{id}/events-ticket) and opens
 * WS /v1/jobs/{id}/events?ticket=...; a dropped connection is retried with a growing back-off (each try
 * gets a fresh ticket) until the job reaches a final state or the page is left.
 */
import type { ProgressEvent } from "../store/progressSlice";
import type { Connection } from "../store/progressSlice";
import { TERMINAL, type JobStatus } from "./types";

export interface JobSocketHandlers {
  getTicket: () => Promise<string>;
  onEvent: (event: ProgressEvent) => void;
  onConnection: (state: Connection, error?: string) => void;
}

// close codes of serve_apps/routes/job_events.py
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_NOT_FOUND = 4404;

export function socketUrl(jobId: string, ticket: string, loc: Location = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/v1/jobs/${encodeURIComponent(jobId)}/events?ticket=${encodeURIComponent(ticket)}`;
}

/** Read one message into a progress event; unknown shapes are ignored rather than trusted. */
export function parseEvent(raw: string): ProgressEvent | null {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== "object") return null;
  const m = msg as Record<string, unknown>;
  const src = (m.job && typeof m.job === "object" ? m.job : m) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const counters = (src.counters && typeof src.counters === "object" ? src.counters : src) as Record<string, unknown>;
  const ev: ProgressEvent = {
    status: typeof src.status === "string" ? (src.status as JobStatus) : undefined,
    total: num(counters.total),
    done: num(counters.done),
    failed: num(counters.failed),
  };
  if ("eta_s" in src) ev.eta_s = num(src.eta_s) ?? null;
  if (ev.status === undefined && ev.total === undefined && ev.done === undefined) return null;
  return ev;
}

export function backoffMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
}

export function connectJobEvents(jobId: string, h: JobSocketHandlers): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let finished = false;

  const retry = (why?: string) => {
    if (stopped || finished) return;
    h.onConnection("reconnecting", why);
    timer = setTimeout(open, backoffMs(attempt++));
  };

  async function open() {
    if (stopped) return;
    h.onConnection(attempt === 0 ? "connecting" : "reconnecting");
    let ticket: string;
    try {
      ticket = await h.getTicket();
    } catch (e) {
      retry(e instanceof Error ? e.message : "could not get a ticket");
      return;
    }
    if (stopped) return;
    ws = new WebSocket(socketUrl(jobId, ticket));
    ws.onopen = () => {
      attempt = 0;
      h.onConnection("live");
    };
    ws.onmessage = (e) => {
      const ev = parseEvent(typeof e.data === "string" ? e.data : "");
      if (!ev) return;
      h.onEvent(ev);
      if (ev.status && TERMINAL.includes(ev.status)) finished = true;
    };
    ws.onclose = (e) => {
      ws = null;
      if (finished) h.onConnection("closed");
      else if (e.code === CLOSE_NOT_FOUND) {
        finished = true; // deleted, or not this user's: retrying cannot help
        h.onConnection("error", "This job no longer exists.");
      } else retry(e.code === CLOSE_UNAUTHORIZED ? "the ticket was refused" : "connection lost");
    };
    ws.onerror = () => {
      /* onclose follows and decides */
    };
  }

  void open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}
