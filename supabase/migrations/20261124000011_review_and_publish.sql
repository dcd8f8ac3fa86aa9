-- Review and publish. A merchant's verdict on each photo lives on its job; a
-- publication is one output pushed to one product, reconciled by the publish worker
-- against Shopify until it matches what the merchant asked for (published, or taken
-- back), whatever crashed in between.

alter table public.generation_jobs
  add column review_state text not null default 'new' check (review_state in ('new', 'approved', 'rejected')),
  add column reviewed_at timestamptz,
  add column alt_text text check (char_length(alt_text) <= 512);

alter table public.publications
  -- Attach the photo to the variants of its colour.
  add column attach_variants boolean not null default false,
  -- The staged upload's file name; Shopify keeps it in the media's URL, which is how a
  -- retry recognises a copy it already attached before crashing.
  add column filename text check (char_length(filename) <= 200),
  -- The product's media ids, in order, before the first upload: what is not ours.
  add column media_before jsonb check (media_before is null or jsonb_typeof(media_before) = 'array'),
  -- {variant id: media id or null} for the variants this publication attached to,
  -- recorded before attaching so taking it back restores each variant's own image.
  add column variant_media_before jsonb check (variant_media_before is null or jsonb_typeof(variant_media_before) = 'object'),
  -- When the file reached the product; a photo Shopify never finishes processing fails after a while.
  add column uploaded_at timestamptz,
  add column error_code text check (char_length(error_code) <= 100),
  -- The merchant asked to take it back; the worker removes it once it holds the lease.
  add column unpublish_requested_at timestamptz,
  -- One worker at a time works on a publication; an expired lease is a crashed worker's.
  add column lease_until timestamptz;

-- A shoot's publications (rollback, status on the shoot page) are found through its jobs.
create index publications_job_idx on public.publications (job_id);
create index generation_jobs_batch_review_idx on public.generation_jobs (batch_id, review_state);
