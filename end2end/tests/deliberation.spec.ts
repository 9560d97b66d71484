// 居民议事 on four phones in Chinese: a worker opens a household vote for one building; two
// residents vote on their phones; the worker keys in the paper ballot of an elder without a
// smartphone and closes the vote; everybody sees the same result and figures.
import { hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

async function vote(page: Page, path: string, choice: "yes" | "no", name: string) {
  await page.goto(path);
  await hydrated(page);
  await expect(page.getByTestId("delib-phase")).toHaveText("投票中");
  await expect(page.getByTestId("delib-countdown").first()).toContainText("天");
  await page.getByTestId(`vote-${choice}`).check();
  await page.getByTestId("vote-submit").click();
  await expect(page.getByTestId("vote-ok")).toBeVisible();
  await expect(page.getByTestId("my-ballot-state").first()).toContainText(name);
}

test("a household vote for one building: two phones, one paper ballot, one result for all", async ({ browser }) => {
  const worker = await phone(browser, "13800000022"); // 吴社工, 翠苑社区
  await worker.goto("/deliberations");
  await hydrated(worker);
  await expect(worker.getByTestId("delib-open")).toContainText("儿童游乐场改造方案");
  await axe(worker);
  await worker.getByTestId("delib-new").click();
  await expect(worker.getByRole("heading", { level: 1 })).toHaveText("发起议事");
  await hydrated(worker);
  await worker.getByTestId("d-title").fill("1幢楼道加装声控灯");
  await worker.getByTestId("d-background").fill("1幢楼道晚上太暗，拟加装声控灯，费用由公共收益支出。");
  await worker.getByTestId("d-electorate").selectOption("buildings");
  await worker.getByTestId("d-buildings").getByLabel("1幢").check();
  await worker.getByTestId("d-unit").selectOption("household");
  await worker.getByTestId("d-open-now").check();
  await axe(worker);
  await worker.getByTestId("d-submit").click();
  await expect(worker).toHaveURL(/\/deliberations\/\d+$/);
  const path = new URL(worker.url()).pathname;
  await expect(worker.getByTestId("delib-phase")).toHaveText("投票中");
  // The snapshot: the four households of 1幢 with people on the roster.
  await expect(worker.getByTestId("delib-snapshot")).toContainText("4 票");
  await axe(worker);

  // Two residents vote on their phones; 刘建华 casts his household's vote (王芳's husband).
  const liu = await phone(browser, "13800000005");
  await vote(liu, path, "yes", "刘建华");
  await axe(liu);
  const zhang = await phone(browser, "13800000004");
  await vote(zhang, path, "yes", "张秀英");

  // The worker keys in 周德明's paper ballot; a household that voted in the app cannot be chosen.
  await worker.goto(`${path}/desk`);
  await hydrated(worker);
  await expect(worker.getByTestId("paper-unit").locator("option", { hasText: "1幢 1-101" })).toBeDisabled();
  await worker.getByTestId("paper-unit").selectOption({ label: "1幢 1-202" });
  await worker.getByTestId("paper-vote-no").check();
  await axe(worker);
  await worker.getByTestId("paper-submit").click();
  await expect(worker.getByTestId("paper-ok")).toBeVisible();
  await expect(worker.getByTestId("audit-paper")).toContainText("1幢 1-202");
  await expect(worker.getByTestId("audit-paper")).toContainText("吴社工");
  await expect(worker.getByTestId("audit-turnout")).toContainText("刘建华");

  // The vote closes (early, with a reason: everyone who wanted to has voted).
  await worker.getByTestId("close-reason").fill("全部住户已表态");
  await worker.getByTestId("close-submit").click();
  await expect(worker.getByTestId("delib-phase")).toHaveText("已结束");

  // Everybody sees the same result and the same figures.
  const tables: string[] = [];
  for (const page of [worker, liu, zhang]) {
    await page.goto(`${path}/result`);
    await hydrated(page);
    await expect(page.getByTestId("result-verdict")).toHaveText("通过");
    await expect(page.getByTestId("result-participation")).toHaveText("3 / 4 = 75.00%");
    await expect(page.getByTestId("delib-chart")).toBeVisible();
    tables.push(await page.getByTestId("delib-result").innerText());
  }
  expect(tables[1]).toBe(tables[0]);
  expect(tables[2]).toBe(tables[0]);
  expect(tables[0]).toContain("2 (66.67%)");
  expect(tables[0]).toContain("1 (33.33%)");
  await axe(liu);
  // The resident is told, and still sees how the household voted.
  await liu.goto("/notifications");
  await hydrated(liu);
  await expect(liu.getByTestId("notifications")).toContainText("「1幢楼道加装声控灯」表决结果：通过");
  await liu.goto(path);
  await hydrated(liu);
  await expect(liu.getByTestId("my-ballot-vote")).toContainText("同意");

  // A multiple-choice vote: a paper ballot with two of the three options ticked.
  await worker.goto("/deliberations/new");
  await hydrated(worker);
  await worker.getByTestId("d-title").fill("1幢楼前空地怎么用");
  await worker.getByTestId("d-background").fill("1幢楼前空地拟改造，最多选两项。");
  await worker.getByTestId("d-kind").selectOption("choice");
  await worker.getByTestId("d-options").fill("健身器材\n儿童滑梯\n休息长椅");
  await worker.locator("#d-max").fill("2");
  await worker.getByTestId("d-electorate").selectOption("buildings");
  await worker.getByTestId("d-buildings").getByLabel("1幢").check();
  await worker.getByTestId("d-unit").selectOption("household");
  await worker.getByTestId("d-open-now").check();
  await worker.getByTestId("d-submit").click();
  await expect(worker).toHaveURL(/\/deliberations\/\d+$/);
  await worker.goto(`${new URL(worker.url()).pathname}/desk`);
  await hydrated(worker);
  await worker.getByTestId("paper-unit").selectOption({ label: "1幢 1-202" });
  await worker.getByTestId("paper-option-0").check();
  await worker.getByTestId("paper-option-2").check();
  await worker.getByTestId("paper-submit").click();
  await expect(worker.getByTestId("paper-ok")).toBeVisible();
  await expect(worker.getByTestId("audit-paper")).toContainText("健身器材、休息长椅");
});
