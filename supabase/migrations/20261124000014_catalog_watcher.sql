-- The catalog watcher: a new product photo becomes a draft shoot with the shop's
-- default look. Shoots remember where they came from, so the watcher's monthly credit
-- budget is the sum of its own shoots this month.

alter table public.generation_batches
  add column source text not null default 'merchant' check (source in ('merchant', 'watcher', 'extension'));
create index generation_batches_watcher_month_idx on public.generation_batches (shop_id, created_at)
  where source = 'watcher';

-- One row per product photo the watcher has seen: a draft (waiting for the merchant),
-- approved (waiting for the photo to be imported), shot, rejected, over budget, failed,
-- or only seen (another new photo of the same product already made the draft).
create table public.watcher_drafts (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  product_id text not null check (product_id ~ '^gid://shopify/Product/\d+$'),
  media_id text not null check (char_length(media_id) <= 200),
  status text not null default 'draft'
    check (status in ('draft', 'approved', 'shot', 'rejected', 'over_budget', 'failed', 'seen')),
  batch_id uuid references public.generation_batches (id) on delete set null,
  reason text check (char_length(reason) <= 500),
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  unique (shop_id, media_id)
);
create index watcher_drafts_open_idx on public.watcher_drafts (shop_id, created_at) where status in ('draft', 'approved');

alter table public.watcher_drafts enable row level security;
create policy watcher_drafts_select_own on public.watcher_drafts for select to authenticated
  using (shop_id = public.current_shop_id());
grant select on public.watcher_drafts to authenticated;
grant select, insert, update, delete on public.watcher_drafts to service_role;
