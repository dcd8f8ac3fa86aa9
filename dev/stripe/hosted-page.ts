import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeHtml, html, readBody } from "../shopify/http/util";
import { formatAmount } from "./currencies";
import { StripeApiError } from "./errors";
import { deliverSubscribed } from "./events";
import type { CheckoutSession } from "./objects";
import { payCheckoutSession } from "./payments";
import { NO_REQUEST, type StandInRuntime } from "./runtime";

// The hosted Checkout page a session's `url` points at: plain HTML a person or a
// test can read, one form with three buttons. Paying completes the session and
// sends its webhooks, then redirects (303) to success_url with
// {CHECKOUT_SESSION_ID} filled in; Cancel only goes back to cancel_url.

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
.mode{background:#fff4d6;border:1px solid #e6c56e;padding:.25rem .75rem;border-radius:4px;font-size:.9rem}
table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.4rem 0;border-bottom:1px solid #ddd}td.n{text-align:right}
.total td{font-weight:600;border-bottom:none}button{font:inherit;padding:.6rem 1.2rem;margin:.3rem .5rem .3rem 0;cursor:pointer}
button[value=pay]{background:#635bff;color:#fff;border:1px solid #635bff;border-radius:4px}`;

function page(res: ServerResponse, status: number, title: string, body: string) {
  html(
    res,
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>` +
      `<p class="mode">Test mode: Stripe stand-in for development. No real payment is made.</p>${body}</main></body></html>`,
  );
}

function closedPage(res: ServerResponse, session: CheckoutSession, status: number) {
  if (session.status === "expired") {
    return page(res, status, "Checkout session expired", `<h1>This checkout session has expired</h1><p>Return to the store and start again.</p>`);
  }
  const paid = session.payment_status === "paid" ? "Payment received." : "Your payment is being processed.";
  page(res, status, "Checkout session complete", `<h1>This checkout session is already complete</h1><p>${paid} There is nothing more to pay.</p>`);
}

function checkoutPage(runtime: StandInRuntime, res: ServerResponse, session: CheckoutSession) {
  const items = runtime.state.sessions.get(session.id)?.lineItems ?? [];
  const total = formatAmount(session.amount_total, session.currency);
  const rows = items
    .map((item) => `<tr><td>${escapeHtml(item.description)} × ${item.quantity}</td><td class="n">${formatAmount(item.amount_total, item.currency)}</td></tr>`)
    .join("");
  const email = session.customer_email ?? null;
  page(
    res,
    200,
    `Pay ${total}`,
    `<h1>Pay ${escapeHtml(total)}</h1>` +
      `<table><tbody>${rows}<tr class="total"><td>Total due</td><td class="n">${escapeHtml(total)}</td></tr></tbody></table>` +
      (email ? `<p>Receipt to ${escapeHtml(email)}</p>` : "") +
      `<form method="post" action="/pay/${encodeURIComponent(session.id)}">` +
      `<button type="submit" name="action" value="pay">Pay</button>` +
      `<button type="submit" name="action" value="pay_async">Pay by bank transfer</button>` +
      `<button type="submit" name="action" value="cancel">Cancel</button>` +
      `</form><p><small>A bank transfer completes the checkout now and settles later.</small></p>`,
  );
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { Location: location, "Content-Type": "text/plain; charset=utf-8" });
  res.end(`See ${location}`);
}

export async function handleHostedPage(
  runtime: StandInRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  sessionId: string,
  background: (work: Promise<unknown>) => void,
): Promise<void> {
  const session = runtime.state.session(sessionId);
  if (!session) return page(res, 404, "Not found", "<h1>Checkout session not found</h1><p>The link may be wrong or from another environment.</p>");
  if (req.method === "GET") return session.status === "open" ? checkoutPage(runtime, res, session) : closedPage(res, session, 200);
  if (req.method !== "POST") return page(res, 405, "Method not allowed", "<h1>Method not allowed</h1>");
  const action = new URLSearchParams((await readBody(req, 64 * 1024)).toString("utf8")).get("action");
  if (action === "cancel") {
    if (session.cancel_url) return redirect(res, session.cancel_url);
    return page(res, 200, "Checkout cancelled", "<h1>Checkout cancelled</h1><p>Nothing was charged.</p>");
  }
  if (action !== "pay" && action !== "pay_async") return page(res, 400, "Bad request", "<h1>Choose Pay, Pay by bank transfer or Cancel</h1>");
  if (session.status !== "open") return closedPage(res, session, 409);
  let events;
  try {
    ({ events } = payCheckoutSession(runtime, session.id, action === "pay" ? "paid" : "async", NO_REQUEST));
  } catch (error) {
    if (error instanceof StripeApiError) return page(res, error.status, "Payment failed", `<h1>Payment failed</h1><p>${escapeHtml(error.message)}</p>`);
    throw error;
  }
  const delivering = deliverSubscribed(runtime, events);
  if (runtime.config.redirectBeforeWebhook) background(delivering);
  else await delivering;
  if (session.success_url) return redirect(res, session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id));
  const done = action === "pay" ? "Payment complete" : "Bank transfer started";
  page(res, 200, done, `<h1>${done}</h1><p>You can close this page.</p>`);
}
