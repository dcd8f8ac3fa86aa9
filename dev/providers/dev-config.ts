// Fixed development credentials for the provider stand-ins, so `GENERATION_PROVIDER=fal
// npm run dev` wires the app, the worker and the stand-in together with no accounts.

export const STANDIN_PROVIDERS = ["fashn", "fal", "replicate", "http"] as const;
export type StandInProvider = (typeof STANDIN_PROVIDERS)[number];

const DEV = {
  fashnKey: "dev-fashn-key-0001",
  falKey: "dev-fal-key-0001",
  replicateToken: "dev-replicate-token-0001",
  replicateSecret: `whsec_${Buffer.from("atelier-dev-replicate-webhook-secret").toString("base64")}`,
  gpuToken: "dev-gpu-worker-token-0001",
  gpuSecret: "dev-gpu-worker-callback-secret",
};
export const DEV_STANDIN_CREDENTIALS = DEV;

/** Environment for the worker (credentials, base URL) and the app (webhook verification). */
export function standInEnv(provider: StandInProvider, url: string): { worker: Record<string, string>; app: Record<string, string> } {
  switch (provider) {
    case "fashn":
      return { worker: { FASHN_API_KEY: DEV.fashnKey, FASHN_BASE_URL: url }, app: {} };
    case "fal":
      return { worker: { FAL_KEY: DEV.falKey, FAL_QUEUE_URL: url }, app: { FAL_JWKS_URL: `${url}/.well-known/jwks.json` } };
    case "replicate":
      return { worker: { REPLICATE_API_TOKEN: DEV.replicateToken, REPLICATE_BASE_URL: url }, app: { REPLICATE_WEBHOOK_SECRET: DEV.replicateSecret } };
    case "http":
      return { worker: { GPU_WORKER_URL: url, GPU_WORKER_TOKEN: DEV.gpuToken }, app: { GPU_WORKER_WEBHOOK_SECRET: DEV.gpuSecret } };
  }
}
