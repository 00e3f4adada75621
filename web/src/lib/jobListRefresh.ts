/**
 * How often a list of jobs (the seller's history, the admin's jobs) asks the API again by itself.
 *
 * A job page follows one job over its WebSocket; a list shows many, so it polls instead: often while a
 * listed job is queued or running (its counts and status move), rarely otherwise (new jobs, another
 * user's upload). The list then never needs a reload to show a job finishing or a resume taking hold.
 */
import type { JobStatus } from "./types";

/** Statuses that change without anyone acting on the job. */
export const MOVING_STATUSES: readonly JobStatus[] = ["queued", "running"];
export const LIST_POLL_MOVING_MS = 3000;
export const LIST_POLL_IDLE_MS = 30000;

/** The polling interval for a list currently showing `jobs` (nothing loaded, e.g. an error: the slow one). */
export function jobListPollMs(jobs: readonly { status: JobStatus }[] | undefined): number {
  return jobs?.length && jobs.some((j) => MOVING_STATUSES.includes(j.status)) ? LIST_POLL_MOVING_MS : LIST_POLL_IDLE_MS;
}
