/** The one Redux store: auth tokens, live job progress, and the RTK Query cache. */
import { combineReducers, configureStore } from "@reduxjs/toolkit";
import { setupListeners } from "@reduxjs/toolkit/query";
import { useDispatch, useSelector } from "react-redux";

import { api } from "./api";
import authReducer, { signedOut } from "./authSlice";
import progressReducer from "./progressSlice";

const reducer = combineReducers({
  auth: authReducer,
  progress: progressReducer,
  [api.reducerPath]: api.reducer,
});

export type RootState = ReturnType<typeof reducer>;

export function makeStore(preloaded?: Partial<RootState>) {
  const store = configureStore({
    reducer,
    preloadedState: preloaded as RootState | undefined,
    middleware: (getDefault) => getDefault().concat(api.middleware),
  });
  setupListeners(store.dispatch);
  return store;
}

export type AppStore = ReturnType<typeof makeStore>;
export type AppDispatch = AppStore["dispatch"];

export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();

/** Signing out also forgets every cached answer of the previous user. */
export function signOut(dispatch: AppDispatch): void {
  dispatch(signedOut());
  dispatch(api.util.resetApiState());
}
