import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { adminAppUrl } from "~/lib/admin-url.server";
import { extensionRoute, methodNotAllowed } from "~/lib/extension-auth.server";
import { postedBody } from "~/lib/extension-http.server";
import { enqueueShoot } from "~/queues.server";
import { CreditsOwedError, InsufficientCreditsError } from "~/services/credits/errors.server";
import { createShootBody } from "~/services/extensions/inputs.server";
import { latestPhotos } from "~/services/extensions/quote.server";
import { resolveSelection, SelectionError } from "~/services/extensions/selection.server";
import { createShoot, ShootInputError } from "~/services/shoots/create.server";
import { listLooks } from "~/services/shoots/looks.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";
import type { CreateShootResponse } from "../../extensions/shared/contract";

// POST /api/extensions/shoots: the admin actions' "Create on-model photos". The same
// createShoot as the app's shoot page: validation, hourly limit and credit reservation
// in one transaction; the jobs are enqueued after it commits.
export const action = ({ request }: ActionFunctionArgs) =>
  extensionRoute(request, async ({ shop, json, fail }) => {
    const body = await postedBody(request, fail, createShootBody);
    if ("refused" in body) return body.refused;
    const { clientKey, productIds, ...choice } = body.data;
    try {
      const { options } = resolveSelection(await listLooks(prisma, shop.id), choice);
      // Named here so the merchant can import them; createShoot would only count them.
      const photos = await latestPhotos(prisma, shop.id, productIds);
      const missing = productIds.filter((id) => !photos.has(id));
      if (missing.length > 0) {
        return fail(400, {
          error: `${missing.length} of the chosen products ${missing.length === 1 ? "has" : "have"} no photo in Atelier yet; import their images first.`,
          code: "missing_photos",
          product_ids: missing,
        });
      }
      const shoot = await createShoot(prisma, shop.id, { clientKey, productIds, options, source: "extension" });
      // After commit; with Redis down the jobs stay pending and the sweeper enqueues them.
      if (!shoot.replayed) await enqueueShoot(shop.id, shoot.jobIds).catch(() => undefined);
      return json(
        {
          batch_id: shoot.batchId,
          job_ids: shoot.jobIds,
          cost_credits: shoot.costCredits,
          remaining_credits: shoot.remainingCredits,
          shoot_url: adminAppUrl(shop.domain, `/app/shoots/${shoot.batchId}`),
          replayed: shoot.replayed,
        } satisfies CreateShootResponse,
        { status: shoot.replayed ? 200 : 201 },
      );
    } catch (error) {
      if (error instanceof SelectionError) return fail(error.status, { error: error.message, code: error.code });
      if (error instanceof InsufficientCreditsError) {
        return fail(402, {
          error: `This shoot costs ${error.required} credits and your balance is ${error.balance}.`,
          code: "insufficient_credits",
          required: error.required,
          balance: error.balance,
        });
      }
      if (error instanceof CreditsOwedError) return fail(402, { error: error.message, code: "credits_owed" });
      if (error instanceof RateLimitedError) {
        const seconds = Math.max(1, Math.ceil((error.retryAt.getTime() - Date.now()) / 1000));
        return fail(429, { error: error.message, code: "rate_limited", retry_at: error.retryAt.toISOString() }, { "Retry-After": String(seconds) });
      }
      if (error instanceof ShootInputError) return fail(400, { error: error.message, code: "invalid_shoot" });
      throw error;
    }
  });

// Preflights reach a resource route's loader; anything else is the wrong method.
export const loader = ({ request }: LoaderFunctionArgs) => methodNotAllowed(request, "POST");
