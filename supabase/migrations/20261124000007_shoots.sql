-- Shoots: saved looks (a named preset combination), and what the per-shop hourly job
-- limit reads. generation_batches and generation_jobs come from the core schema.

create table public.looks (
  id uuid primary key default gen_random_uuid(),
  shop_id uuid not null references public.shops (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  options jsonb not null check (jsonb_typeof(options) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shop_id, name)
);
create trigger looks_touch before update on public.looks
  for each row execute function public.touch_updated_at();

alter table public.looks enable row level security;
create policy looks_select_own on public.looks for select to authenticated
  using (shop_id = public.current_shop_id());
create policy looks_write_own on public.looks for all to authenticated
  using (shop_id = public.current_shop_id()) with check (shop_id = public.current_shop_id());
grant select, insert, update, delete on public.looks to authenticated, service_role;

-- The sliding-hour rate limit counts a shop's recent jobs.
create index generation_jobs_shop_recent_idx on public.generation_jobs (shop_id, created_at);
-- The sweeper finds jobs left pending (e.g. Redis was down at submit).
create index generation_jobs_pending_idx on public.generation_jobs (created_at) where status = 'pending';
