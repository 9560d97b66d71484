// 问需 on two phones in Chinese: a resident sees similar needs while typing, keeps the draft through
// a lost connection and submits; a community worker publishes it and answers; the resident sees
// the unread badge, the notification and the new status.
import { bigPng, hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

test("propose with similar needs and a kept draft; a worker publishes and answers; the author is told", async ({ browser }) => {
  // 李强's login may wait out the code's 60 s cooldown when another spec has just logged him in.
  test.setTimeout(120_000);
  const resident = await phone(browser, "13800000002"); // 李强, on the roster of 翠苑社区
  // Other tests may have told him things (activities.spec signs him up): start with nothing unread.
  await resident.goto("/notifications");
  await hydrated(resident);
  const markAll = resident.getByTestId("mark-all-read");
  if (await markAll.count()) {
    await markAll.click();
    await resident.waitForLoadState("networkidle");
  }
  await resident.goto("/");
  await hydrated(resident);
  await expect(resident.getByTestId("unread-badge")).toHaveCount(0);
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

/** Width and height of a JPEG, from its start-of-frame segment. */
function jpegSize(b: Buffer): [number, number] {
  for (let i = 2; i + 9 < b.length; ) {
    const marker = b[i + 1];
    if (marker >= 0xc0 && marker <= 0xc3) return [b.readUInt16BE(i + 7), b.readUInt16BE(i + 5)];
    i += 2 + b.readUInt16BE(i + 2);
  }
  throw new Error("no frame in the JPEG");
}

// Photos are shrunk in the browser before they are sent (#12, point 5): a 4000×3000 photo goes out
// as a JPEG of 2048×1536, with progress shown meanwhile.
test("a large photo is shrunk on the phone before it is sent", async ({ browser }) => {
  const resident = await phone(browser, "13800000002"); // 李强, 翠苑社区
  await resident.goto("/needs/new");
  await hydrated(resident);
  const png = bigPng(4000, 3000);
  // The upload held back a moment, to see the progress.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await resident.route("**/api/needs/upload_photo", async (route) => {
    await held;
    await route.continue();
  });
  const sent = resident.waitForRequest((r) => r.url().includes("/api/needs/upload_photo"));
  await resident.getByTestId("need-photos").setInputFiles({ name: "大照片.png", mimeType: "image/png", buffer: png });
  const body = new URLSearchParams((await sent).postData()!);
  await expect(resident.getByTestId("photo-progress")).toContainText("正在处理并上传第 1 张照片（共 1 张）");
  release();
  const jpeg = Buffer.from(body.get("data_b64")!, "base64");
  expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  expect(jpegSize(jpeg)).toEqual([2048, 1536]);
  await expect(resident.locator("ul.photos img")).toHaveCount(1);
  await expect(resident.getByTestId("photo-progress")).toHaveCount(0);
});
