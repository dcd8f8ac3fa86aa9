import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useFetcher, useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Layout, Page, Select, Text, TextField, Thumbnail } from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import { randomUUID } from "node:crypto";
import { useState } from "react";
import prisma from "~/db.server";
import { ASPECT_RATIOS, GENERATION_TYPES, MAX_PROMPT_LENGTH, MAX_VARIATIONS, MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS, shootPrice } from "~/lib/presets";
import { requireShop } from "~/lib/shop-context.server";
import { enqueueShoot } from "~/queues.server";
import { InsufficientCreditsError } from "~/services/credits/errors.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot, ShootInputError } from "~/services/shoots/create.server";
import { listLooks, LookInputError, saveLook } from "~/services/shoots/looks.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";
import { storage } from "~/storage.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const ids = (new URL(request.url).searchParams.get("products") ?? "")
    .split(",")
    .filter((id) => /^\d{1,20}$/.test(id))
    .slice(0, 5000)
    .map((id) => `gid://shopify/Product/${id}`);
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
      return { id, url: a ? await storage().signedUrl(a.bucket as "uploads", a.path, 3600) : null };
    }),
  );
  return {
    productIds: ids,
    withoutPhoto: ids.filter((id) => !firstPhoto.has(id)).length,
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
    if (error instanceof RateLimitedError || error instanceof ShootInputError) {
      return Response.json({ error: error.message, code: error.code }, { status: error instanceof RateLimitedError ? 429 : 400 });
    }
    throw error;
  }
};

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
  // Shopify's resource picker adds products to the shoot (the URL keeps the selection).
  const pickProducts = async () => {
    const picked = (await shopify.resourcePicker({ type: "product", multiple: true })) as { id: string }[] | { selection: { id: string }[] } | undefined;
    const selection = Array.isArray(picked) ? picked : picked?.selection;
    if (!selection?.length) return;
    const ids = [...new Set([...data.productIds, ...selection.map((p) => p.id)])].map((id) => id.split("/").pop());
    navigate(`/app/shoots/new?products=${ids.join(",")}`);
  };
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
              {data.productIds.length === 0 && <Banner tone="warning">Choose products in the Catalog first.</Banner>}
              {data.withoutPhoto > 0 && (
                <Banner tone="warning" title="Some products have no photo in Atelier">
                  <p>{data.withoutPhoto} of the chosen products need their images imported before they can be shot.</p>
                </Banner>
              )}
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between" blockAlign="center">
                    <Text as="h2" variant="headingMd">
                      {data.productIds.length} products
                    </Text>
                    <Button onClick={pickProducts}>Add products</Button>
                  </InlineStack>
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
