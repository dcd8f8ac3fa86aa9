-- External providers: a job is submitted, then checked until done. submitted_at marks
-- the jobs holding one of a provider's concurrency slots; the fidelity gate's verdict
-- lives on the job; a free regeneration points at the job that replaced it.

alter table public.generation_jobs
  add column submitted_at timestamptz,
  add column needs_review boolean not null default false,
  add column review_reason text check (char_length(review_reason) <= 500),
  add column fidelity jsonb,
  add column regenerated_as uuid references public.generation_jobs (id) on delete set null;

-- Counting a provider's jobs in flight before each submit.
create index generation_jobs_in_flight_idx on public.generation_jobs (provider)
  where status = 'processing' and submitted_at is not null;
