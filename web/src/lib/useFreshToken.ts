/**
 * Requests made outside RTK Query (XHR uploads, previews, downloads, protected images) cannot use its
 * refresh-on-401. Before such a request, one cheap GET /v1/me through RTK Query refreshes an expired
 * access token; the token is then read from the store.
 */
import { useCallback } from "react";
import { useStore } from "react-redux";

import { api } from "../store/api";
import type { AppDispatch, RootState } from "../store/store";

export function useFreshToken(): () => Promise<string | null> {
  const store = useStore<RootState>();
  return useCallback(async () => {
    const sub = (store.dispatch as AppDispatch)(api.endpoints.me.initiate(undefined, { forceRefetch: true, subscribe: false }));
    await sub;
    return store.getState().auth.accessToken;
  }, [store]);
}
