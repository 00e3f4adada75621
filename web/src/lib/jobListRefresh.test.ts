import { describe, expect, it } from "vitest";

import { jobListPollMs, LIST_POLL_IDLE_MS, LIST_POLL_MOVING_MS } from "./jobListRefresh";

describe("jobListPollMs", () => {
  it("polls often while a listed job is queued or running", () => {
    expect(jobListPollMs([{ status: "done" }, { status: "running" }])).toBe(LIST_POLL_MOVING_MS);
    expect(jobListPollMs([{ status: "queued" }])).toBe(LIST_POLL_MOVING_MS);
  });

  it("still polls, slowly, when nothing listed moves (new jobs appear), and after an error", () => {
    expect(jobListPollMs([{ status: "done" }, { status: "failed" }, { status: "created" }])).toBe(LIST_POLL_IDLE_MS);
    expect(jobListPollMs([])).toBe(LIST_POLL_IDLE_MS);
    expect(jobListPollMs(undefined)).toBe(LIST_POLL_IDLE_MS);
    expect(LIST_POLL_IDLE_MS).toBeGreaterThan(LIST_POLL_MOVING_MS);
    expect(LIST_POLL_MOVING_MS).toBeGreaterThan(0);
  });
});
