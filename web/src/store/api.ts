/**
 * The API client: one RTK Query slice over `/v1`, with the bearer token attached and a single refresh on
 * 401 (rotating refresh tokens: the new pair replaces the old; a failed refresh signs the user out).
 */
import {
  createApi,
  fetchBaseQuery,
  type BaseQueryFn,
  type FetchArgs,
  type FetchBaseQueryError,
} from "@reduxjs/toolkit/query/react";

import type {
  AdminUser,
  Analytics,
  ApiKey,
  Job,
  JobImage,
  Me,
  Order,
  PacksResponse,
  Page,
  Pricing,
  Promotion,
  Template,
  TemplateEdit,
  TemplateFacets,
  Tokens,
  Transaction,
} from "../lib/types";
import type { ResumeAnswer } from "../lib/resume";
import type { Theme } from "../lib/surprise";
import { signedIn, signedOut, type AuthState } from "./authSlice";

export const API_BASE = "/v1";

const rawBaseQuery = fetchBaseQuery({
  baseUrl: API_BASE,
  prepareHeaders: (headers, { getState }) => {
    const token = (getState() as { auth: AuthState }).auth.accessToken;
    if (token && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    return headers;
  },
});

let refreshing: Promise<boolean> | null = null;

/** On 401, refresh once (shared by concurrent requests) and retry; otherwise sign out. */
export const baseQueryWithRefresh: BaseQueryFn<string | FetchArgs, unknown, FetchBaseQueryError> = async (
  args,
  api,
  extra,
) => {
  let result = await rawBaseQuery(args, api, extra);
  const url = typeof args === "string" ? args : args.url;
  if (result.error?.status !== 401 || url.startsWith("/auth/")) return result;
  const refreshToken = (api.getState() as { auth: AuthState }).auth.refreshToken;
  if (!refreshToken) {
    api.dispatch(signedOut());
    return result;
  }
  refreshing ??= (async () => {
    const r = await rawBaseQuery(
      { url: "/auth/refresh", method: "POST", body: { refresh_token: refreshToken } },
      api,
      extra,
    );
    refreshing = null;
    if (r.data) {
      api.dispatch(signedIn(r.data as Tokens));
      return true;
    }
    api.dispatch(signedOut());
    return false;
  })();
  if (await refreshing) result = await rawBaseQuery(args, api, extra);
  return result;
};

export interface TemplateQuery {
  q?: string;
  category?: string;
  tag?: string;
  colour?: string;
  page?: number;
  page_size?: number;
}

function clean<T extends object>(params: T): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") out[k] = v as string | number;
  }
  return out;
}

export const api = createApi({
  reducerPath: "api",
  baseQuery: baseQueryWithRefresh,
  tagTypes: ["Me", "Transactions", "ApiKeys", "Jobs", "Job", "Templates", "Pricing", "Users", "Promotions"],
  endpoints: (b) => ({
    // --- accounts ---------------------------------------------------------------------------------
    register: b.mutation<unknown, { email: string; password: string; name: string }>({
      query: (body) => ({ url: "/auth/register", method: "POST", body }),
    }),
    login: b.mutation<Tokens, { email: string; password: string }>({
      query: (body) => ({ url: "/auth/login", method: "POST", body }),
    }),
    logout: b.mutation<unknown, { refresh_token: string | null }>({
      query: (body) => ({ url: "/auth/logout", method: "POST", body }),
    }),
    me: b.query<Me, void>({ query: () => "/me", providesTags: ["Me"] }),
    updateMe: b.mutation<Me, { name?: string; password?: string; current_password?: string }>({
      query: (body) => ({ url: "/me", method: "PATCH", body }),
      invalidatesTags: ["Me"],
    }),
    transactions: b.query<Page<Transaction>, { page: number; page_size?: number }>({
      query: (p) => ({ url: "/me/transactions", params: clean(p) }),
      providesTags: ["Transactions"],
    }),
    apiKeys: b.query<ApiKey[], void>({
      query: () => "/me/api-keys",
      transformResponse: (r: ApiKey[] | Page<ApiKey>) => (Array.isArray(r) ? r : r.items),
      providesTags: ["ApiKeys"],
    }),
    createApiKey: b.mutation<{ id: string; key: string; prefix?: string }, { name: string }>({
      query: (body) => ({ url: "/me/api-keys", method: "POST", body }),
      invalidatesTags: ["ApiKeys"],
    }),
    revokeApiKey: b.mutation<unknown, string>({
      query: (id) => ({ url: `/me/api-keys/${encodeURIComponent(id)}`, method: "DELETE" }),
      invalidatesTags: ["ApiKeys"],
    }),
    // --- wallet -----------------------------------------------------------------------------------
    packs: b.query<PacksResponse, void>({
      query: () => "/wallet/packs",
      transformResponse: (r: PacksResponse | PacksResponse["packs"]) =>
        Array.isArray(r) ? { provider: "test", packs: r } : r,
    }),
    createOrder: b.mutation<Order, { pack_id: string; promo_code?: string }>({
      query: (body) => ({ url: "/wallet/orders", method: "POST", body }),
      invalidatesTags: ["Me", "Transactions"],
    }),
    verifyPayment: b.mutation<
      unknown,
      { razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string }
    >({
      query: (body) => ({ url: "/wallet/verify", method: "POST", body }),
      invalidatesTags: ["Me", "Transactions"],
    }),
    // --- templates --------------------------------------------------------------------------------
    templates: b.query<Page<Template>, TemplateQuery>({
      query: (p) => ({ url: "/templates", params: clean(p) }),
      providesTags: ["Templates"],
    }),
    templateFacets: b.query<TemplateFacets, void>({
      query: () => "/templates/facets",
      providesTags: ["Templates"],
    }),
    template: b.query<Template, string>({ query: (id) => `/templates/${encodeURIComponent(id)}` }),
    // --- jobs -------------------------------------------------------------------------------------
    jobs: b.query<Page<Job>, { page?: number; status?: string; module?: string }>({
      query: (p) => ({ url: "/jobs", params: clean(p) }),
      transformResponse: (r: Page<Job> | Job[]) => (Array.isArray(r) ? { items: r, total: r.length } : r),
      providesTags: ["Jobs"],
    }),
    job: b.query<Job, string>({
      query: (id) => `/jobs/${encodeURIComponent(id)}`,
      providesTags: (_r, _e, id) => [{ type: "Job", id }],
    }),
    surpriseThemes: b.query<Theme[], void>({ query: () => "/surprise/themes" }),
    createJob: b.mutation<
      Job,
      {
        module: string;
        template_id: string;
        recipe: Record<string, unknown>;
        idempotencyKey: string;
        theme?: string;
        variants?: number;
        video?: boolean;
        seed?: number;
      }
    >({
      query: ({ idempotencyKey, ...body }) => ({
        url: "/jobs",
        method: "POST",
        body,
        headers: { "Idempotency-Key": idempotencyKey },
      }),
      invalidatesTags: ["Jobs"],
    }),
    startJob: b.mutation<Job, string>({
      query: (id) => ({ url: `/jobs/${encodeURIComponent(id)}/start`, method: "POST" }),
      invalidatesTags: (_r, _e, id) => ["Jobs", "Me", { type: "Job", id }],
    }),
    cancelJob: b.mutation<Job, string>({
      query: (id) => ({ url: `/jobs/${encodeURIComponent(id)}/cancel`, method: "POST" }),
      invalidatesTags: (_r, _e, id) => ["Jobs", "Me", { type: "Job", id }],
    }),
    deleteJob: b.mutation<unknown, string>({
      query: (id) => ({ url: `/jobs/${encodeURIComponent(id)}`, method: "DELETE" }),
      invalidatesTags: ["Jobs"],
    }),
    jobImages: b.query<Page<JobImage>, { id: string; status?: string; page?: number }>({
      query: ({ id, ...p }) => ({ url: `/jobs/${encodeURIComponent(id)}/images`, params: clean(p) }),
      transformResponse: (r: Page<JobImage> | JobImage[]) =>
        Array.isArray(r) ? { items: r, total: r.length } : r,
    }),
    eventsTicket: b.mutation<{ ticket: string; expires_in?: number }, string>({
      query: (id) => ({ url: `/jobs/${encodeURIComponent(id)}/events-ticket`, method: "POST" }),
    }),
    // --- admin ------------------------------------------------------------------------------------
    adminUsers: b.query<Page<AdminUser>, { q?: string; page?: number }>({
      query: (p) => ({ url: "/admin/users", params: clean(p) }),
      transformResponse: (r: Page<AdminUser> | AdminUser[]) =>
        Array.isArray(r) ? { items: r, total: r.length } : r,
      providesTags: ["Users"],
    }),
    adminUpdateUser: b.mutation<AdminUser, { id: string; role?: string; blocked?: boolean }>({
      query: ({ id, ...body }) => ({ url: `/admin/users/${encodeURIComponent(id)}`, method: "PATCH", body }),
      invalidatesTags: ["Users"],
    }),
    adminGrant: b.mutation<unknown, { id: string; amount: number; reason: string }>({
      query: ({ id, ...body }) => ({
        url: `/admin/users/${encodeURIComponent(id)}/coins`,
        method: "POST",
        body,
      }),
      invalidatesTags: ["Users", "Me"],
    }),
    adminPricing: b.query<Pricing, void>({ query: () => "/admin/pricing", providesTags: ["Pricing"] }),
    adminSetPricing: b.mutation<Pricing, Partial<Pricing>>({
      query: (body) => ({ url: "/admin/pricing", method: "PUT", body }),
      invalidatesTags: ["Pricing"],
    }),
    adminPromotions: b.query<Promotion[], void>({
      query: () => "/admin/promotions",
      transformResponse: (r: Promotion[] | Page<Promotion>) => (Array.isArray(r) ? r : r.items),
      providesTags: ["Promotions"],
    }),
    adminCreatePromotion: b.mutation<Promotion, Omit<Promotion, "uses">>({
      query: (body) => ({ url: "/admin/promotions", method: "POST", body }),
      invalidatesTags: ["Promotions"],
    }),
    adminUpdatePromotion: b.mutation<Promotion, { code: string; active?: boolean; coins?: number; expires?: string | null }>({
      query: ({ code, ...body }) => ({ url: `/admin/promotions/${encodeURIComponent(code)}`, method: "PATCH", body }),
      invalidatesTags: ["Promotions"],
    }),
    adminTemplates: b.query<Page<Template>, TemplateQuery>({
      query: (p) => ({ url: "/admin/templates", params: clean(p) }),
      providesTags: ["Templates"],
    }),
    adminUpdateTemplate: b.mutation<Template, { id: string } & TemplateEdit>({
      query: ({ id, ...body }) => ({
        url: `/admin/templates/${encodeURIComponent(id)}`,
        method: "PATCH",
        body,
      }),
      invalidatesTags: ["Templates"],
    }),
    adminDeleteTemplate: b.mutation<unknown, string>({
      query: (id) => ({ url: `/admin/templates/${encodeURIComponent(id)}`, method: "DELETE" }),
      invalidatesTags: ["Templates"],
    }),
    adminJobs: b.query<Page<Job>, { status?: string; page?: number }>({
      query: (p) => ({ url: "/admin/jobs", params: clean(p) }),
      transformResponse: (r: Page<Job> | Job[]) => (Array.isArray(r) ? { items: r, total: r.length } : r),
      providesTags: ["Jobs"],
    }),
    adminResumeJob: b.mutation<ResumeAnswer, string>({
      query: (id) => ({ url: `/admin/jobs/${encodeURIComponent(id)}/resume`, method: "POST" }),
      invalidatesTags: ["Jobs"],
    }),
    adminAnalytics: b.query<Analytics, { from?: string; to?: string }>({
      query: (p) => ({ url: "/admin/analytics", params: clean(p) }),
    }),
  }),
});

export const {
  useRegisterMutation,
  useLoginMutation,
  useLogoutMutation,
  useMeQuery,
  useUpdateMeMutation,
  useTransactionsQuery,
  useApiKeysQuery,
  useCreateApiKeyMutation,
  useRevokeApiKeyMutation,
  usePacksQuery,
  useCreateOrderMutation,
  useVerifyPaymentMutation,
  useTemplatesQuery,
  useTemplateQuery,
  useTemplateFacetsQuery,
  useJobsQuery,
  useJobQuery,
  useSurpriseThemesQuery,
  useCreateJobMutation,
  useStartJobMutation,
  useCancelJobMutation,
  useDeleteJobMutation,
  useJobImagesQuery,
  useEventsTicketMutation,
  useAdminUsersQuery,
  useAdminUpdateUserMutation,
  useAdminGrantMutation,
  useAdminPricingQuery,
  useAdminSetPricingMutation,
  useAdminPromotionsQuery,
  useAdminCreatePromotionMutation,
  useAdminUpdatePromotionMutation,
  useAdminTemplatesQuery,
  useAdminUpdateTemplateMutation,
  useAdminDeleteTemplateMutation,
  useAdminJobsQuery,
  useAdminResumeJobMutation,
  useAdminAnalyticsQuery,
} = api;
