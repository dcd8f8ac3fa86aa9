import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useFetcher, useLoaderData, useNavigate, useNavigation, useRevalidator } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Layout, Page, Select, Tag, Text, TextField, Thumbnail } from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import { randomUUID } from "node:crypto";
import { useEffect, useState } from "react";
import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { ASPECT_RATIOS, GENERATION_TYPES, MAX_PROMPT_LENGTH, MAX_VARIATIONS, MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS, shootPrice } from "~/lib/presets";
import { requireShop } from "~/lib/shop-context.server";
import { signedUrlOrNull } from "~/lib/signed-url.server";
import { enqueueImport, enqueueShoot } from "~/queues.server";
import { collectionProducts, CollectionProductsError, MAX_COLLECTIONS } from "~/services/catalog/collection-products.server";
import { fetchPolicyOf, shopifyDownload } from "~/services/catalog/import-deps.server";
import { createImportRun, ImportInputError } from "~/services/catalog/import.server";
import { CreditsOwedError, InsufficientCreditsError } from "~/services/credits/errors.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot, MAX_SHOOT_PRODUCTS, ShootInputError } from "~/services/shoots/create.server";
import { listLooks, LookInputError, saveLook } from "~/services/shoots/looks.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";

/** `?products=1,2&collections=3` (numeric ids) as GIDs, without duplicates. */
function gidsParam(params: URLSearchParams, name: string, type: "Product" | "Collection", max: number): string[] {
  const ids = (params.get(name) ?? "").split(",").filter((id) => /^\d{1,20}$/.test(id));
  return [...new Set(ids)].slice(0, max).map((id) => `gid://shopify/${type}/${id}`);
}

const numericId = (gid: string) => gid.split("/").pop() ?? "";

/** The new-shoot page for a selection: products picked one by one, and whole collections. */
function shootUrl(productIds: string[], collectionIds: string[]): string {
  const params = [
    ["products", productIds],
    ["collections", collectionIds],
  ] as const;
  const query = params
    .map(([name, ids]) => [name, [...new Set(ids.map(numericId))].filter(Boolean)] as const)
    .filter(([, ids]) => ids.length > 0)
    .map(([name, ids]) => `${name}=${ids.join(",")}`)
    .join("&");
  return `/app/shoots/new${query ? `?${query}` : ""}`;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, graphql } = await requireShop(request);
  const params = new URL(request.url).searchParams;
  const pickedProductIds = gidsParam(params, "products", "Product", MAX_SHOOT_PRODUCTS);
  const collectionIds = gidsParam(params, "collections", "Collection", MAX_COLLECTIONS);
  // Collections are resolved to their products in Shopify, with this shop's session;
  // the shoot takes the union with the products picked one by one.
  let ids = pickedProductIds;
  let collections: { id: string; title: string; count: number }[] = [];
  let collectionError: { message: string; collectionId: string | null } | null = null;
  if (collectionIds.length > 0) {
    try {
      const bulk = { download: shopifyDownload(fetchPolicyOf(appEnv())) };
      const resolved = await collectionProducts(graphql, collectionIds, { include: pickedProductIds, bulk });
      ids = resolved.productIds;
      collections = resolved.collections.map((c) => ({ id: c.id, title: c.title, count: c.productIds.length }));
    } catch (error) {
      // A redirect to reauthorize the shop, not an error to show.
      if (error instanceof Response) throw error;
      collectionError =
        error instanceof CollectionProductsError
          ? { message: error.message, collectionId: error.code === "unknown_collection" ? error.collectionId : null }
          : { message: `Shopify did not return the collections' products: ${error instanceof Error ? error.message : String(error)}`, collectionId: null };
    }
  }
  const assets = await prisma.asset.findMany({
    where: { shopId: shop.id, productId: { in: ids }, kind: "upload", status: "active" },
    orderBy: { createdAt: "desc" },
    select: { productId: true, bucket: true, path: true },
  });
  const firstPhoto = new Map<string, { bucket: string; path: string }>();
  for (const a of assets) if (a.productId && !firstPhoto.has(a.productId)) firstPhoto.set(a.productId, a);
  const preview = await Promise.all(
    ids.slice(0, 24).map(async (id) => {
      const a = firstPhoto.get(id);
      return { id, url: a ? await signedUrlOrNull(a.bucket as "uploads", a.path) : null };
    }),
  );
  return {
    productIds: ids,
    pickedProductIds,
    collectionIds,
    collections,
    collectionError,
    withoutPhoto: ids.filter((id) => !firstPhoto.has(id)).length,
    missingProductIds: ids.filter((id) => !firstPhoto.has(id)),
    preview,
    balance: await getBalance(prisma, shop.id),
    looks: await listLooks(prisma, shop.id),
    clientKey: randomUUID(),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await request.formData();
  const options = {
    modelPreset: form.get("modelPreset"),
    posePreset: form.get("posePreset"),
    scenePreset: form.get("scenePreset"),
    generationType: form.get("generationType"),
    aspectRatio: form.get("aspectRatio"),
    variations: form.get("variations"),
    prompt: form.get("prompt") ?? undefined,
  };
  if (form.get("intent") === "import-missing") {
    // The products' photos come from Shopify with this shop's session: an id that is not
    // the shop's product fails in the import, never reaches another shop.
    try {
      const run = await createImportRun(prisma, shop.id, { productIds: String(form.get("productIds") ?? "").split(",").filter(Boolean) });
      await enqueueImport(shop.id, run.id);
      return Response.json({ importing: run.productsTotal ?? 0, error: null });
    } catch (error) {
      if (error instanceof ImportInputError) return Response.json({ error: error.message, code: "invalid_import" }, { status: 400 });
      throw error;
    }
  }
  if (form.get("intent") === "save-look") {
    try {
      const look = await saveLook(prisma, shop.id, { name: form.get("lookName"), options });
      return Response.json({ savedLook: look.name, error: null });
    } catch (error) {
      if (error instanceof LookInputError) return Response.json({ error: error.message, code: "invalid_look" }, { status: 400 });
      throw error;
    }
  }
  const input = {
    clientKey: String(form.get("clientKey") ?? ""),
    productIds: String(form.get("productIds") ?? "").split(",").filter(Boolean),
    options,
  };
  try {
    const shoot = await createShoot(prisma, shop.id, input as Parameters<typeof createShoot>[2]);
    // After commit; if Redis is down the jobs stay pending and the sweeper enqueues them.
    await enqueueShoot(shop.id, shoot.jobIds).catch(() => undefined);
    throw redirect(`/app/shoots/${shoot.batchId}`);
  } catch (error) {
    if (error instanceof Response) throw error;
    if (error instanceof InsufficientCreditsError) {
      return Response.json({ error: `This shoot costs ${error.required} credits and your balance is ${error.balance}.`, code: error.code }, { status: 402 });
    }
    if (error instanceof CreditsOwedError) return Response.json({ error: error.message, code: error.code }, { status: 402 });
    if (error instanceof RateLimitedError || error instanceof ShootInputError) {
      return Response.json({ error: error.message, code: error.code }, { status: error instanceof RateLimitedError ? 429 : 400 });
    }
    throw error;
  }
};

/** Products without a photo in Atelier block the shoot; one click imports their photos. */
function MissingPhotos({ productIds, leaveOut }: { productIds: string[]; leaveOut?: () => void }) {
  const importer = useFetcher<{ importing?: number; error: string | null }>();
  const revalidator = useRevalidator();
  const importing = importer.data?.importing ?? 0;
  useEffect(() => {
    if (!importing) return;
    // The page leaves this state by itself once the photos are in.
    const poll = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 3000);
    const stop = setTimeout(() => clearInterval(poll), 5 * 60_000);
    return () => {
      clearInterval(poll);
      clearTimeout(stop);
    };
  }, [importing, revalidator]);
  return (
    <Banner tone="warning" title="Some products have no photo in Atelier">
      <BlockStack gap="200">
        <p id="missing-photos">
          {importing
            ? `Importing photos from Shopify: ${productIds.length} of the chosen products still have none. This page updates as they arrive; products with no images in Shopify stay here.`
            : `${productIds.length} of the chosen products need their images imported before they can be shot.`}
        </p>
        {importer.data?.error && <p>{importer.data.error}</p>}
        <InlineStack gap="200">
          {!importing && (
            <Button
              loading={importer.state !== "idle"}
              onClick={() => importer.submit({ intent: "import-missing", productIds: productIds.join(",") }, { method: "post" })}
            >
              Import their photos
            </Button>
          )}
          {leaveOut && <Button onClick={leaveOut}>{`Leave out ${productIds.length} without a photo`}</Button>}
        </InlineStack>
      </BlockStack>
    </Banner>
  );
}

export default function NewShoot() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ error: string; code: string }>();
  const navigation = useNavigation();
  const [model, setModel] = useState<string>(MODEL_PRESETS[0].id);
  const [pose, setPose] = useState<string>(POSE_PRESETS[0].id);
  const [scene, setScene] = useState<string>(SCENE_PRESETS[0].id);
  const [type, setType] = useState<"standard" | "hd">("standard");
  const [aspect, setAspect] = useState<string>("3:4");
  const [variations, setVariations] = useState("1");
  const [prompt, setPrompt] = useState("");
  const [lookName, setLookName] = useState("");
  const lookSaver = useFetcher<{ savedLook?: string; error: string | null }>();
  const shopify = useAppBridge();
  const navigate = useNavigate();
  // Shopify's resource picker adds products or whole collections to the shoot; the URL
  // keeps both (a collection stays a collection, so removing it removes its products).
  const pick = async (type: "product" | "collection") => {
    const picked = (await shopify.resourcePicker({ type, multiple: true })) as { id: string }[] | { selection: { id: string }[] } | undefined;
    const selection = Array.isArray(picked) ? picked : picked?.selection;
    if (!selection?.length) return;
    const ids = selection.map((r) => r.id);
    navigate(
      type === "product"
        ? shootUrl([...data.pickedProductIds, ...ids], data.collectionIds)
        : shootUrl(data.pickedProductIds, [...data.collectionIds, ...ids]),
    );
  };
  const pickProducts = () => pick("product");
  const pickCollections = () => pick("collection");
  const removeCollection = (id: string) => navigate(shootUrl(data.pickedProductIds, data.collectionIds.filter((c) => c !== id)));
  const applyLook = (id: string) => {
    const look = data.looks.find((l) => l.id === id);
    if (!look) return;
    setModel(look.options.modelPreset);
    setPose(look.options.posePreset);
    setScene(look.options.scenePreset);
    setType(look.options.generationType);
    setAspect(look.options.aspectRatio);
    setVariations(String(look.options.variations));
    setPrompt(look.options.prompt ?? "");
  };
  const price = shootPrice({ products: data.productIds.length, variations: Number(variations), generationType: type });
  const after = data.balance - price.total;
  const blocked = data.productIds.length === 0 || data.withoutPhoto > 0 || after < 0;

  return (
    <Page title="New shoot" backAction={{ url: "/app/catalog" }}>
      <Form method="post">
        <input type="hidden" name="clientKey" value={data.clientKey} />
        <input type="hidden" name="productIds" value={data.productIds.join(",")} />
        <Layout>
          <Layout.Section>
            <BlockStack gap="400">
              {result?.error && (
                <Banner tone="critical" title="The shoot was not created" action={result.code === "insufficient_credits" ? { content: "Buy credits", url: "/app/credits" } : undefined}>
                  <p id="shoot-error">{result.error}</p>
                </Banner>
              )}
              {data.collectionError && (
                <Banner
                  tone="critical"
                  title="Products from the collections could not be added"
                  action={{
                    content: data.collectionError.collectionId ? "Remove this collection" : "Remove the collections",
                    onAction: () => {
                      const failed = data.collectionError?.collectionId;
                      navigate(shootUrl(data.pickedProductIds, failed ? data.collectionIds.filter((c) => c !== failed) : []));
                    },
                  }}
                >
                  <p id="collection-error">{data.collectionError.message}</p>
                </Banner>
              )}
              {data.productIds.length === 0 && <Banner tone="warning">Choose products in the Catalog, or add products or a collection here.</Banner>}
              {data.withoutPhoto > 0 && (
                <MissingPhotos
                  productIds={data.missingProductIds}
                  // The shoot goes ahead with the products that have a photo, picked one by one.
                  leaveOut={
                    data.withoutPhoto < data.productIds.length
                      ? () => navigate(shootUrl(data.productIds.filter((id) => !data.missingProductIds.includes(id)), []))
                      : undefined
                  }
                />
              )}
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between" blockAlign="center">
                    <Text as="h2" variant="headingMd">
                      {data.productIds.length} products
                    </Text>
                    <InlineStack gap="200">
                      <Button onClick={pickProducts}>Add products</Button>
                      <Button onClick={pickCollections}>Add a collection</Button>
                    </InlineStack>
                  </InlineStack>
                  {data.collections.length > 0 && (
                    <BlockStack gap="100" id="shoot-collections">
                      <Text as="p" tone="subdued">
                        From collections
                      </Text>
                      <InlineStack gap="200">
                        {data.collections.map((c) => (
                          <Tag key={c.id} onRemove={() => removeCollection(c.id)}>
                            {`${c.title} · ${c.count} product${c.count === 1 ? "" : "s"}`}
                          </Tag>
                        ))}
                      </InlineStack>
                    </BlockStack>
                  )}
                  <InlineStack gap="200">
                    {data.preview.map((p) => (
                      <Thumbnail key={p.id} size="small" source={p.url ?? ImageIcon} alt={p.id} />
                    ))}
                  </InlineStack>
                </BlockStack>
              </Card>
              <Card>
                <FormLayout>
                  {data.looks.length > 0 && (
                    <Select label="Saved look" placeholder="Choose a saved look" options={data.looks.map((l) => ({ label: l.name, value: l.id }))} onChange={applyLook} value="" />
                  )}
                  <FormLayout.Group>
                    <Select label="Model" name="modelPreset" value={model} onChange={setModel} options={MODEL_PRESETS.map((m) => ({ label: m.id === "dress_form" ? m.label : `${m.label} · ${m.bodyType}, ${m.age}`, value: m.id }))} />
                    <Select label="Pose" name="posePreset" value={pose} onChange={setPose} options={POSE_PRESETS.map((p) => ({ label: p.label, value: p.id }))} />
                    <Select label="Scene" name="scenePreset" value={scene} onChange={setScene} options={SCENE_PRESETS.map((s) => ({ label: s.label, value: s.id }))} />
                  </FormLayout.Group>
                  <FormLayout.Group>
                    <Select label="Quality" name="generationType" value={type} onChange={(v) => setType(v as "standard" | "hd")} options={GENERATION_TYPES.map((g) => ({ label: `${g.label} · ${g.credits} credit${g.credits > 1 ? "s" : ""} per photo`, value: g.id }))} />
                    <Select label="Aspect ratio" name="aspectRatio" value={aspect} onChange={setAspect} options={ASPECT_RATIOS.map((a) => ({ label: a, value: a }))} />
                    <Select label="Photos per product" name="variations" value={variations} onChange={setVariations} options={Array.from({ length: MAX_VARIATIONS }, (_, i) => String(i + 1))} />
                  </FormLayout.Group>
                  <TextField label="Direction (optional)" name="prompt" value={prompt} onChange={setPrompt} maxLength={MAX_PROMPT_LENGTH} showCharacterCount autoComplete="off" helpText="Used by AI providers; the studio provider composites without AI and ignores it." />
                  <InlineStack gap="200" blockAlign="end">
                    <div style={{ flex: 1 }}>
                      <TextField label="Save these settings as a look" value={lookName} onChange={setLookName} autoComplete="off" placeholder="e.g. Summer beach" />
                    </div>
                    <Button
                      disabled={!lookName.trim()}
                      loading={lookSaver.state !== "idle"}
                      onClick={() =>
                        lookSaver.submit(
                          { intent: "save-look", lookName, modelPreset: model, posePreset: pose, scenePreset: scene, generationType: type, aspectRatio: aspect, variations, prompt },
                          { method: "post" },
                        )
                      }
                    >
                      Save look
                    </Button>
                  </InlineStack>
                  {lookSaver.data?.savedLook && <Text as="p" tone="success">{`Saved “${lookSaver.data.savedLook}”.`}</Text>}
                  {lookSaver.data?.error && <Text as="p" tone="critical">{lookSaver.data.error}</Text>}
                </FormLayout>
              </Card>
            </BlockStack>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Price
                </Text>
                <Text as="p" variant="heading2xl" id="shoot-price">
                  {price.total} credits
                </Text>
                <Text as="p" tone="subdued">
                  {price.images} photos × {price.perImage} credit{price.perImage > 1 ? "s" : ""}
                </Text>
                <Text as="p" tone={after < 0 ? "critical" : "subdued"} id="balance-after">
                  Balance after: {after} (now {data.balance})
                </Text>
                {after < 0 && <Button url="/app/credits">Buy credits</Button>}
                <Button submit variant="primary" disabled={blocked} loading={navigation.state === "submitting"}>
                  {`Start shoot · ${price.total} credits`}
                </Button>
                <Text as="p" tone="subdued" variant="bodySm">
                  Credits are reserved now; photos that fail are refunded automatically.
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </Form>
    </Page>
  );
}
