-- The platform's tables with the shop (a merchant's store) as the tenant, plus what
-- the Shopify shape needs. Every tenant-owned row carries shop_id.

create type public.job_status as enum ('pending', 'queued', 'processing', 'completed', 'failed', 'cancelled');
create type public.credit_tx_type as enum ('purchase', 'spend', 'refund', 'bonus', 'adjustment');
create type public.app_role as enum ('operator', 'admin');
create type public.asset_kind as enum ('upload', 'output');

create function public.touch_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- The seed's profiles: one row per shop, kept across uninstall and reinstall.
create table public.shops (
  id uuid primary key default gen_random_uuid(),
  domain text not null unique check (domain ~ '^[a-z0-9][a-z0-9-]*\.myshopify\.com$'),
  name text,
  email text,
  plan text not null default 'standard',
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  settings jsonb not null default '{}'::jsonb check (jsonb_typeof(settings) = 'object'),
  installed_at timestamptz,
  uninstalled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger shops_touch before update on public.shops
  for each row execute function public.touch_updated_at();

-- App operators: a staff member (Shopify user id from the session token) of a shop.
create table public.user_roles (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  user_id text not null check (char_length(user_id) between 1 and 100),
  role public.app_role not null,
  created_at timestamptz not null default now(),
  unique (shop_id, user_id, role)
);

-- Cached balance; written only by the ledger trigger (see ledger migration).
create table public.credit_balances (
  shop_id uuid primary key references public.shops (id) on delete restrict,
  balance integer not null default 0 check (balance >= 0),
  updated_at timestamptz not null default now()
);

create table public.generation_batches (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  client_key text check (char_length(client_key) between 1 and 200),
  name text check (char_length(name) <= 200),
  params jsonb not null default '{}'::jsonb,
  job_count integer not null default 0 check (job_count >= 0),
  cost_credits integer not null default 0 check (cost_credits >= 0),
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, client_key)
);
create trigger generation_batches_touch before update on public.generation_batches
  for each row execute function public.touch_updated_at();

create table public.assets (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  kind public.asset_kind not null,
  source text not null check (source in ('shopify', 'merchant', 'provider', 'studio')),
  bucket text not null check (bucket in ('uploads', 'outputs')),
  path text not null check (char_length(path) between 1 and 1024),
  product_id text,
  media_id text,
  job_id uuid,
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  mime_type text not null,
  byte_size bigint not null check (byte_size >= 0),
  width integer check (width > 0),
  height integer check (height > 0),
  version integer not null default 1 check (version >= 1),
  status text not null default 'active' check (status in ('active', 'stale', 'orphaned')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (bucket, path)
);
create trigger assets_touch before update on public.assets
  for each row execute function public.touch_updated_at();

create table public.generation_jobs (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  batch_id uuid references public.generation_batches (id) on delete cascade,
  input_asset_id uuid references public.assets (id) on delete set null,
  product_id text,
  status public.job_status not null default 'pending',
  prompt text check (char_length(prompt) <= 1000),
  model_preset text not null,
  pose_preset text not null,
  scene_preset text not null,
  generation_type text not null,
  aspect_ratio text,
  variation smallint not null default 1 check (variation between 1 and 4),
  seed integer,
  cost_credits integer not null check (cost_credits > 0),
  provider text,
  provider_model text,
  provider_job_id text,
  attempts integer not null default 0 check (attempts >= 0),
  error_code text,
  error_message text,
  queued_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger generation_jobs_touch before update on public.generation_jobs
  for each row execute function public.touch_updated_at();

alter table public.assets
  add constraint assets_job_id_fkey foreign key (job_id) references public.generation_jobs (id) on delete set null;

create table public.job_events (
  id bigint generated always as identity primary key,
  job_id uuid not null references public.generation_jobs (id) on delete cascade,
  shop_id uuid not null references public.shops (id) on delete cascade,
  event text not null,
  from_status public.job_status,
  to_status public.job_status,
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

-- Append-only. job_id has no foreign key on purpose: accounting keeps ledger rows
-- after a shop's jobs are redacted.
create table public.credits_ledger (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  shop_id uuid not null references public.shops (id) on delete restrict,
  tx_type public.credit_tx_type not null,
  amount integer not null check (amount <> 0),
  balance_after integer not null check (balance_after >= 0),
  job_id uuid,
  reference text check (char_length(reference) <= 200),
  idempotency_key text not null unique check (char_length(idempotency_key) between 1 and 200),
  description text check (char_length(description) <= 500),
  created_at timestamptz not null default now(),
  constraint credits_ledger_sign check (
    case tx_type
      when 'spend' then amount < 0
      when 'purchase' then amount > 0
      when 'bonus' then amount > 0
      when 'refund' then amount > 0
      else true
    end
  ),
  constraint credits_ledger_job_required check (tx_type not in ('spend', 'refund') or job_id is not null)
);

create table public.stripe_customers (
  shop_id uuid primary key references public.shops (id) on delete cascade,
  stripe_customer_id text not null unique,
  created_at timestamptz not null default now()
);

create table public.stripe_events (
  id text primary key,
  type text not null,
  livemode boolean not null default false,
  processed_at timestamptz,
  created_at timestamptz not null default now()
);

create table public.shopify_webhook_events (
  event_id text primary key,
  topic text not null,
  shop_domain text not null,
  webhook_id text,
  api_version text,
  processed_at timestamptz,
  created_at timestamptz not null default now()
);

create table public.app_purchases (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete restrict,
  shopify_purchase_id text not null unique,
  pack_id text not null,
  credits integer not null check (credits > 0),
  price_amount numeric(12, 2) not null check (price_amount >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  status text not null check (status in ('PENDING', 'ACTIVE', 'DECLINED', 'EXPIRED')),
  test boolean not null default false,
  confirmation_url text,
  credited_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger app_purchases_touch before update on public.app_purchases
  for each row execute function public.touch_updated_at();

create table public.publications (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  output_asset_id uuid not null references public.assets (id) on delete cascade,
  job_id uuid references public.generation_jobs (id) on delete set null,
  product_id text not null,
  media_id text,
  status text not null default 'pending'
    check (status in ('pending', 'uploading', 'processing', 'ready', 'failed', 'unpublished')),
  position text not null default 'append' check (position in ('append', 'featured')),
  alt text check (char_length(alt) <= 512),
  error_message text,
  published_at timestamptz,
  unpublished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger publications_touch before update on public.publications
  for each row execute function public.touch_updated_at();

-- Shopify session storage (Prisma model Session).
create table public.shopify_sessions (
  id text primary key,
  shop text not null,
  state text not null,
  is_online boolean not null default false,
  scope text,
  expires timestamptz,
  access_token text not null,
  user_id bigint,
  first_name text,
  last_name text,
  email text,
  account_owner boolean not null default false,
  locale text,
  collaborator boolean default false,
  email_verified boolean default false,
  refresh_token text,
  refresh_token_expires timestamptz
);

-- Indexes for the queries the app makes.
create index shopify_sessions_shop_idx on public.shopify_sessions (shop);
create index generation_jobs_shop_status_idx on public.generation_jobs (shop_id, status);
create index generation_jobs_shop_created_idx on public.generation_jobs (shop_id, created_at desc);
create index generation_jobs_batch_idx on public.generation_jobs (batch_id);
create index generation_jobs_status_updated_idx on public.generation_jobs (status, updated_at)
  where status in ('pending', 'queued', 'processing');
create index generation_jobs_input_asset_idx on public.generation_jobs (input_asset_id);
create index generation_batches_shop_created_idx on public.generation_batches (shop_id, created_at desc);
create index credits_ledger_shop_created_idx on public.credits_ledger (shop_id, created_at desc, seq desc);
create index credits_ledger_job_idx on public.credits_ledger (job_id) where job_id is not null;
create unique index credits_ledger_one_spend_per_job on public.credits_ledger (job_id) where tx_type = 'spend';
create unique index credits_ledger_one_refund_per_job on public.credits_ledger (job_id) where tx_type = 'refund';
create index credits_ledger_purchases_idx on public.credits_ledger (created_at) where tx_type = 'purchase';
create index assets_shop_product_idx on public.assets (shop_id, product_id);
create index assets_shop_created_idx on public.assets (shop_id, created_at desc);
create index assets_job_idx on public.assets (job_id) where job_id is not null;
create index assets_media_idx on public.assets (shop_id, media_id) where media_id is not null;
create index job_events_job_idx on public.job_events (job_id, created_at);
create index job_events_created_idx on public.job_events (created_at);
create index app_purchases_shop_idx on public.app_purchases (shop_id, created_at desc);
create index publications_shop_product_idx on public.publications (shop_id, product_id);
create index publications_output_idx on public.publications (output_asset_id);
create unique index publications_one_live_per_output on public.publications (output_asset_id, product_id)
  where status <> 'unpublished';
create index user_roles_shop_user_idx on public.user_roles (shop_id, user_id);
