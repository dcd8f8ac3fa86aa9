-- Storage buckets and their policies. Only Supabase has the storage schema; on plain
-- PostgreSQL (local development, CI) the app stores files on disk and this migration
-- does nothing, which is why everything here is dynamic SQL behind a check.
--
-- Keys are `{shop_id}/{file}` in uploads and `{shop_id}/{job_id}/{file}` in outputs,
-- so the first folder of a key names its shop. The app server uses the service role
-- and bypasses these policies; they bound what a client holding a Supabase JWT with a
-- shop_id claim can do: read and write its shop's uploads, read its shop's outputs
-- (only the worker writes those).

do $$
begin
  if to_regclass('storage.buckets') is null
     or to_regclass('storage.objects') is null
     or to_regprocedure('storage.foldername(text)') is null then
    raise notice 'no storage schema: buckets and storage policies skipped';
    return;
  end if;

  -- Limits as in supabase/config.toml; the migration wins over earlier settings.
  execute $sql$
    insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
    values
      ('uploads', 'uploads', false, 10485760, array['image/jpeg', 'image/png', 'image/webp', 'image/gif']),
      ('outputs', 'outputs', false, 52428800, array['image/*', 'video/mp4', 'video/webm'])
    on conflict (id) do update
      set public = excluded.public,
          file_size_limit = excluded.file_size_limit,
          allowed_mime_types = excluded.allowed_mime_types
  $sql$;

  execute 'drop policy if exists atelier_uploads_select_own on storage.objects';
  execute $sql$
    create policy atelier_uploads_select_own on storage.objects for select to authenticated
      using (bucket_id = 'uploads' and (storage.foldername(name))[1] = public.current_shop_id()::text)
  $sql$;

  execute 'drop policy if exists atelier_uploads_insert_own on storage.objects';
  execute $sql$
    create policy atelier_uploads_insert_own on storage.objects for insert to authenticated
      with check (bucket_id = 'uploads' and (storage.foldername(name))[1] = public.current_shop_id()::text)
  $sql$;

  -- The new key must stay in the shop too, or an update could move an object out of it.
  execute 'drop policy if exists atelier_uploads_update_own on storage.objects';
  execute $sql$
    create policy atelier_uploads_update_own on storage.objects for update to authenticated
      using (bucket_id = 'uploads' and (storage.foldername(name))[1] = public.current_shop_id()::text)
      with check (bucket_id = 'uploads' and (storage.foldername(name))[1] = public.current_shop_id()::text)
  $sql$;

  execute 'drop policy if exists atelier_uploads_delete_own on storage.objects';
  execute $sql$
    create policy atelier_uploads_delete_own on storage.objects for delete to authenticated
      using (bucket_id = 'uploads' and (storage.foldername(name))[1] = public.current_shop_id()::text)
  $sql$;

  execute 'drop policy if exists atelier_outputs_select_own on storage.objects';
  execute $sql$
    create policy atelier_outputs_select_own on storage.objects for select to authenticated
      using (bucket_id = 'outputs' and (storage.foldername(name))[1] = public.current_shop_id()::text)
  $sql$;
end
$$;
