import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { extensionRoute, methodNotAllowed } from "~/lib/extension-auth.server";
import { postedBody } from "~/lib/extension-http.server";
import { enqueueImport } from "~/queues.server";
import { createImportRun, ImportInputError } from "~/services/catalog/import.server";
import { importBody } from "~/services/extensions/inputs.server";
import type { ImportResponse } from "../../extensions/shared/contract";

// POST /api/extensions/imports: imports the chosen products' photos from Shopify so
// they can be shot. The photos are read with this shop's session, so an id that is not
// the shop's product imports nothing.
export const action = ({ request }: ActionFunctionArgs) =>
  extensionRoute(request, async ({ shop, json, fail }) => {
    const body = await postedBody(request, fail, importBody);
    if ("refused" in body) return body.refused;
    try {
      const run = await createImportRun(prisma, shop.id, { productIds: body.data.productIds });
      await enqueueImport(shop.id, run.id);
      return json({ import_run_id: run.id, products: run.productsTotal ?? body.data.productIds.length } satisfies ImportResponse, { status: 202 });
    } catch (error) {
      if (error instanceof ImportInputError) return fail(400, { error: error.message, code: "invalid_import" });
      throw error;
    }
  });

// Preflights reach a resource route's loader; a GET is the wrong method.
export const loader = ({ request }: LoaderFunctionArgs) => methodNotAllowed(request, "POST");
