-- Shopify's mandatory privacy webhooks, kept for audit. Atelier stores nothing about a
-- shop's customers, so a customer request is answered with nothing to export or erase
-- and recorded here by its ids only (no names, emails or phone numbers).
create table public.compliance_requests (
  id uuid primary key default gen_random_uuid(),
  topic text not null check (topic in ('customers/data_request', 'customers/redact', 'shop/redact')),
  shop_domain text not null check (char_length(shop_domain) <= 255),
  shopify_shop_id bigint,
  customer_id bigint,
  data_request_id bigint,
  orders_count integer not null default 0 check (orders_count >= 0),
  outcome text not null check (char_length(outcome) <= 500),
  received_at timestamptz not null default now()
);
create index compliance_requests_shop_idx on public.compliance_requests (shop_domain, received_at desc);

-- Server only: no policy for the API roles.
alter table public.compliance_requests enable row level security;
grant select, insert on public.compliance_requests to service_role;
