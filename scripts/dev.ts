// `npm run dev` after setup: the app (Remix on Vite) and the worker fleet, with
// embedded defaults. Ctrl-C stops both.
import concurrently from "concurrently";
import { parseAppEnv } from "../app/env.server";

const env = parseAppEnv(process.env);
const url = `http://127.0.0.1:${env.PORT}`;

const { result } = concurrently(
  [
    { name: "app", command: "remix vite:dev", prefixColor: "cyan" },
    { name: "worker", command: "tsx watch --clear-screen=false worker/index.ts", prefixColor: "magenta" },
    {
      name: "info",
      command: `node -e "setTimeout(() => console.log('\\n  Atelier is running: ${url}\\n  Embedded shop: ${env.DEV_SHOP_DOMAIN}\\n'), 2500)"`,
      prefixColor: "green",
    },
  ],
  { killOthersOn: ["failure"], prefix: "name", restartTries: 0 },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
