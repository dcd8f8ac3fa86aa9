-- Row Level Security with the seed's matrix. "Own" means rows of the shop named by
-- the shop_id claim of the request JWT (auth.jwt() as Supabase exposes it). The app
-- server connects as the table owner and scopes every query itself; these policies
-- protect any client that reaches the database through Supabase's API roles.

create function public.current_shop_id() returns uuid
language sql stable set search_path = public, pg_temp as $$
  select case
    when (auth.jwt() ->> 'shop_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    then (auth.jwt() ->> 'shop_id')::uuid
  end
$$;
grant execute on function public.current_shop_id() to anon, authenticated, service_role;

alter table public.shops enable row level security;
alter table public.user_roles enable row level security;
alter table public.credit_balances enable row level security;
alter table public.credits_ledger enable row level security;
alter table public.assets enable row level security;
alter table public.generation_jobs enable row level security;
alter table public.job_events enable row level security;
alter table public.stripe_customers enable row level security;
alter table public.stripe_events enable row level security;
alter table public.generation_batches enable row level security;
alter table public.shopify_webhook_events enable row level security;
alter table public.app_purchases enable row level security;
alter table public.publications enable row level security;
alter table public.shopify_sessions enable row level security;

-- Supabase grants its API roles broad table privileges and relies on policies; do
-- the same on plain PostgreSQL so the matrix is tested the way Supabase evaluates it.
grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
grant usage, select on all sequences in schema public to authenticated, service_role;
revoke all on all tables in schema public from anon;

-- shops (the seed's profiles): read and update your own row, only its editable columns.
create policy shops_select_own on public.shops for select to authenticated
  using (id = public.current_shop_id());
create policy shops_update_own on public.shops for update to authenticated
  using (id = public.current_shop_id()) with check (id = public.current_shop_id());
revoke update on public.shops from authenticated;
grant update (name, email, settings) on public.shops to authenticated;

create policy user_roles_select_own on public.user_roles for select to authenticated
  using (shop_id = public.current_shop_id());
create policy credit_balances_select_own on public.credit_balances for select to authenticated
  using (shop_id = public.current_shop_id());
create policy credits_ledger_select_own on public.credits_ledger for select to authenticated
  using (shop_id = public.current_shop_id());
create policy stripe_customers_select_own on public.stripe_customers for select to authenticated
  using (shop_id = public.current_shop_id());
create policy generation_batches_select_own on public.generation_batches for select to authenticated
  using (shop_id = public.current_shop_id());
create policy app_purchases_select_own on public.app_purchases for select to authenticated
  using (shop_id = public.current_shop_id());
create policy publications_select_own on public.publications for select to authenticated
  using (shop_id = public.current_shop_id());

create policy assets_select_own on public.assets for select to authenticated
  using (shop_id = public.current_shop_id());
create policy assets_insert_own on public.assets for insert to authenticated
  with check (shop_id = public.current_shop_id());
create policy assets_update_own on public.assets for update to authenticated
  using (shop_id = public.current_shop_id()) with check (shop_id = public.current_shop_id());
create policy assets_delete_own on public.assets for delete to authenticated
  using (shop_id = public.current_shop_id());

-- Inserting a job is allowed for your own shop; the deferred spend check still
-- refuses any job that was not paid for.
create policy generation_jobs_select_own on public.generation_jobs for select to authenticated
  using (shop_id = public.current_shop_id());
create policy generation_jobs_insert_own on public.generation_jobs for insert to authenticated
  with check (shop_id = public.current_shop_id());

create policy job_events_select_own_jobs on public.job_events for select to authenticated
  using (exists (
    select 1 from public.generation_jobs j
     where j.id = job_events.job_id and j.shop_id = public.current_shop_id()
  ));

-- stripe_events, shopify_webhook_events, shopify_sessions: no policy, server only.
