import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { adminAppUrl } from "~/lib/admin-url.server";
import { extensionRoute } from "~/lib/extension-auth.server";
import { signedUrlOrNull } from "~/lib/signed-url.server";
import { issuesMessage, quoteQueryFrom } from "~/services/extensions/inputs.server";
import { presetCatalog, shootQuote } from "~/services/extensions/quote.server";
import { SelectionError } from "~/services/extensions/selection.server";
import type { QuoteResponse } from "../../extensions/shared/contract";

/** Thumbnails are signed for the first products only: each signature can be a storage API call. */
const THUMBNAILS = 24;
const THUMBNAIL_SECONDS = 600;

// GET /api/extensions/shoot-quote: what the admin actions show before a shoot starts.
export const loader = ({ request }: LoaderFunctionArgs) =>
  extensionRoute(request, async ({ shop, json, fail }) => {
    const query = quoteQueryFrom(new URL(request.url).searchParams);
    if (!query.success) return fail(400, { error: issuesMessage(query.error), code: "invalid_request" });
    let quote;
    try {
      quote = await shootQuote(prisma, shop.id, query.data);
    } catch (error) {
      if (error instanceof SelectionError) return fail(error.status, { error: error.message, code: error.code });
      throw error;
    }
    const products = await Promise.all(
      quote.products.map(async (p, i) => ({
        id: p.id,
        has_photo: p.photo !== null,
        photo_url: p.photo && i < THUMBNAILS ? await signedUrlOrNull(p.photo.bucket as "uploads", p.photo.path, THUMBNAIL_SECONDS) : null,
      })),
    );
    return json({
      products,
      missing_product_ids: quote.missingProductIds,
      looks: quote.looks,
      presets: presetCatalog(),
      selection: { look_id: quote.selection.lookId, options: quote.selection.options },
      price: { images: quote.price.images, per_image: quote.price.perImage, total: quote.price.total },
      balance: quote.balance,
      balance_after: quote.balanceAfter,
      affordable: quote.affordable,
      can_shoot: quote.affordable && quote.missingProductIds.length === 0,
      credits_url: adminAppUrl(shop.domain, "/app/credits"),
    } satisfies QuoteResponse);
  });
