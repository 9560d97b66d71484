// A community worker imports a roster with some bad lines and sees them reported; a resident on
// it logs in already verified and adds a family member; the worker confirms it. Two phones: the
// worker's and the resident's, each its own browser context.
import { hydrated, phone } from "./helpers";
import { test, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

const ROSTER = [
  "楼栋,单元,房号,姓名,手机,出生年份,业主,面积",
  "7幢,1,101,吴海,13912340001,1970,是,101.25",
  "7幢,1,101,吴奶奶,,1938,否,",
  "7幢,1,102,,13912340002,1980,否,",
  "7幢,1,103,郑一,123,1980,否,",
  "7幢,1,104,冯二,13912340004,1985,否,95.5",
].join("\n");

test("roster import with bad lines, verified resident, family member confirmed", async ({ browser }) => {
  const worker = await phone(browser, "13800000020");
  await worker.getByRole("link", { name: "社区工作台" }).click();
  await expect(worker.getByRole("heading", { level: 1 })).toHaveText("社区工作台");
  await hydrated(worker);

  await worker.getByTestId("roster-file").setInputFiles({ name: "名册.csv", mimeType: "text/csv", buffer: Buffer.from(ROSTER, "utf8") });
  const preview = worker.getByTestId("roster-preview");
  await expect(preview).toContainText("预览：3 行可以导入，2 行有问题");
  const errors = worker.getByTestId("roster-errors").locator("li");
  await expect(errors).toHaveText(["第 4 行「姓名」：不能为空。", "第 5 行「手机」：不是有效的11位手机号。"]);
  await worker.getByTestId("roster-import").click();
  await expect(worker.getByTestId("roster-imported")).toContainText("已导入 3 行，2 行未导入，2 位居民因此完成认证。");

  await worker.getByTestId("resident-search").fill("吴海");
  const wuRow = worker.getByTestId("resident").filter({ hasText: "吴海" });
  await expect(wuRow.getByTestId("resident-verified")).toHaveText("已认证");

  const resident = await phone(browser, "13912340001");
  await expect(resident.getByTestId("verified")).toHaveText("已认证");
  await resident.getByTestId("family-name").fill("吴小宝");
  await resident.getByTestId("family-relationship").fill("孙子");
  await resident.getByTestId("family-birth-year").fill("2018");
  await resident.getByTestId("family-submit").click();
  const family = resident.getByTestId("family");
  await expect(family.locator("li").filter({ hasText: "吴小宝" })).toContainText("待社区确认");

  await worker.getByTestId("resident-search").fill("吴小宝");
  const pending = worker.getByTestId("resident").filter({ hasText: "吴小宝" });
  await expect(pending).toContainText("家庭成员待确认");
  await pending.getByTestId("confirm-member").click();
  await expect(pending).not.toContainText("家庭成员待确认");

  // 代办: the worker acts for 吴海 and sees his household.
  await worker.getByTestId("resident-search").fill("吴海");
  await worker.getByTestId("resident").filter({ hasText: "吴海" }).getByTestId("start-assisted").click();
  await expect(worker.getByTestId("assisted-banner")).toContainText("正在为居民代办");
  await expect(worker.getByTestId("family")).toContainText("吴奶奶");
  await expect(worker.getByTestId("family")).toContainText("吴小宝");

  for (const page of [worker, resident]) {
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${page.url()}: ${v.id}`);
    expect(bad).toEqual([]);
  }

  await resident.reload();
  await hydrated(resident);
  await expect(resident.getByTestId("family").locator("li").filter({ hasText: "吴小宝" })).toContainText("已确认");
  await resident.getByTestId("logout").click();
  await expect(resident.getByTestId("account-anonymous")).toBeVisible();
});
