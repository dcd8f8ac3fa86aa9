-- Catalog import: one row per import the merchant starts, with its progress, and the
-- source URL of each imported image (a changed URL is the cheap sign of new bytes).

create table public.import_runs (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  mode text not null check (mode in ('selection', 'catalog')),
  status text not null default 'queued' check (status in ('queued', 'running', 'completed', 'failed')),
  product_ids text[] not null default '{}' check (cardinality(product_ids) <= 5000),
  bulk_operation_id text,
  products_total integer not null default 0 check (products_total >= 0),
  products_done integer not null default 0 check (products_done >= 0),
  images_imported integer not null default 0 check (images_imported >= 0),
  images_unchanged integer not null default 0 check (images_unchanged >= 0),
  images_failed integer not null default 0 check (images_failed >= 0),
  error_message text check (char_length(error_message) <= 2000),
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger import_runs_touch before update on public.import_runs
  for each row execute function public.touch_updated_at();
create index import_runs_shop_created_idx on public.import_runs (shop_id, created_at desc);
create index import_runs_bulk_idx on public.import_runs (bulk_operation_id) where bulk_operation_id is not null;

alter table public.import_runs enable row level security;
create policy import_runs_select_own on public.import_runs for select to authenticated
  using (shop_id = public.current_shop_id());
grant select, insert, update, delete on public.import_runs to authenticated, service_role;

alter table public.assets add column source_url text check (char_length(source_url) <= 2048);
-- One row per version of a product image, so concurrent imports cannot both add "v2".
create unique index assets_upload_media_version_uq on public.assets (shop_id, media_id, version)
  where kind = 'upload' and media_id is not null;
