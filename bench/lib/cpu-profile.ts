import { Session } from "node:inspector/promises";

// Samples this process's JavaScript thread with the V8 profiler and attributes each
// sample to the innermost frame that belongs to a known component. Work on libuv's
// threads (sharp, file system calls) shows up only as its main-thread part.

const COMPONENTS: [string, RegExp][] = [
  ["local storage (app/services/storage/local.server.ts)", /storage\/local\.server/],
  ["image ingest and sharp", /images\/ingest\.server|\/sharp\//],
  ["pino", /\/pino|sonic-boom/],
  ["pg driver", /node_modules\/pg(-[a-z]+)?\//],
  ["Prisma client (query compiler and runtime)", /@prisma|\.prisma\/client|prisma\.server|pg-adapter\.server/],
  ["BullMQ and ioredis", /bullmq|ioredis/],
  ["other application code", /\/work\/|\/app\/|\/worker\//],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface Attribution {
  component: string;
  ms: number;
  share: number;
}

export async function profileCpu<T>(run: () => Promise<T>): Promise<{ result: T; attribution: Attribution[]; busyMs: number }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  let result: T;
  let profile: Awaited<ReturnType<typeof stop>>["profile"];
  const stop = () => session.post("Profiler.stop");
  try {
    result = await run();
  } finally {
    ({ profile } = await stop());
    await session.post("Profiler.disable");
    session.disconnect();
  }
  const nodes = new Map<number, ProfileNode>((profile.nodes as ProfileNode[]).map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes.values()) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    let id: number | undefined = samples[i]!;
    const leaf = nodes.get(id)!.callFrame.functionName;
    let component = leaf === "(idle)" ? "idle" : leaf === "(garbage collector)" ? "garbage collector" : leaf === "(program)" ? "V8 and native (unattributed)" : null;
    while (!component && id !== undefined) {
      const url = nodes.get(id)!.callFrame.url;
      component = COMPONENTS.find(([, re]) => re.test(url))?.[0] ?? null;
      id = parent.get(id);
    }
    component ??= "Node.js internals";
    totals.set(component, (totals.get(component) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const busyMs = [...totals].filter(([c]) => c !== "idle").reduce((n, [, v]) => n + v, 0);
  const attribution = [...totals]
    .filter(([c]) => c !== "idle")
    .map(([component, ms]) => ({ component, ms, share: ms / busyMs }))
    .sort((a, b) => b.ms - a.ms);
  return { result, attribution, busyMs };
}
