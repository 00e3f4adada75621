/**
 * Razorpay Checkout, used only when the API's payment provider is `razorpay`: the script is loaded on
 * demand from Razorpay (their hosted checkout is required by their terms), the order comes from our API,
 * and the signed result goes back to `POST /v1/wallet/verify`. Coins are credited by the server only.
 */
import type { Order } from "./types";

export const CHECKOUT_SCRIPT = "https://checkout.razorpay.com/v1/checkout.js";

export interface RazorpayResult {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}

interface RazorpayCtor {
  new (options: Record<string, unknown>): { open: () => void; on: (ev: string, cb: (r: unknown) => void) => void };
}

let loading: Promise<void> | null = null;

export function loadCheckout(): Promise<void> {
  if ((window as unknown as { Razorpay?: RazorpayCtor }).Razorpay) return Promise.resolve();
  loading ??= new Promise<void>((resolve, reject) => {
    const s = document.createElement("script");
    s.src = CHECKOUT_SCRIPT;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => {
      loading = null;
      reject(new Error("Could not load Razorpay Checkout; check your connection and try again."));
    };
    document.head.appendChild(s);
  });
  return loading;
}

export async function payWithRazorpay(order: Order, email: string, packName: string): Promise<RazorpayResult> {
  await loadCheckout();
  const Razorpay = (window as unknown as { Razorpay: RazorpayCtor }).Razorpay;
  return new Promise<RazorpayResult>((resolve, reject) => {
    const c = order.checkout ?? {};
    const rz = new Razorpay({
      key: c.key_id,
      order_id: c.order_id ?? order.order_id,
      amount: c.amount ?? order.amount,
      currency: c.currency ?? order.currency ?? "INR",
      name: c.name ?? "Drisya",
      description: packName,
      prefill: { email },
      handler: (r: RazorpayResult) => resolve(r),
      modal: { ondismiss: () => reject(new Error("Payment cancelled.")) },
    });
    rz.on("payment.failed", (r) => {
      const reason = (r as { error?: { description?: string } }).error?.description;
      reject(new Error(reason ? `Payment failed: ${reason}` : "Payment failed."));
    });
    rz.open();
  });
}
