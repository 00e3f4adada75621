/** The admin's pricing form: what PUT /v1/admin/pricing takes, and mistakes caught before sending. */
import type { Pricing } from "./types";

/** Only the fields the API takes (it refuses unknown ones such as `updated`). */
export function pricingBody(d: Pricing): Partial<Pricing> {
  return {
    pricing: d.pricing,
    rupees_per_coin: d.rupees_per_coin,
    packs: d.packs.map(({ id, name, coins, price }) => ({ id, name, coins, price })),
    ...(d.signup_bonus !== undefined ? { signup_bonus: d.signup_bonus } : {}),
  };
}

export function pricingProblems(d: Pricing): string[] {
  const out: string[] = [];
  for (const [module, price] of Object.entries(d.pricing)) {
    if (!Number.isInteger(price) || price < 0) out.push(`The price of ${module} must be a whole number of coins, 0 or more.`);
  }
  if (!(d.rupees_per_coin > 0)) out.push("Rupees per coin must be more than 0.");
  if (!d.packs.length) out.push("Keep at least one coin pack.");
  const ids = new Set<string>();
  for (const p of d.packs) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(p.id)) out.push(`Pack id "${p.id}" may use only a-z, 0-9, - and _.`);
    if (ids.has(p.id)) out.push(`Two packs share the id "${p.id}".`);
    ids.add(p.id);
    if (!Number.isInteger(p.coins) || p.coins < 1) out.push(`Pack "${p.name}" needs at least 1 coin.`);
    if (p.price < 100) out.push(`Pack "${p.name}" must cost at least ₹1 (Razorpay's minimum).`);
  }
  return out;
}
