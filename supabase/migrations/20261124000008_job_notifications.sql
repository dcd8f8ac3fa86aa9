-- Live shoot progress: one notification per shoot and statement when its jobs change
-- status, for the app's server-sent events (pages poll when this is unavailable).
create function public.generation_jobs_notify() returns trigger
language plpgsql as $$
declare
  b record;
begin
  for b in
    select distinct n.shop_id, n.batch_id
      from new_rows n join old_rows o on o.id = n.id
     where n.status is distinct from o.status and n.batch_id is not null
  loop
    perform pg_notify('atelier_jobs', json_build_object('shop_id', b.shop_id, 'batch_id', b.batch_id)::text);
  end loop;
  return null;
end
$$;
create trigger generation_jobs_notify after update on public.generation_jobs
  referencing new table as new_rows old table as old_rows
  for each statement execute function public.generation_jobs_notify();
