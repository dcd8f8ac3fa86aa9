// Development-only credentials for the Stripe stand-in (never valid at Stripe: the
// stand-in accepts test keys only and talks to no one).
export const DEV_STRIPE_SECRET_KEY = "sk_test_atelier_dev";
export const DEV_STRIPE_WEBHOOK_SECRET = "whsec_atelier_dev";
export const DEV_STRIPE_STANDIN_PORT = 3300;
