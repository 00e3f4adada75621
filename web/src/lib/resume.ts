/**
 * The admin's "Resume" answer in words. The API answers 202 whether it started a runner or found one
 * already running in this process, and the new runner only takes over once the old one has been silent
 * for the stale period; without saying which, a click on Resume looked like it did nothing.
 */
import type { JobStatus } from "./types";

/** `POST /v1/admin/jobs/{id}/resume` (202): the job, whether this request started a runner, and why. */
export interface ResumeAnswer {
  id: string;
  status: JobStatus;
  resuming: boolean;
  detail: string;
}

/** Partial answers (an older server) still read as words. */
export function resumeMessage(answer: Pick<ResumeAnswer, "id"> & Partial<ResumeAnswer>): string {
  const job = answer.id.slice(0, 8);
  if (answer.resuming === false) return `Job ${job} is already being run by this server; nothing to resume.`;
  const detail = answer.detail ? `: ${answer.detail}` : "";
  return `Resuming job ${job}${detail}.`;
}
