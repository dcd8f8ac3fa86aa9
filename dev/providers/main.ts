// Runs one provider stand-in for `npm run dev` (GENERATION_PROVIDER=fashn|fal|replicate|http).
import { z } from "zod";
import { STANDIN_PROVIDERS } from "./dev-config";
import { startDevStandIn } from "./start";

const provider = z.enum(STANDIN_PROVIDERS).parse(process.env.GENERATION_PROVIDER);
const port = z.coerce.number().int().min(1).max(65535).parse(process.env.PROVIDER_STANDIN_PORT ?? 3200);
const stand = await startDevStandIn(provider, { port, latencyMs: Number(process.env.PROVIDER_STANDIN_LATENCY_MS ?? 4000) });
console.log(`${provider} stand-in listening on ${stand.url} (script outcomes with POST /__standin/scenarios)`);
const stop = () => void stand.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
