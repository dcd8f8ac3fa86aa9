import { z } from "zod";
import { shootOptions, type ShootOptions } from "../../lib/presets";
import type { Db } from "../prisma.server";

export const lookInput = z.object({
  name: z.string().trim().min(1, "Name the look").max(100),
  options: shootOptions,
});

export class LookInputError extends Error {}

/** A named preset combination, so a whole collection is shot the same way. */
export async function saveLook(db: Db, shopId: string, raw: unknown) {
  const parsed = lookInput.safeParse(raw);
  if (!parsed.success) throw new LookInputError(parsed.error.issues.map((i) => i.message).join("; "));
  const { name, options } = parsed.data;
  return db.look.upsert({
    where: { shopId_name: { shopId, name } },
    create: { shopId, name, options },
    update: { options },
  });
}

export async function listLooks(db: Db, shopId: string): Promise<{ id: string; name: string; options: ShootOptions }[]> {
  const rows = await db.look.findMany({ where: { shopId }, orderBy: { name: "asc" } });
  // Looks saved before a preset was retired are skipped rather than offered broken.
  return rows.flatMap((r) => {
    const options = shootOptions.safeParse(r.options);
    return options.success ? [{ id: r.id, name: r.name, options: options.data }] : [];
  });
}
