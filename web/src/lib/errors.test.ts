import { describe, expect, it } from "vitest";

import { errorMessage, errorStatus } from "./errors";

describe("errorMessage", () => {
  it("uses the API's detail", () => {
    expect(errorMessage({ status: 402, data: { error: "insufficient_coins", detail: "you need 12 more coins" } })).toBe("you need 12 more coins");
  });
  it("falls back to words for a status without a body, never JSON", () => {
    expect(errorMessage({ status: 429, data: null })).toMatch(/Too many requests/);
    expect(errorMessage({ status: 418, data: "<html>" })).toBe("The server answered 418.");
    expect(errorMessage({ status: "FETCH_ERROR", error: "TypeError" })).toMatch(/Cannot reach the server/);
  });
  it("words validation lists and plain errors", () => {
    expect(errorMessage({ status: 422, data: { detail: [{ loc: ["body", "email"], msg: "bad e-mail" }] } })).toBe("bad e-mail");
    expect(errorMessage(new Error("Upload cancelled."))).toBe("Upload cancelled.");
    expect(errorMessage(undefined)).toBe("Something went wrong.");
  });
  it("reads the status", () => {
    expect(errorStatus({ status: 403 })).toBe(403);
    expect(errorStatus({ status: "FETCH_ERROR" })).toBeNull();
  });
});
