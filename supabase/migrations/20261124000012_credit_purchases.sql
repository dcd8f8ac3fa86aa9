-- Credit packs bought through Shopify Billing or Stripe Checkout. One row per purchase,
-- whichever provider; it is credited once, by its ledger key. Refunds and disputes
-- are reversing adjustments; what a balance cannot cover is owed, and blocks new
-- shoots until a purchase settles it.

alter table public.app_purchases
  add column provider text not null default 'shopify' check (provider in ('shopify', 'stripe')),
  alter column shopify_purchase_id drop not null,
  add column stripe_session_id text unique check (stripe_session_id ~ '^cs_[A-Za-z0-9_]{1,250}$'),
  add column stripe_payment_intent_id text check (char_length(stripe_payment_intent_id) <= 255),
  -- Credits taken back by refunds and disputes, so a repeated event never reverses twice.
  add column reversed_credits integer not null default 0 check (reversed_credits >= 0),
  add constraint app_purchases_one_provider_id check (
    (provider = 'shopify' and shopify_purchase_id is not null and stripe_session_id is null)
    or (provider = 'stripe' and stripe_session_id is not null and shopify_purchase_id is null)
  ),
  add constraint app_purchases_reversed_within check (reversed_credits <= credits);

create index app_purchases_payment_intent_idx on public.app_purchases (stripe_payment_intent_id)
  where stripe_payment_intent_id is not null;

create table public.credit_debts (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete restrict,
  amount integer not null check (amount > 0),
  settled_amount integer not null default 0 check (settled_amount >= 0),
  reason text not null check (char_length(reason) between 1 and 200),
  purchase_id uuid references public.app_purchases (id) on delete set null,
  idempotency_key text not null unique check (char_length(idempotency_key) between 1 and 200),
  settled_at timestamptz,
  created_at timestamptz not null default now(),
  constraint credit_debts_settled_within check (settled_amount <= amount)
);
create index credit_debts_open_idx on public.credit_debts (shop_id) where settled_at is null;

alter table public.credit_debts enable row level security;
create policy credit_debts_select_own on public.credit_debts for select to authenticated
  using (shop_id = public.current_shop_id());
grant select on public.credit_debts to authenticated;
grant select, insert, update, delete on public.credit_debts to service_role;
