/**
 * Who is signed in: the access and refresh tokens, kept in localStorage so a reload (or a deep link to a
 * running job) keeps the session. The user's profile itself comes from `GET /v1/me` through RTK Query.
 */
import { createSlice, type PayloadAction } from "@reduxjs/toolkit";

import type { Tokens } from "../lib/types";

export const AUTH_STORAGE_KEY = "drisya.auth";

export interface AuthState {
  accessToken: string | null;
  refreshToken: string | null;
}

export function loadAuth(): AuthState {
  try {
    const raw = localStorage.getItem(AUTH_STORAGE_KEY);
    if (raw) {
      const parsed = JSON.parse(raw) as Partial<AuthState>;
      if (typeof parsed.accessToken === "string") {
        return { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken ?? null };
      }
    }
  } catch {
    // a corrupt entry is the same as none
  }
  return { accessToken: null, refreshToken: null };
}

function save(state: AuthState): void {
  try {
    if (state.accessToken) localStorage.setItem(AUTH_STORAGE_KEY, JSON.stringify(state));
    else localStorage.removeItem(AUTH_STORAGE_KEY);
  } catch {
    // private mode without storage: the session lasts until reload
  }
}

const authSlice = createSlice({
  name: "auth",
  initialState: loadAuth,
  reducers: {
    signedIn(state, action: PayloadAction<Tokens>) {
      state.accessToken = action.payload.access_token;
      state.refreshToken = action.payload.refresh_token ?? state.refreshToken;
      save(state);
    },
    signedOut(state) {
      state.accessToken = null;
      state.refreshToken = null;
      save(state);
    },
  },
});

export const { signedIn, signedOut } = authSlice.actions;
export default authSlice.reducer;
