// Runs one provider stand-in for `npm run dev` (GENERATION_PROVIDER=fashn|fal|replicate|http).
import { z } from "zod";
import type { StandIn } from "./common";
import { DEV_STANDIN_CREDENTIALS as DEV, STANDIN_PROVIDERS } from "./dev-config";
import { startFalStandIn } from "./fal";
import { startFashnStandIn } from "./fashn";
import { startHttpWorkerStandIn } from "./http-worker";
import { startReplicateStandIn } from "./replicate";

const provider = z.enum(STANDIN_PROVIDERS).parse(process.env.GENERATION_PROVIDER);
const port = z.coerce.number().int().min(1).max(65535).parse(process.env.PROVIDER_STANDIN_PORT ?? 3200);
const common = { port, latencyMs: Number(process.env.PROVIDER_STANDIN_LATENCY_MS ?? 4000) };
const stand: StandIn =
  provider === "fashn"
    ? await startFashnStandIn({ ...common, apiKey: DEV.fashnKey })
    : provider === "fal"
      ? await startFalStandIn({ ...common, apiKey: DEV.falKey })
      : provider === "replicate"
        ? await startReplicateStandIn({ ...common, apiToken: DEV.replicateToken, webhookSecret: DEV.replicateSecret })
        : await startHttpWorkerStandIn({ ...common, token: DEV.gpuToken, secret: DEV.gpuSecret });
console.log(`${provider} stand-in listening on ${stand.url} (script outcomes with POST /__standin/scenarios)`);
const stop = () => void stand.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
