import { describe, expect, it } from "vitest";
import { listLooks, LookInputError, saveLook } from "~/services/shoots/looks.server";
import { makeShop, useTestDb } from "../support/db";

const h = useTestDb(2);
const options = { modelPreset: "fashion_model_v1_curve", posePreset: "walking", scenePreset: "street", generationType: "hd", aspectRatio: "4:5", variations: 3 };

describe("saved looks", () => {
  it("saves a named preset combination per shop, updates it by name, and refuses bad ones", async () => {
    const shop = await makeShop(h);
    const other = await makeShop(h);
    await saveLook(h.prisma, shop.id, { name: "Summer street", options });
    await saveLook(h.prisma, shop.id, { name: "Summer street", options: { ...options, variations: 2 } });
    await expect(saveLook(h.prisma, shop.id, { name: " ", options })).rejects.toBeInstanceOf(LookInputError);
    await expect(saveLook(h.prisma, shop.id, { name: "Bad", options: { ...options, scenePreset: "moon" } })).rejects.toBeInstanceOf(LookInputError);
    const looks = await listLooks(h.prisma, shop.id);
    expect(looks).toHaveLength(1);
    expect(looks[0]).toMatchObject({ name: "Summer street", options: { ...options, variations: 2 } });
    expect(await listLooks(h.prisma, other.id)).toEqual([]);
  });
});
