// Records sync as a worker and a district admin see it, against the reference receiver that
// scripts/e2e.sh runs beside the server (as the demo does). The receiver is told to refuse
// records; a need accepted meanwhile becomes a failed record on the worker's records screen; the
// receiver is fixed; the worker sends it again (once); nothing waits, nothing failed, and the check
// against the platform finds everything there. The district admin, in large print, makes a
// pull-API key (shown once) and pulls with it. axe on both.
import { hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

const receiver = process.env.RECEIVER_URL!;

async function faults(page: Page, f: { refuse: boolean }) {
  const r = await page.request.post(`${receiver}/control`, { data: f });
  expect(r.status()).toBe(200);
}

/** Reloads the records screen until `testid` reads `text` (the relay passes every second). */
async function until(page: Page, testid: string, text: string) {
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId(testid)).toHaveText(text, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
}

test("a refused record is sent again by a worker and the platform then has everything", async ({ browser }) => {
  test.setTimeout(120_000);
  const resident = await phone(browser, "13800000002"); // 李强, 翠苑社区
  const worker = await phone(browser, "13800000020");
  const origin = new URL(worker.url()).origin;
  await worker.goto("/me");
  await hydrated(worker);
  await worker.getByTestId("worker-records-link").click();
  await expect(worker.getByRole("heading", { level: 1 })).toHaveText("记录同步");
  await until(worker, "rec-pending", "待发送：0");

  await faults(worker, { refuse: true });
  const submitted = await resident.request.post("/api/needs/submit", {
    headers: { origin },
    form: { category_id: "1", title: "记录同步测试：北门路灯", body: "北门的路灯坏了一个月。", place: "北门", photo_ids: "", channel: "" },
  });
  expect(submitted.status()).toBe(200);
  const id = String(await submitted.json());
  for (const [action, text] of [["publish", ""], ["accept", "已采纳，下周更换。"]]) {
    const r = await worker.request.post("/api/needs/act", { headers: { origin }, form: { id, action, text } });
    expect(r.status()).toBe(200);
  }
  await until(worker, "rec-dead", "发送失败：1");
  const dead = worker.getByTestId("rec-dead-letter");
  await expect(dead).toHaveCount(1);
  await expect(dead).toContainText("need.accept");
  await expect(dead).toContainText("422");
  await hydrated(worker);
  await axe(worker);

  await faults(worker, { refuse: false });
  await dead.getByTestId("rec-redeliver").click();
  await expect(dead).toHaveCount(0);
  await until(worker, "rec-pending", "待发送：0");
  await expect(worker.getByTestId("rec-dead")).toHaveText("发送失败：0");
  await hydrated(worker);
  await worker.getByTestId("rec-reconcile").click();
  const report = worker.getByTestId("rec-reconciliation");
  await expect(report).toContainText("翠苑社区");
  await expect(report).toContainText("全部一致");
  await expect(report.getByTestId("rec-missing")).toHaveText("—");
  // The open data has the answer, without logging in.
  const csv = await (await browser.newContext()).request.get(`${origin}/open-data/330106/cuiyuan/results?format=csv`);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain("已采纳，下周更换。");

  // The district admin, in large print: every community, and a key for the pull API.
  const admin = await phone(browser, "13800000030");
  await admin.context().addCookies([{ name: "linli_elderly", value: "1", url: origin }]);
  await admin.goto("/records");
  await hydrated(admin);
  await expect(admin.getByTestId("rec-community")).toHaveCount(2);
  await admin.getByTestId("rec-key-name").fill("省档案平台");
  await admin.getByTestId("rec-create-key").click();
  const secret = (await admin.getByTestId("rec-secret").innerText()).trim();
  expect(secret).toMatch(/^lr_/);
  await axe(admin);
  const pulled = await (await browser.newContext()).request.get(`${origin}/records/v1/events?community=cuiyuan&after=0`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  expect(pulled.status()).toBe(200);
  const records = (await pulled.json()).records as { kind: string; data: { need_id: number } }[];
  expect(records.some((r) => r.kind === "need.accept" && r.data.need_id === Number(id))).toBe(true);
});
