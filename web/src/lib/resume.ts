/**
 * The admin's "Resume" answer in words. The API answers 202 whether it started a runner or found one
 * already running in this process, and the new runner only takes over once the old one has been silent
 * for the stale period; without saying which, a click on Resume looked like it did nothing.
 */
export interface ResumeAnswer {
  id: string;
  status?: string;
  resuming?: boolean;
  detail?: string;
}

export function resumeMessage(answer: ResumeAnswer): string {
  const job = answer.id.slice(0, 8);
  if (answer.resuming === false) return `Job ${job} is already being run by this server; nothing to resume.`;
  const detail = answer.detail ? `: ${answer.detail}` : "";
  return `Resuming job ${job}${detail}.`;
}
