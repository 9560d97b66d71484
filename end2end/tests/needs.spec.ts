// 问需 on two phones in Chinese: a resident sees similar needs while typing, keeps the draft through
// a lost connection and submits; a community worker publishes it and answers; the resident sees
// the unread badge, the notification and the new status.
import { hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

test("propose with similar needs and a kept draft; a worker publishes and answers; the author is told", async ({ browser }) => {
  const resident = await phone(browser, "13800000002"); // 李强, on the roster of 翠苑社区
  await resident.goto("/");
  await hydrated(resident);
  await resident.getByTestId("home-needs").getByRole("link", { name: "提出需求" }).click();
  await expect(resident.getByRole("heading", { level: 1 })).toHaveText("提出需求");
  await hydrated(resident);

  await resident.getByTestId("need-category").selectOption({ label: "养老服务" });
  await resident.getByTestId("need-title").fill("5幢也想加装电梯");
  const similar = resident.getByTestId("similar");
  await expect(similar).toContainText("3幢加装电梯");
  await expect(similar).toContainText("2 人附议");
  await resident.getByTestId("need-body").fill("5幢住着很多老人，爬楼很辛苦，希望和3幢一起加装电梯。");
  await axe(resident);

  // The connection drops: the submission fails with a message and nothing typed is lost.
  await resident.context().setOffline(true);
  await resident.getByTestId("need-submit").click();
  await expect(resident.getByRole("alert")).toBeVisible();
  await expect(resident.getByTestId("need-title")).toHaveValue("5幢也想加装电梯");
  await resident.context().setOffline(false);
  // Even a reload (or a closed browser) keeps the draft on the phone.
  await resident.reload();
  await hydrated(resident);
  await expect(resident.getByTestId("draft-restored")).toBeVisible();
  await expect(resident.getByTestId("need-title")).toHaveValue("5幢也想加装电梯");
  await expect(resident.getByTestId("need-body")).toHaveValue(/爬楼很辛苦/);

  await resident.getByTestId("need-submit").click();
  await expect(resident).toHaveURL(/\/needs\/\d+$/);
  await expect(resident.getByTestId("need-status")).toHaveText("待审核");
  const needUrl = resident.url();
  const needPath = new URL(needUrl).pathname;

  // The worker, on another phone: the queue, publish, then answer on the need's page.
  const worker = await phone(browser, "13800000021");
  await worker.getByTestId("worker-needs-link").click();
  await expect(worker.getByRole("heading", { level: 1 })).toHaveText("需求工作台");
  await hydrated(worker);
  const queue = worker.getByTestId("queue-new");
  const card = queue.getByTestId("need-card").filter({ hasText: "5幢也想加装电梯" });
  await expect(card).toBeVisible();
  await axe(worker);
  await card.getByTestId("queue-publish").click();
  await expect(queue.getByTestId("need-card").filter({ hasText: "5幢也想加装电梯" })).toHaveCount(0);

  await worker.goto(needPath);
  await hydrated(worker);
  await expect(worker.getByTestId("need-status")).toHaveText("已公开");
  // Nothing is chosen for the worker: typing an answer and pressing 确定 takes no step.
  await expect(worker.getByTestId("worker-submit")).toBeDisabled();
  // Turning a need away asks first; saying no changes nothing.
  await worker.getByTestId("worker-action").selectOption({ label: "不予采纳" });
  await worker.getByTestId("worker-text").fill("不在本社区范围。");
  const asked: string[] = [];
  worker.once("dialog", async (d) => {
    asked.push(d.message());
    await d.dismiss();
  });
  await worker.getByTestId("worker-submit").click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain("不予采纳");
  await expect(worker.getByTestId("need-status")).toHaveText("已公开");
  await worker.getByTestId("worker-action").selectOption({ label: "采纳" });
  await worker.getByTestId("worker-text").fill("已纳入今年老旧小区加装电梯计划，下月召开5幢居民议事会。");
  await worker.getByTestId("worker-submit").click();
  await expect(worker.getByTestId("need-status")).toHaveText("已采纳");
  await expect(worker.getByTestId("need-answer")).toContainText("加装电梯计划");

  // The author: a badge on 我的, the notification, the new status and the answer.
  await resident.goto("/");
  await hydrated(resident);
  await expect(resident.getByTestId("unread-badge")).toHaveText("2");
  await resident.goto("/me");
  await hydrated(resident);
  await resident.getByTestId("me-notifications").click();
  await expect(resident).toHaveURL(/\/notifications$/);
  await hydrated(resident);
  const latest = resident.getByTestId("notification").first();
  await expect(latest).toContainText("你提出的需求“5幢也想加装电梯”：已采纳");
  await expect(latest).toContainText("加装电梯计划");
  await axe(resident);
  await latest.getByRole("link").click();
  await expect(resident).toHaveURL(needUrl);
  await expect(resident.getByTestId("need-status")).toHaveText("已采纳");
  await expect(resident.getByTestId("need-answer")).toContainText("已纳入今年老旧小区加装电梯计划");
  await expect(resident.getByTestId("need-timeline")).toContainText("采纳");
  await axe(resident);

  // Reading the notification clears the badge once the other one is read too.
  await resident.goto("/notifications");
  await hydrated(resident);
  await resident.getByTestId("mark-all-read").click();
  await resident.goto("/needs");
  await hydrated(resident);
  await expect(resident.getByTestId("unread-badge")).toHaveCount(0);
  await expect(resident.getByTestId("needs-list")).toContainText("5幢也想加装电梯");
  await axe(resident);
});
