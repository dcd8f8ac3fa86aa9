-- credits_post, faster under contention, with the same behaviour:
-- * its input was staged in a temporary table created and dropped in every transaction
--   (~9 ms of catalog writes per call); it now lives in a typed array;
-- * replays, duplicate job charges and unbacked refunds are append-only facts, so they
--   are checked before the shop's balance lock, which now covers only the balance and
--   the insert. A concurrent first use of the same key or job loses at the unique
--   indexes (23505) and the caller's retry answers replay or conflict.
create type public.credits_post_entry as (
  ord integer, key text, tx_type public.credit_tx_type, amount integer,
  job_id uuid, reference text, description text
);

create or replace function public.credits_post(p_shop_id uuid, p_entries jsonb) returns jsonb
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
  v_in public.credits_post_entry[];
begin
  if p_entries is null or jsonb_typeof(p_entries) <> 'array' then
    return jsonb_build_object('status', 'invalid', 'message', 'entries must be a JSON array');
  end if;
  v_count := jsonb_array_length(p_entries);
  if v_count = 0 or v_count > 20000 then
    return jsonb_build_object('status', 'invalid', 'message', 'between 1 and 20000 entries per call');
  end if;

  begin
    v_in := array(
      select row(e.ord::integer, e.key, e.type::public.credit_tx_type, e.amount, e.job_id, e.reference, e.description)::public.credits_post_entry
        from rows from (jsonb_to_recordset(p_entries)
               as (key text, type text, amount integer, job_id uuid, reference text, description text))
             with ordinality as e(key, type, amount, job_id, reference, description, ord)
       order by e.ord);
  exception when data_exception then
    return jsonb_build_object('status', 'invalid', 'message', sqlerrm);
  end;

  if exists (select 1 from unnest(v_in)
              where key is null or key = '' or tx_type is null or amount is null or amount = 0) then
    return jsonb_build_object('status', 'invalid', 'message', 'every entry needs key, type and a non-zero amount');
  end if;
  if exists (select 1 from unnest(v_in)
              where (tx_type = 'spend' and amount > 0)
                 or (tx_type in ('purchase', 'bonus', 'refund') and amount < 0)
                 or (tx_type in ('spend', 'refund') and job_id is null)
                 or char_length(key) > 200 or char_length(reference) > 200
                 or char_length(description) > 500) then
    return jsonb_build_object('status', 'invalid', 'message',
      'spends are negative, purchases, bonuses and refunds positive; spends and refunds name a job; keys and references at most 200 characters');
  end if;
  if (select count(distinct key) from unnest(v_in)) <> v_count then
    return jsonb_build_object('status', 'invalid', 'message', 'duplicate keys within one call');
  end if;

  -- Before the lock: keys, spends and refunds are append-only, so what is checked here
  -- stays true; the lock is held only for the balance and the insert. A concurrent
  -- first use of the same key or job loses at the unique indexes (23505), and its
  -- caller's retry answers replay or conflict.
  select count(*) into v_existing
    from unnest(v_in) i join public.credits_ledger l on l.idempotency_key = i.key;
  if v_existing = 0 then
    -- The unique indexes and the apply trigger enforce these too; checking first turns
    -- them into answers instead of errors.
    select d.job_id into v_conflict
      from (select job_id, tx_type, count(*) over (partition by job_id, tx_type) as n
              from unnest(v_in) where tx_type in ('spend', 'refund')) d
     where d.n > 1
        or exists (select 1 from public.credits_ledger l where l.job_id = d.job_id and l.tx_type = d.tx_type)
     limit 1;
    if found then
      return jsonb_build_object('status', 'duplicate_job', 'job_id', v_conflict);
    end if;
    select i.job_id into v_conflict
      from unnest(v_in) i
      left join lateral (
        select amount from public.credits_ledger l
         where l.job_id = i.job_id and l.tx_type = 'spend' and l.shop_id = p_shop_id
        union all
        select amount from unnest(v_in) j
         where i.tx_type = 'refund' and j.job_id = i.job_id and j.tx_type = 'spend' and j.ord < i.ord
      ) s on i.tx_type = 'refund'
     where i.tx_type = 'refund' and (s.amount is null or i.amount > -s.amount)
     limit 1;
    if found then
      return jsonb_build_object('status', 'invalid', 'job_id', v_conflict,
        'message', 'a refund needs the job''s spend in this shop and cannot exceed it');
    end if;
  end if;

  -- Serialises writers per shop; replays below see whatever committed before us.
  select balance into v_balance from public.credit_balances where shop_id = p_shop_id for update;
  if not found then
    return jsonb_build_object('status', 'no_shop');
  end if;

  if v_existing > 0 then
    select count(l.id),
           count(l.id) filter (where l.shop_id = p_shop_id and l.tx_type = i.tx_type and l.amount = i.amount
                                 and l.job_id is not distinct from i.job_id
                                 and l.reference is not distinct from i.reference),
           min(i.key) filter (where l.id is not null and not (l.shop_id = p_shop_id and l.tx_type = i.tx_type
                                 and l.amount = i.amount and l.job_id is not distinct from i.job_id
                                 and l.reference is not distinct from i.reference))
      into v_existing, v_matching, v_conflict
      from unnest(v_in) i
      left join public.credits_ledger l on l.idempotency_key = i.key;

    if v_existing > 0 then
      if v_conflict is not null then
        return jsonb_build_object('status', 'conflict', 'key', v_conflict);
      end if;
      if v_existing < v_count then
        return jsonb_build_object('status', 'conflict', 'key',
          (select min(i.key) from unnest(v_in) i
            where exists (select 1 from public.credits_ledger l where l.idempotency_key = i.key)),
          'message', 'some keys of this call were already posted in another call');
      end if;
      select jsonb_agg(jsonb_build_object(
               'id', l.id, 'seq', l.seq, 'key', l.idempotency_key, 'type', l.tx_type, 'amount', l.amount,
               'balance_after', l.balance_after, 'job_id', l.job_id, 'created_at', l.created_at) order by i.ord)
        into v_rows
        from unnest(v_in) i join public.credits_ledger l on l.idempotency_key = i.key;
      return jsonb_build_object('status', 'replayed', 'balance', v_balance, 'entries', v_rows);
    end if;
  end if;

  select sum(amount), min(running) into v_sum, v_min
    from (select amount, sum(amount) over (order by ord) as running from unnest(v_in)) s;
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
      from unnest(v_in) i
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

-- credit_balances_guard reads a shop's latest row by seq on every balance change;
-- without this index that read sorted the shop's whole ledger.
create index credits_ledger_shop_seq_idx on public.credits_ledger (shop_id, seq desc);
