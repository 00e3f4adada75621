// @vitest-environment jsdom
/**
 * The admin jobs list against a stand-in for the API (fetch answered in the test): it refreshes by
 * itself while a job moves, and Resume's typed answer is shown in words.
 */
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Provider } from "react-redux";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { LIST_POLL_MOVING_MS } from "../../lib/jobListRefresh";
import type { Job } from "../../lib/types";
import { makeStore } from "../../store/store";
import AdminJobs from "./AdminJobs";

const JOB_ID = "0123456789abcdef01234567";

/** What the stand-in API holds; tests move it between polls as a runner would. */
let job: Job;
let calls: string[];

function answer(request: Request): Response {
  const url = new URL(request.url);
  calls.push(`${request.method} ${url.pathname}`);
  if (request.headers.get("authorization") !== "Bearer admin-token") return Response.json({ error: "unauthorized" }, { status: 401 });
  if (request.method === "GET" && url.pathname === "/v1/admin/jobs") {
    return Response.json({ items: [job], total: 1, page: 1, page_size: 50 });
  }
  if (request.method === "POST" && url.pathname === `/v1/admin/jobs/${JOB_ID}/resume`) {
    return Response.json(
      { id: JOB_ID, status: "running", resuming: true, detail: "a runner was started; it takes the job over if its runner has been silent for 30 s" },
      { status: 202 },
    );
  }
  return Response.json({ error: "not_found", detail: url.pathname }, { status: 404 });
}

beforeEach(() => {
  job = { id: JOB_ID, status: "running", module: "ready", owner: "owner-abcdef", total: 4, done: 1, failed: 0, created_at: "2026-11-26T10:00:00Z" };
  calls = [];
  // jsdom has no fetch of its own: Node's Request needs an absolute URL, so relative API paths are
  // resolved against the page, as a browser does
  const NodeRequest = globalThis.Request;
  vi.stubGlobal(
    "Request",
    class extends NodeRequest {
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        super(typeof input === "string" ? new URL(input, window.location.href) : input, init);
      }
    },
  );
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => answer(new Request(input, init)));
  vi.useFakeTimers({ shouldAdvanceTime: true });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function renderPage() {
  const store = makeStore({ auth: { accessToken: "admin-token", refreshToken: null } });
  render(
    <Provider store={store}>
      <MemoryRouter>
        <AdminJobs />
      </MemoryRouter>
    </Provider>,
  );
}

describe("AdminJobs", () => {
  it("refreshes by itself while a job runs, until it is done", async () => {
    renderPage();
    expect(await screen.findByText("1/4")).toBeInTheDocument();
    const polls = () => calls.filter((c) => c === "GET /v1/admin/jobs").length;
    const first = polls();

    job = { ...job, done: 3 };
    await vi.advanceTimersByTimeAsync(LIST_POLL_MOVING_MS + 100);
    expect(await screen.findByText("3/4")).toBeInTheDocument();
    expect(polls()).toBeGreaterThan(first);

    job = { ...job, status: "done", done: 4 };
    await vi.advanceTimersByTimeAsync(LIST_POLL_MOVING_MS + 100);
    expect(await screen.findByText("4/4")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Resume" })).not.toBeInTheDocument();
  });

  it("shows Resume's answer in words", async () => {
    renderPage();
    const row = (await screen.findByText("1/4")).closest("li") as HTMLElement;
    await userEvent.click(within(row).getByRole("button", { name: "Resume" }));
    expect(await screen.findByTestId("resume-note")).toHaveTextContent(
      "Resuming job 01234567: a runner was started; it takes the job over if its runner has been silent for 30 s.",
    );
    expect(calls).toContain(`POST /v1/admin/jobs/${JOB_ID}/resume`);
  });
});
