import type { CreateShootResponse, ProductOutputsResponse, QuoteResponse, ShootOptions } from "../../extensions/shared/contract";

// Answers as the backend gives them (see the route tests), for the extensions' own tests.

export const product = (n: number) => `gid://shopify/Product/${n}`;

export const OPTIONS: ShootOptions = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard", aspectRatio: "3:4", variations: 1 };

const PRESETS: QuoteResponse["presets"] = {
  models: [
    { id: "fashion_model_v1", label: "Ava · regular, 25–34" },
    { id: "dress_form", label: "Dress form" },
  ],
  poses: [
    { id: "standing", label: "Standing" },
    { id: "walking", label: "Walking" },
  ],
  scenes: [
    { id: "studio", label: "Studio" },
    { id: "beach", label: "Beach" },
  ],
  generationTypes: [
    { id: "standard", label: "Standard", credits: 1 },
    { id: "hd", label: "HD", credits: 2 },
  ],
  aspectRatios: ["1:1", "3:4"],
  maxVariations: 4,
};

/** A quote priced the way the backend prices it. */
export function quote(p: { products: { id: string; photo?: boolean }[]; options?: ShootOptions; lookId?: string | null; balance?: number; looks?: QuoteResponse["looks"] }): QuoteResponse {
  const options = p.options ?? OPTIONS;
  const perImage = options.generationType === "hd" ? 2 : 1;
  const images = p.products.length * options.variations;
  const balance = p.balance ?? 10;
  const missing = p.products.filter((x) => x.photo === false).map((x) => x.id);
  const total = images * perImage;
  return {
    products: p.products.map((x) => ({ id: x.id, has_photo: x.photo !== false, photo_url: x.photo === false ? null : `https://app.example/storage/uploads/${x.id.split("/").pop()}.jpg?sig=1` })),
    missing_product_ids: missing,
    looks: p.looks ?? [],
    presets: PRESETS,
    selection: { look_id: p.lookId ?? null, options },
    price: { images, per_image: perImage, total },
    balance,
    balance_after: balance - total,
    affordable: balance >= total,
    can_shoot: balance >= total && missing.length === 0,
    credits_url: "https://admin.example/store/s/apps/atelier/app/credits",
  };
}

export const created = (p: Partial<CreateShootResponse> = {}): CreateShootResponse => ({
  batch_id: "7d1e7f38-5a55-4c39-9a57-2b2b3f6a0c11",
  job_ids: ["j1"],
  cost_credits: 2,
  remaining_credits: 8,
  shoot_url: "https://admin.example/store/s/apps/atelier/app/shoots/7d1e7f38-5a55-4c39-9a57-2b2b3f6a0c11",
  replayed: false,
  ...p,
});

export const outputs = (p: Partial<ProductOutputsResponse> = {}): ProductOutputsResponse => ({
  product_id: product(1),
  outputs: [],
  in_progress: 0,
  review_url: "https://admin.example/store/s/apps/atelier/app/catalog/1",
  ...p,
});

/** Routes a mocked fetch by path, recording each call. */
export function fakeBackend(routes: Record<string, (url: URL, init: RequestInit) => { status?: number; body: unknown; headers?: Record<string, string> }>) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "https://app.example");
    calls.push({ url, init });
    const route = routes[`${init.method ?? "GET"} ${url.pathname}`];
    if (!route) return new Response(JSON.stringify({ error: "no route", code: "internal" }), { status: 404 });
    const { status = 200, body, headers } = route(url, init);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}
