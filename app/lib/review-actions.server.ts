import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { credits, isOnProduct, isPublishable, passedCheck, photos, type ReviewActionResult } from "~/lib/review-photo";
import { photoState } from "~/lib/review-view.server";
import { enqueuePublish, enqueueShoot } from "~/queues.server";
import { CreditsOwedError, InsufficientCreditsError } from "~/services/credits/errors.server";
import { requestPublish, requestUnpublish, rollbackShoot } from "~/services/publish/requests.server";
import { reviewItems, ReviewError, setAltText, setReviewState, type ReviewScope } from "~/services/review/review.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";
import { regenerate, RegenerateError } from "~/services/shoots/regenerate.server";

/** Enough for any shoot a merchant selects by hand; keeps one request's work bounded. */
export const MAX_IDS = 500;

const ids = z
  .array(z.uuid({ error: "Photo not found." }))
  .min(1, "Select photos first.")
  .max(MAX_IDS, `Choose at most ${MAX_IDS} photos at a time.`)
  .transform((list) => [...new Set(list)]);
const jobId = z.uuid({ error: "Photo not found." });

const reviewForm = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("approve"), ids }),
    z.object({ intent: z.literal("reject"), ids }),
    z.object({ intent: z.literal("approve-passed") }),
    // The text itself is checked by the review service, which owns its limits.
    z.object({ intent: z.literal("alt"), jobId, alt: z.string({ error: "Alt text can't be empty" }) }),
    z.object({ intent: z.literal("regenerate"), jobId }),
    z.object({
      intent: z.literal("publish"),
      position: z.enum(["append", "featured"], { error: "Choose where the photos go." }),
      attachVariants: z.stringbool().default(false),
    }),
    z.object({ intent: z.literal("unpublish"), ids }),
    z.object({ intent: z.literal("rollback") }),
  ],
  { error: "Unknown action" },
);
type ReviewForm = z.infer<typeof reviewForm>;

type Outcome = ReviewActionResult | Response;

export function fail(status: 400 | 404, error: string, field?: { jobId: string; message: string }): Response {
  return Response.json({ ok: false, error, ...(field ? { field } : {}) } satisfies ReviewActionResult, { status });
}

function done(message: string): ReviewActionResult {
  return { ok: true, message };
}

function formValues(form: FormData): Record<string, unknown> {
  const values: Record<string, unknown> = Object.fromEntries([...form.keys()].map((key) => [key, form.get(key)]));
  values.ids = form.getAll("ids");
  return values;
}

type Item = Awaited<ReturnType<typeof reviewItems>>[number];

/**
 * The review actions shared by the shoot page and the product page. Every id must be
 * one of the scope's photos for the shop of the session; any other id (another shop's
 * included) fails the whole request with 404 before anything changes.
 */
export async function reviewAction(db: PrismaClient, shopId: string, scope: ReviewScope, form: FormData): Promise<Outcome> {
  const parsed = reviewForm.safeParse(formValues(form));
  if (!parsed.success) return fail(400, parsed.error.issues[0]?.message ?? "Unknown action");
  const input = parsed.data;
  if (input.intent === "rollback" && !scope.batchId) return fail(400, "Unknown action");
  const items = await reviewItems(db, shopId, scope);
  const byId = new Map(items.map((i) => [i.id, i]));
  const wanted = "ids" in input ? input.ids : "jobId" in input ? [input.jobId] : [];
  if (wanted.some((id) => !byId.has(id))) return fail(404, wanted.length > 1 ? "Some of those photos were not found." : "Photo not found.");
  const picked = wanted.map((id) => byId.get(id)!);
  return dispatch(db, shopId, scope, input, items, picked);
}

async function dispatch(db: PrismaClient, shopId: string, scope: ReviewScope, input: ReviewForm, items: Item[], picked: Item[]): Promise<Outcome> {
  switch (input.intent) {
    case "approve":
    case "approve-passed": {
      const targets = input.intent === "approve" ? picked.filter((i) => i.reviewStatus !== null) : items.filter((i) => passedCheck(photoState(i)));
      if (targets.length === 0) {
        return fail(400, input.intent === "approve" ? "Only finished photos can be approved." : "No new photos passed the garment check.");
      }
      const changed = await setReviewState(db, shopId, targets.map((i) => i.id), "approved");
      return done(`${photos(changed)} approved`);
    }
    case "reject": {
      const finished = picked.filter((i) => i.reviewStatus !== null);
      const targets = finished.filter((i) => !isOnProduct(photoState(i)));
      if (finished.length === 0) return fail(400, "Only finished photos can be rejected.");
      if (targets.length === 0) return fail(400, "Unpublish photos before rejecting them.");
      const changed = await setReviewState(db, shopId, targets.map((i) => i.id), "rejected");
      const kept = finished.length - targets.length;
      return done(`${photos(changed)} rejected${kept ? `; ${photos(kept)} on your products kept (unpublish them first)` : ""}`);
    }
    case "alt":
      try {
        await setAltText(db, shopId, input.jobId, input.alt);
        return done("Alt text saved");
      } catch (error) {
        if (error instanceof ReviewError) return fail(400, error.message, { jobId: input.jobId, message: error.message });
        throw error;
      }
    case "regenerate":
      try {
        const next = await regenerate(db, shopId, input.jobId);
        await enqueueShoot(shopId, [next.jobId]).catch(() => false);
        return done(next.costCredits ? `Regenerating for ${credits(next.costCredits)}` : "Regenerating free");
      } catch (error) {
        if (error instanceof RegenerateError || error instanceof InsufficientCreditsError || error instanceof CreditsOwedError || error instanceof RateLimitedError) return fail(400, error.message);
        throw error;
      }
    case "publish": {
      const targets = items.filter((i) => i.productId && isPublishable(photoState(i)));
      if (targets.length === 0) return fail(400, "Approve photos before publishing them.");
      const publications = await requestPublish(db, shopId, targets.map((i) => i.id), { position: input.position, attachVariants: input.attachVariants });
      if (publications.length === 0) return fail(400, "Approve photos before publishing them.");
      await queue(shopId, publications);
      return done(`${photos(publications.length)} queued for publishing`);
    }
    case "unpublish": {
      const live = picked.flatMap((i) => (i.publication && !i.publication.unpublishRequestedAt ? [i.publication.id] : []));
      if (live.length === 0) return fail(400, "Those photos are not on your products.");
      const publications = await requestUnpublish(db, shopId, live);
      await queue(shopId, publications);
      return done(`${photos(publications.length)} queued to come off your products`);
    }
    case "rollback": {
      const publications = await rollbackShoot(db, shopId, scope.batchId!);
      if (publications.length === 0) return fail(400, "Nothing from this shoot is on your products.");
      await queue(shopId, publications);
      return done(`Rolling back: ${photos(publications.length)} queued to come off your products`);
    }
  }
}

// With Redis down the publications wait in the database for the sweeper: still queued.
async function queue(shopId: string, publicationIds: string[]): Promise<void> {
  await enqueuePublish(shopId, publicationIds).catch(() => false);
}
