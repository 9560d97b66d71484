// 志愿活动 and the time bank on four phones in Chinese: 张秀英 applies to volunteer and a worker
// approves her; she drafts an activity with two roles and a worker publishes it; 李强 signs up
// (the one place), 王芳 waits and is promoted when he cancels, and sees it on 我的活动; 张秀英 takes
// a role, checks 王芳 in from the list and herself in and out by her code; the worker enters her hours with a reason and verifies
// them; her ledger shows them; she pays a lunch with an hour of them and the balance drops. axe on
// every new screen.
import { hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

async function open(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

/** `YYYY-MM-DDTHH:MM` in Beijing, `minutes` from now. */
function beijing(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000 + 8 * 3_600_000).toISOString().slice(0, 16);
}

test("a volunteer runs an activity, her hours are verified and banked, and she spends them on a lunch", async ({ browser }) => {
  test.setTimeout(240_000);
  // 张秀英 (70) applies to volunteer.
  const zhang = await phone(browser, "13800000004");
  await open(zhang, "/activities");
  await expect(zhang.getByTestId("activities")).toContainText("周六楼道清洁");
  await axe(zhang);
  await zhang.getByTestId("volunteer-link").click();
  await hydrated(zhang);
  await zhang.getByTestId("vol-skills").fill("会修小家电");
  await zhang.getByTestId("vol-availability").fill("工作日上午");
  await axe(zhang);
  await zhang.getByTestId("vol-apply").click();
  await expect(zhang.getByTestId("application-status")).toContainText("待审核");

  // 吴社工 approves her.
  const worker = await phone(browser, "13800000022");
  await open(worker, "/activities/review");
  await axe(worker);
  await worker.getByTestId("application").filter({ hasText: "张秀英" }).getByTestId("application-approve").click();
  await expect(worker.getByTestId("applications")).not.toContainText("会修小家电");

  // She drafts an activity that started an hour ago, with two roles, and submits it.
  await open(zhang, "/activities");
  await zhang.getByTestId("activity-new").click();
  await hydrated(zhang);
  await zhang.getByTestId("act-title").fill("帮独居老人整理阳台");
  await zhang.getByTestId("act-category").selectOption("elderly");
  await zhang.getByTestId("act-description").fill("整理阳台杂物，检查晾衣架。");
  await zhang.getByTestId("act-place").fill("翠苑 2 幢");
  await zhang.getByTestId("act-starts").fill(beijing(-60));
  await zhang.getByTestId("act-ends").fill(beijing(60));
  await zhang.getByTestId("act-closes").fill(beijing(60));
  await zhang.getByTestId("act-capacity").fill("1");
  await zhang.getByTestId("act-roles").fill("帮手 2\n摄影 1");
  await axe(zhang);
  await zhang.getByTestId("act-save").click();
  await expect(zhang.getByTestId("activity-page")).toContainText("草稿");
  await hydrated(zhang);
  const activity = new URL(zhang.url()).pathname;
  await zhang.getByTestId("activity-submit").click();
  await expect(zhang.getByTestId("activity-page")).toContainText("待审核");

  // The worker publishes it.
  await open(worker, "/activities/review");
  await worker.getByTestId("submitted").getByRole("link", { name: "帮独居老人整理阳台" }).click();
  await hydrated(worker);
  await worker.getByTestId("activity-approve").click();
  await expect(worker.getByTestId("activity-page")).toContainText("已发布");

  // 李强 takes the one place; 王芳 waits, first in line.
  const li = await phone(browser, "13800000002");
  await open(li, activity);
  await li.getByLabel("李强").check();
  await li.getByTestId("signup-confirm").click();
  await expect(li.getByTestId("signup-state")).toHaveText("已报名");
  await axe(li);
  const wang = await phone(browser, "13800000001");
  await open(wang, activity);
  await expect(wang.getByTestId("activity-places")).toContainText("名额已满");
  await wang.getByLabel("王芳").check();
  await wang.getByTestId("signup-confirm").click();
  await expect(wang.getByTestId("signup-state")).toHaveText("候补第 1 位");
  // He cancels: she is promoted, and sees it.
  await li.getByTestId("signup-leave").click();
  await expect(li.getByTestId("my-signups")).toHaveCount(0);
  await open(wang, activity);
  await expect(wang.getByTestId("signup-state")).toHaveText("已报名");
  // 我的活动 lists it with her place.
  await open(wang, "/activities/mine");
  await expect(wang.getByTestId("mine-signup").filter({ hasText: "帮独居老人整理阳台" })).toContainText("已报名");
  await axe(wang);

  // 张秀英 takes a role, checks 王芳 in from the list, and herself in and out.
  await open(zhang, activity);
  await zhang.getByTestId("role").filter({ hasText: "帮手" }).getByTestId("role-take").click();
  await expect(zhang.getByTestId("my-role")).toContainText("帮手");
  // Her code's QR code, for the organiser's camera.
  await zhang.getByTestId("my-role").getByTestId("qr").locator("summary").click();
  await expect(zhang.getByTestId("my-role").getByTestId("qr").locator("svg")).toBeVisible();
  const herCode = (await zhang.getByTestId("role-code").textContent())!.trim();
  await axe(zhang);
  await zhang.getByTestId("activity-desk").click();
  await hydrated(zhang);
  // The same check-in screen as a service's: the list's tick boxes, and the code in and out.
  await zhang.getByTestId("roster-line").filter({ hasText: "王芳" }).getByTestId("roster-check").check();
  await expect(zhang.getByTestId("check-result")).toContainText("王芳");
  await expect(zhang.getByTestId("roster-line").filter({ hasText: "王芳" }).getByTestId("roster-check")).toBeChecked();
  await expect(zhang.getByTestId("checkin-count")).toHaveText("已签到 1 / 1 人");
  await zhang.getByTestId("code-input").fill(herCode.toLowerCase());
  await zhang.getByTestId("code-submit").click();
  await expect(zhang.getByTestId("check-result")).toContainText("张秀英 已签到");
  await zhang.getByTestId("code-input").fill(herCode);
  await zhang.getByTestId("code-out").click();
  await expect(zhang.getByTestId("check-result")).toContainText("张秀英 已签退");
  await axe(zhang);

  // The worker enters her two hours (the clock saw seconds) with a reason, and verifies them.
  await open(worker, `${activity}/desk`);
  const her = worker.getByTestId("volunteer").filter({ hasText: "张秀英" });
  await her.getByLabel("时长（小时）").fill("2");
  await her.getByLabel("原因").fill("按纸质签到表");
  await her.getByRole("button", { name: "填写时长" }).click();
  await expect(worker.getByTestId("volunteer").filter({ hasText: "张秀英" })).toContainText("时长 2 小时");
  await axe(worker);
  await worker.getByTestId("verify-all").click();
  await expect(worker.getByTestId("verified")).toContainText("共存入 2 小时");

  // Her ledger shows them.
  await open(zhang, "/activities/volunteer");
  await expect(zhang.getByTestId("balance")).toHaveText("余额 2 小时");
  await expect(zhang.getByTestId("ledger-entry").first()).toContainText("帮独居老人整理阳台");
  await axe(zhang);

  // She books a lunch paid with an hour: the balance drops to one.
  await open(zhang, "/services");
  await zhang.getByRole("link", { name: "长者食堂午餐" }).click();
  await hydrated(zhang);
  await expect(zhang.getByTestId("timebank-accepted")).toContainText("1 小时");
  // The last open day (another test books her the first one).
  await zhang.getByTestId("book-open").last().click();
  await zhang.getByTestId("booking-form").getByLabel(/张秀英/).check();
  await zhang.getByTestId("book-pay-hours").check();
  await zhang.getByTestId("book-confirm").click();
  await expect(zhang.getByTestId("booking-result")).toContainText("预约成功");
  await open(zhang, "/activities/volunteer");
  await expect(zhang.getByTestId("balance")).toHaveText("余额 1 小时");
  await expect(zhang.getByTestId("ledger-entry").first()).toContainText("长者食堂午餐");
});
