// The old phone on a weak network (issue #12): every page opened directly and cold comes alive,
// whatever arrives while it is being hydrated.
import { hydrated, oldPhone, pageErrors, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";

/** Opens each path directly (a full page load) and checks that hydration completed without a page
 * error, and that the unread badge shows `unread` afterwards. */
async function openEach(page: Page, paths: string[], unread: string | null, how: string) {
  const errors = pageErrors(page);
  for (const path of paths) {
    await page.goto(path);
    await hydrated(page);
    const badge = page.getByTestId("unread-badge");
    if (unread === null) await expect(badge, `${how} ${path}`).toHaveCount(0);
    else await expect(badge, `${how} ${path}`).toHaveText(unread);
    expect(errors, `${how} ${path}`).toEqual([]);
  }
}

// The unread badge used to appear while the page's lazy route was still being hydrated (the tab bar
// is hydrated after it), which broke hydration (`tachys … hydration.rs: unreachable`): the page
// showed but nothing worked, also after a reload. Now the count is asked for once hydration is done.
test("every page opened cold hydrates, with and without an unread notification, at both CPU speeds", async ({ browser }) => {
  test.setTimeout(480_000);
  const resident = await phone(browser, "13800000001"); // 王芳, 翠苑社区
  const worker = await phone(browser, "13800000020"); // 刘社工, 翠苑社区
  const origin = { origin: new URL(resident.url()).origin };

  // 王芳 proposes a need and the worker publishes it: she is told (one unread notification).
  const submitted = await resident.request.post("/api/needs/submit", {
    headers: origin,
    form: { category_id: "1", title: "小区东门路灯不亮", body: "东门的路灯坏了一周，晚上回家看不清路。", place: "小区东门", photo_ids: "", channel: "" },
  });
  expect(submitted.status()).toBe(200);
  const id = await submitted.json();
  const published = await worker.request.post("/api/needs/act", { headers: origin, form: { id: String(id), action: "publish", text: "" } });
  expect(published.status()).toBe(200);
  await resident.goto("/deliberations");
  const deliberation = await resident.getByTestId("delib-card").first().getByRole("link").first().getAttribute("href");
  const paths = ["/", "/needs", `/needs/${id}`, "/needs/new", "/deliberations", deliberation!, "/notifications", "/me"];

  // The widest window for the race, and the one that failed most (1 load in 2): a fast network
  // with the count answered at once, and a CPU slowed 6×, so hydration takes long.
  await resident.route("**/api/notifications/unread*", (r) => r.fulfill({ status: 200, contentType: "application/json", body: "1" }));
  const cdp = await resident.context().newCDPSession(resident);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 6 });
  await openEach(resident, paths, "1", "fast network, CPU 6×, count answered at once:");
  await resident.unrouteAll();

  // The old phone: the slow network with the CPU at full speed, then slowed 4× too.
  const slow = await oldPhone(resident);
  await slow.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  await openEach(resident, paths, "1", "slow network, CPU 1×:");
  await slow.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await openEach(resident, paths, "1", "slow network, CPU 4×:");

  // Someone with nothing unread, on the old phone.
  const volunteer = await phone(browser, "13800000010"); // 陈志愿, 翠苑社区
  await oldPhone(volunteer);
  await openEach(volunteer, paths, null, "nothing unread, slow network, CPU 4×:");
});
