/**
 * Live progress of jobs, fed by the job's WebSocket (and by `GET /v1/jobs/{id}` after a reload).
 * The rate is measured here from recent samples (images finished per second over the last ~30 s),
 * so "time left" is honest even when the server sends no estimate of its own.
 */
import { createSlice, type PayloadAction } from "@reduxjs/toolkit";

import type { JobStatus } from "../lib/types";

export type Connection = "idle" | "connecting" | "live" | "reconnecting" | "closed" | "error";

export interface Sample {
  t: number; // ms since epoch
  finished: number; // done + failed
}

export interface JobProgress {
  status: JobStatus;
  total: number;
  done: number;
  failed: number;
  etaS: number | null; // the server's estimate, when it sends one
  samples: Sample[];
  connection: Connection;
  error: string | null;
}

export interface ProgressEvent {
  status?: JobStatus;
  total?: number;
  done?: number;
  failed?: number;
  eta_s?: number | null;
  at?: number; // ms, for tests; defaults to now
}

const WINDOW_MS = 30_000;

function blank(): JobProgress {
  return {
    status: "created",
    total: 0,
    done: 0,
    failed: 0,
    etaS: null,
    samples: [],
    connection: "idle",
    error: null,
  };
}

const progressSlice = createSlice({
  name: "progress",
  initialState: {} as Record<string, JobProgress>,
  reducers: {
    progressReceived(state, action: PayloadAction<{ id: string; event: ProgressEvent }>) {
      const { id, event } = action.payload;
      const p = (state[id] ??= blank());
      if (event.status) p.status = event.status;
      if (typeof event.total === "number") p.total = event.total;
      // counters never go backwards: a late or replayed event must not make the bar jump back
      if (typeof event.done === "number") p.done = Math.max(p.done, event.done);
      if (typeof event.failed === "number") p.failed = Math.max(p.failed, event.failed);
      if (event.eta_s !== undefined) p.etaS = event.eta_s;
      const t = event.at ?? Date.now();
      const finished = p.done + p.failed;
      const last = p.samples[p.samples.length - 1];
      if (!last || last.finished !== finished || t - last.t > 1000) p.samples.push({ t, finished });
      while (p.samples.length > 2 && t - p.samples[0].t > WINDOW_MS) p.samples.shift();
    },
    connectionChanged(state, action: PayloadAction<{ id: string; connection: Connection; error?: string | null }>) {
      const p = (state[action.payload.id] ??= blank());
      p.connection = action.payload.connection;
      p.error = action.payload.error ?? null;
    },
  },
});

export const { progressReceived, connectionChanged } = progressSlice.actions;
export default progressSlice.reducer;

/** Images finished per second over the sample window; null until there are two distinct samples. */
export function rateOf(p: JobProgress | undefined): number | null {
  if (!p || p.samples.length < 2) return null;
  const first = p.samples[0];
  const last = p.samples[p.samples.length - 1];
  const dt = (last.t - first.t) / 1000;
  if (dt <= 0) return null;
  return (last.finished - first.finished) / dt;
}

/** Seconds left: the server's estimate when given, else remaining / measured rate. */
export function etaOf(p: JobProgress | undefined): number | null {
  if (!p) return null;
  const remaining = Math.max(0, p.total - p.done - p.failed);
  if (remaining === 0) return 0;
  if (p.etaS != null) return p.etaS;
  const rate = rateOf(p);
  return rate && rate > 0 ? remaining / rate : null;
}

export function percentOf(p: JobProgress | undefined): number {
  if (!p || p.total <= 0) return 0;
  return Math.min(100, Math.round(((p.done + p.failed) / p.total) * 100));
}
