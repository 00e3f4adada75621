/** The API's shapes (issue 8) as the dashboard reads them. Optional fields are read defensively. */

export type Role = "client" | "admin";

export interface Me {
  id: string;
  email: string;
  name: string;
  role: Role;
  coins: number;
  blocked?: boolean;
  created?: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page?: number;
  page_size?: number;
}

export interface Transaction {
  id: string;
  kind: string;
  amount: number;
  balance_after?: number | null;
  reason?: string | null;
  ref?: string | null;
  job?: string | null;
  created: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created: string;
  last_used?: string | null;
  revoked?: boolean;
}

export interface CoinPack {
  id: string;
  name: string;
  coins: number;
  price: number; // paise
}

export interface PacksResponse {
  provider: string;
  packs: CoinPack[];
  key_id?: string | null;
  rupees_per_coin?: number;
}

export interface Order {
  provider: string; // "test" | "razorpay"
  order_id: string;
  payment_id?: string;
  pack?: CoinPack;
  status?: string; // created | paid | failed
  amount?: number; // paise
  currency?: string;
  promo_code?: string | null;
  coins_credited?: number;
  bonus_coins?: number;
  promo_error?: string | null;
  note?: string;
  checkout?: { key_id?: string; order_id?: string; amount?: number; currency?: string; name?: string };
}

export interface Template {
  id: string;
  name: string;
  category: string;
  tags: string[];
  colours: string[];
  colour_families?: string[];
  source?: string;
  enabled?: boolean;
  thumbnail_url?: string;
  version?: number;
  floor_line?: number | null;
  shadow_style?: string;
}

/** What an admin may change on a template (`PATCH /v1/admin/templates/{id}`); send only what changes. */
export interface TemplateEdit {
  enabled?: boolean;
  name?: string;
  category?: string;
  tags?: string[] | string;
  colours?: string[];
}

export interface Facet {
  id: string;
  count: number;
}

/** `GET /v1/templates/facets`: the gallery's filter choices with how many templates each finds. */
export interface TemplateFacets {
  total: number;
  categories: Facet[];
  tags: Facet[];
  colour_families: (Facet & { swatch: string })[];
}

export type JobStatus = "created" | "queued" | "running" | "done" | "failed" | "cancelled";
export const TERMINAL: JobStatus[] = ["done", "failed", "cancelled"];

export interface Job {
  id: string;
  status: JobStatus;
  module: string;
  template?: string;
  template_id?: string;
  template_name?: string;
  recipe?: Record<string, unknown>;
  name?: string;
  owner?: string;
  total: number;
  done: number;
  failed: number;
  price_per_image?: number;
  /** Surprise for You: the quote is total × outputs_per_image × price_per_output. */
  price_per_output?: number;
  outputs_per_image?: number;
  surprise?: { theme: string; variants: number; video: boolean; seed: number } | null;
  coins_reserved?: number;
  coins_charged?: number;
  created_at?: string;
  started_at?: string | null;
  message?: string; // "Processing 243/1000 (2 failed)"
  quote?: number;
  rejected_count?: number;
  finished_at?: string | null;
  eta_s?: number | null;
  error?: string | null;
}

export interface JobImage {
  id: string;
  name: string;
  status: string;
  reason?: string | null;
  quality?: number | null;
  /** The output checked against its preset's rules (null without a preset). */
  compliance?: { status: string; preset?: string; reasons: string[] } | null;
  preview_url?: string | null;
  output_url?: string | null;
  /** A surprise product's every output: its variants, then its video. */
  outputs?: JobOutput[];
}

export interface JobOutput {
  index: number;
  name: string;
  kind: "image" | "video";
  content_type: string;
  theme?: string | null;
  template?: string | null;
  seed?: number | null;
  variant?: number | null;
  url: string;
  preview_url?: string | null;
}

export interface Rejected {
  name: string;
  reason: string;
}

export interface UploadResult {
  accepted: number;
  rejected: Rejected[];
  quote: number;
  total?: number;
  price_per_output?: number;
  outputs_per_image?: number;
}

export interface Pricing {
  pricing: Record<string, number>;
  rupees_per_coin: number;
  packs: CoinPack[];
  signup_bonus?: number;
}

export interface Promotion {
  code: string;
  coins: number;
  active: boolean;
  max_uses_per_user?: number;
  max_uses?: number | null; // 0: unlimited
  uses?: number;
  expires?: string | null;
  note?: string;
}

export interface AdminUser extends Me {
  last_login?: string | null;
}

/** GET /v1/admin/analytics (serve_apps/routes/admin_analytics.py). */
export interface Analytics {
  from: string;
  to: string;
  images_per_day: { day: string; images_processed: number; coins_spent: number; coins_sold: number }[];
  images: { done: number; failed: number; failure_rate: number };
  failure_reasons: { reason: string; count: number; share: number }[];
  coins: { sold: number; spent: number; bonus_given?: number; promo_given?: number; granted?: number; deducted?: number; refunded?: number };
  revenue: { amount: number; currency: string; payments: number; test_provider?: { amount: number; payments: number } };
  top_templates: { template: string; jobs: number; images: number }[];
  jobs: number;
  active_users: number;
}
