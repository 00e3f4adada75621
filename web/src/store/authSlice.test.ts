// @vitest-environment jsdom
import { describe, expect, it } from "vitest";

import reducer, { AUTH_STORAGE_KEY, loadAuth, signedIn, signedOut } from "./authSlice";

describe("auth slice", () => {
  it("keeps tokens across a reload and forgets them on sign-out", () => {
    let s = reducer(undefined, signedIn({ access_token: "a1", refresh_token: "r1" }));
    expect(s).toEqual({ accessToken: "a1", refreshToken: "r1" });
    expect(loadAuth()).toEqual({ accessToken: "a1", refreshToken: "r1" });
    s = reducer(s, signedOut());
    expect(s.accessToken).toBeNull();
    expect(localStorage.getItem(AUTH_STORAGE_KEY)).toBeNull();
  });

  it("treats a corrupt stored entry as signed out", () => {
    localStorage.setItem(AUTH_STORAGE_KEY, "{not json");
    expect(loadAuth()).toEqual({ accessToken: null, refreshToken: null });
    localStorage.setItem(AUTH_STORAGE_KEY, JSON.stringify({ accessToken: 42 }));
    expect(loadAuth().accessToken).toBeNull();
  });
});
