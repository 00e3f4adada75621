import { describe, expect, it } from "vitest";

import { resumeMessage } from "./resume";

describe("resumeMessage", () => {
  it("says a runner was started, with the server's condition", () => {
    const text = resumeMessage({
      id: "0123456789abcdef",
      status: "running",
      resuming: true,
      detail: "a runner was started; it takes the job over if its runner has been silent for 30 s",
    });
    expect(text).toBe(
      "Resuming job 01234567: a runner was started; it takes the job over if its runner has been silent for 30 s.",
    );
  });

  it("says when the job is already running here, so a second click is not expected to do more", () => {
    expect(resumeMessage({ id: "abcdef0123", resuming: false, detail: "this API process is already running the job" })).toBe(
      "Job abcdef01 is already being run by this server; nothing to resume.",
    );
  });

  it("never shows raw JSON, even without a detail", () => {
    const text = resumeMessage({ id: "feedbeef99" });
    expect(text).toBe("Resuming job feedbeef.");
    expect(text).not.toContain("{");
  });
});
