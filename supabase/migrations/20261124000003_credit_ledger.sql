-- The credit ledger's invariants live in the database, so no code path (app, worker,
-- SQL console) can break them:
--   * credits_ledger is append-only;
--   * every row's balance_after is the previous balance_after plus its amount, so the
--     cached balance always equals the sum of the shop's ledger;
--   * the balance never goes negative (check constraint on credit_balances);
--   * a job is spent at most once and refunded at most once (unique indexes), and a
--     refund never exceeds the job's spend;
--   * a generation job cannot exist without its spend, posted before the job row.
-- public.credits_post is the one write path the application uses.

-- Every shop gets its balance row at creation; the balance starts at zero.
create function public.shops_create_balance() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into public.credit_balances (shop_id, balance) values (new.id, 0);
  return new;
end
$$;
create trigger shops_create_balance after insert on public.shops
  for each row execute function public.shops_create_balance();

-- credit_balances is a cache of the ledger: it can only start at zero, and can only
-- change to the balance_after of the shop's latest ledger row.
create function public.credit_balances_guard() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  latest integer;
begin
  if tg_op = 'DELETE' then
    raise exception 'credit_balances rows cannot be deleted' using errcode = 'P0001';
  end if;
  if tg_op = 'INSERT' then
    if new.balance <> 0 then
      raise exception 'a balance starts at zero; credit it through the ledger' using errcode = 'P0001';
    end if;
    return new;
  end if;
  if new.shop_id <> old.shop_id then
    raise exception 'credit_balances.shop_id cannot change' using errcode = 'P0001';
  end if;
  select balance_after into latest
    from public.credits_ledger where shop_id = new.shop_id order by seq desc limit 1;
  if new.balance <> coalesce(latest, 0) then
    raise exception 'balance % for shop % does not match its ledger (%)', new.balance, new.shop_id, coalesce(latest, 0)
      using errcode = 'P0001';
  end if;
  new.updated_at := now();
  return new;
end
$$;
create trigger credit_balances_guard before insert or update or delete on public.credit_balances
  for each row execute function public.credit_balances_guard();

create function public.credits_ledger_immutable() returns trigger
language plpgsql as $$
begin
  raise exception 'credits_ledger is append-only (% refused)', tg_op using errcode = 'P0001';
end
$$;
create trigger credits_ledger_no_update before update or delete on public.credits_ledger
  for each row execute function public.credits_ledger_immutable();
create trigger credits_ledger_no_truncate before truncate on public.credits_ledger
  for each statement execute function public.credits_ledger_immutable();

-- After each insert statement: move the cached balances and prove the chain.
create function public.credits_ledger_apply() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  bad record;
begin
  -- Lock the balances in a fixed order so concurrent writers never deadlock.
  perform 1 from public.credit_balances b
    where b.shop_id in (select distinct shop_id from new_rows)
    order by b.shop_id for update;

  select n.shop_id, n.seq into bad
    from (
      select r.shop_id, r.seq, r.balance_after,
             b.balance + sum(r.amount) over (partition by r.shop_id order by r.seq) as expected
        from new_rows r join public.credit_balances b on b.shop_id = r.shop_id
    ) n
   where n.balance_after <> n.expected
   limit 1;
  if found then
    raise exception 'ledger row % for shop % does not continue the balance chain', bad.seq, bad.shop_id
      using errcode = 'P0001';
  end if;

  select r.job_id into bad
    from new_rows r
    left join public.credits_ledger s
      on s.job_id = r.job_id and s.tx_type = 'spend' and s.shop_id = r.shop_id
   where r.tx_type = 'refund' and (s.id is null or r.amount > -s.amount)
   limit 1;
  if found then
    raise exception 'refund for job % exceeds its spend', bad.job_id using errcode = 'P0001';
  end if;

  update public.credit_balances b
     set balance = b.balance + d.delta
    from (select shop_id, sum(amount)::integer as delta from new_rows group by shop_id) d
   where b.shop_id = d.shop_id;
  return null;
end
$$;
create trigger credits_ledger_apply after insert on public.credits_ledger
  referencing new table as new_rows
  for each statement execute function public.credits_ledger_apply();

-- Reserve on create: a job row must already be paid for, by exactly its cost. The
-- check is immediate, not deferred to COMMIT: a failing COMMIT leaks the pooled
-- connection in Prisma's pg adapter, and charging first is the natural order anyway.
create function public.generation_jobs_require_spend() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if not exists (
    select 1 from public.credits_ledger l
     where l.job_id = new.id and l.tx_type = 'spend'
       and l.shop_id = new.shop_id and l.amount = -new.cost_credits
  ) then
    raise exception 'generation job % has no matching credit spend', new.id using errcode = 'P0001';
  end if;
  return null;
end
$$;
create trigger generation_jobs_require_spend after insert on public.generation_jobs
  for each row execute function public.generation_jobs_require_spend();

create function public.generation_jobs_fixed_cost() returns trigger
language plpgsql as $$
begin
  if new.cost_credits <> old.cost_credits or new.shop_id <> old.shop_id then
    raise exception 'a job''s shop and cost are fixed once paid' using errcode = 'P0001';
  end if;
  return new;
end
$$;
create trigger generation_jobs_fixed_cost before update on public.generation_jobs
  for each row execute function public.generation_jobs_fixed_cost();

-- Posts a list of ledger entries for one shop atomically.
-- p_entries: [{"key", "type", "amount", "job_id"?, "reference"?, "description"?}, ...]
-- Returns {"status": "ok" | "replayed" | "insufficient" | "conflict" | "no_shop" | "invalid", ...}.
-- Replaying the same keys with the same payload returns the first result; the same key
-- with another payload (or another shop) is a conflict. Either all entries post or none.
create function public.credits_post(p_shop_id uuid, p_entries jsonb) returns jsonb
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  v_balance integer;
  v_count integer;
  v_existing integer;
  v_matching integer;
  v_sum bigint;
  v_min bigint;
  v_conflict text;
  v_rows jsonb;
begin
  if p_entries is null or jsonb_typeof(p_entries) <> 'array' then
    return jsonb_build_object('status', 'invalid', 'message', 'entries must be a JSON array');
  end if;
  v_count := jsonb_array_length(p_entries);
  if v_count = 0 or v_count > 20000 then
    return jsonb_build_object('status', 'invalid', 'message', 'between 1 and 20000 entries per call');
  end if;

  create temporary table if not exists pg_temp.credits_post_input (
    ord integer, key text, tx_type public.credit_tx_type, amount integer,
    job_id uuid, reference text, description text
  ) on commit drop;
  truncate pg_temp.credits_post_input;

  begin
    insert into pg_temp.credits_post_input
    select e.ord::integer, e.key, e.type::public.credit_tx_type, e.amount, e.job_id, e.reference, e.description
      from rows from (jsonb_to_recordset(p_entries)
             as (key text, type text, amount integer, job_id uuid, reference text, description text))
           with ordinality as e(key, type, amount, job_id, reference, description, ord);
  exception when data_exception then
    return jsonb_build_object('status', 'invalid', 'message', sqlerrm);
  end;

  if exists (select 1 from pg_temp.credits_post_input
              where key is null or key = '' or tx_type is null or amount is null or amount = 0) then
    return jsonb_build_object('status', 'invalid', 'message', 'every entry needs key, type and a non-zero amount');
  end if;
  if exists (select 1 from pg_temp.credits_post_input
              where (tx_type = 'spend' and amount > 0)
                 or (tx_type in ('purchase', 'bonus', 'refund') and amount < 0)
                 or (tx_type in ('spend', 'refund') and job_id is null)
                 or char_length(key) > 200 or char_length(reference) > 200
                 or char_length(description) > 500) then
    return jsonb_build_object('status', 'invalid', 'message',
      'spends are negative, purchases, bonuses and refunds positive; spends and refunds name a job; keys and references at most 200 characters');
  end if;
  if (select count(distinct key) from pg_temp.credits_post_input) <> v_count then
    return jsonb_build_object('status', 'invalid', 'message', 'duplicate keys within one call');
  end if;

  -- Serialises writers per shop; replays below see whatever committed before us.
  select balance into v_balance from public.credit_balances where shop_id = p_shop_id for update;
  if not found then
    return jsonb_build_object('status', 'no_shop');
  end if;

  select count(l.id),
         count(l.id) filter (where l.shop_id = p_shop_id and l.tx_type = i.tx_type and l.amount = i.amount
                               and l.job_id is not distinct from i.job_id
                               and l.reference is not distinct from i.reference),
         min(i.key) filter (where l.id is not null and not (l.shop_id = p_shop_id and l.tx_type = i.tx_type
                               and l.amount = i.amount and l.job_id is not distinct from i.job_id
                               and l.reference is not distinct from i.reference))
    into v_existing, v_matching, v_conflict
    from pg_temp.credits_post_input i
    left join public.credits_ledger l on l.idempotency_key = i.key;

  if v_existing > 0 then
    if v_conflict is not null then
      return jsonb_build_object('status', 'conflict', 'key', v_conflict);
    end if;
    if v_existing < v_count then
      return jsonb_build_object('status', 'conflict', 'key',
        (select min(i.key) from pg_temp.credits_post_input i
          where exists (select 1 from public.credits_ledger l where l.idempotency_key = i.key)),
        'message', 'some keys of this call were already posted in another call');
    end if;
    select jsonb_agg(jsonb_build_object(
             'id', l.id, 'seq', l.seq, 'key', l.idempotency_key, 'type', l.tx_type, 'amount', l.amount,
             'balance_after', l.balance_after, 'job_id', l.job_id, 'created_at', l.created_at) order by i.ord)
      into v_rows
      from pg_temp.credits_post_input i join public.credits_ledger l on l.idempotency_key = i.key;
    return jsonb_build_object('status', 'replayed', 'balance', v_balance, 'entries', v_rows);
  end if;

  -- The unique indexes and the apply trigger enforce these too; checking first turns
  -- them into answers instead of errors.
  select d.job_id into v_conflict
    from (select job_id, tx_type, count(*) over (partition by job_id, tx_type) as n
            from pg_temp.credits_post_input where tx_type in ('spend', 'refund')) d
   where d.n > 1
      or exists (select 1 from public.credits_ledger l where l.job_id = d.job_id and l.tx_type = d.tx_type)
   limit 1;
  if found then
    return jsonb_build_object('status', 'duplicate_job', 'job_id', v_conflict);
  end if;
  select i.job_id into v_conflict
    from pg_temp.credits_post_input i
    left join lateral (
      select amount from public.credits_ledger l
       where l.job_id = i.job_id and l.tx_type = 'spend' and l.shop_id = p_shop_id
      union all
      select amount from pg_temp.credits_post_input j
       where i.tx_type = 'refund' and j.job_id = i.job_id and j.tx_type = 'spend' and j.ord < i.ord
    ) s on i.tx_type = 'refund'
   where i.tx_type = 'refund' and (s.amount is null or i.amount > -s.amount)
   limit 1;
  if found then
    return jsonb_build_object('status', 'invalid', 'job_id', v_conflict,
      'message', 'a refund needs the job''s spend in this shop and cannot exceed it');
  end if;

  select sum(amount), min(running) into v_sum, v_min
    from (select amount, sum(amount) over (order by ord) as running from pg_temp.credits_post_input) s;
  if v_balance + v_min < 0 then
    return jsonb_build_object('status', 'insufficient', 'balance', v_balance, 'required', -v_min);
  end if;
  if v_balance + v_sum > 2147483647 then
    return jsonb_build_object('status', 'invalid', 'message', 'balance would overflow');
  end if;

  with inserted as (
    insert into public.credits_ledger
      (shop_id, tx_type, amount, balance_after, job_id, reference, idempotency_key, description)
    select p_shop_id, i.tx_type, i.amount,
           v_balance + sum(i.amount) over (order by i.ord),
           i.job_id, i.reference, i.key, i.description
      from pg_temp.credits_post_input i
     order by i.ord
    returning id, seq, idempotency_key, tx_type, amount, balance_after, job_id, created_at
  )
  select jsonb_agg(jsonb_build_object(
           'id', id, 'seq', seq, 'key', idempotency_key, 'type', tx_type, 'amount', amount,
           'balance_after', balance_after, 'job_id', job_id, 'created_at', created_at) order by seq)
    into v_rows from inserted;

  return jsonb_build_object('status', 'ok', 'balance', v_balance + v_sum, 'entries', v_rows);
end
$$;

revoke all on function public.credits_post(uuid, jsonb) from public;
revoke all on function public.shops_create_balance() from public;
revoke all on function public.credit_balances_guard() from public;
revoke all on function public.credits_ledger_apply() from public;
revoke all on function public.generation_jobs_require_spend() from public;

-- Shops whose cached balance differs from their ledger sum: always empty.
create view public.ledger_discrepancies with (security_invoker = true) as
select b.shop_id, b.balance, coalesce(s.total, 0) as ledger_total
  from public.credit_balances b
  left join (select shop_id, sum(amount)::bigint as total from public.credits_ledger group by shop_id) s
    on s.shop_id = b.shop_id
 where b.balance <> coalesce(s.total, 0);
revoke all on public.ledger_discrepancies from public;
