// Logging in on a phone in Chinese with the code from the development SMS sink, seeing the
// verification that comes from the roster, logging out.
import { hydrated, lastCode } from "./helpers";
import { test, expect, Page } from "@playwright/test";

test.beforeEach(async ({ context }) => {
  await context.clearCookies();
});

test("a roster resident logs in with the texted code, is verified, and logs out", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  await page.goto("/me");
  await hydrated(page);
  await expect(page.getByTestId("account-anonymous")).toContainText("登录后");
  await page.getByRole("link", { name: "去登录" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("登录");

  await page.getByLabel("手机号").fill("138 0000 0001");
  await page.getByTestId("send-code").click();
  await expect(page.getByRole("status")).toContainText("验证码已发送到 13800000001");
  await expect(page.getByTestId("send-code")).toBeDisabled();
  await expect(page.getByTestId("send-code")).toContainText("秒后可重新获取");

  const code = lastCode("13800000001");
  const wrong = code === "000000" ? "111111" : "000000";
  await page.getByLabel("验证码").fill(wrong);
  await page.getByTestId("login-submit").click();
  await expect(page.getByRole("alert")).toHaveText("验证码不对，还可以再试 4 次。");

  await page.getByLabel("验证码").fill(code);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/me$/);
  const account = page.getByTestId("account");
  await expect(account).toContainText("已登录：13800000001");
  await expect(account).toContainText("居民 · 翠苑社区");
  await expect(account.getByTestId("verified")).toHaveText("已认证");

  await page.reload();
  await expect(page.getByTestId("account")).toContainText("已登录：13800000001");

  await hydrated(page);
  await page.getByTestId("logout").click();
  await expect(page.getByTestId("account-anonymous")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("account-anonymous")).toBeVisible();
  // Failed server-function calls (the wrong code: 400) are logged by the browser as failed
  // resources; anything else is a bug.
  expect(errors.filter((e) => !e.includes("Failed to load resource"))).toEqual([]);
});

test("an invalid phone number gets a clear message in the user's language", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("手机号").fill("12345");
  await page.getByTestId("send-code").click();
  await expect(page.getByRole("alert")).toHaveText("请输入正确的11位手机号码。");
  await page.getByTestId("lang-switch").first().click();
  await expect(page.getByRole("alert")).toHaveText("Please enter a valid 11-digit mobile number.");
});

test("log in from a page that needs it and land back on that page", async ({ page }) => {
  // 提出需求 needs a login: the way in comes back here.
  await page.goto("/needs/new");
  await hydrated(page);
  await page.getByTestId("go-login").click();
  await expect(page).toHaveURL(/\/login\?next=\/needs\/new$/);
  await hydrated(page);
  await page.getByLabel("手机号").fill("13800000003");
  await page.getByTestId("send-code").click();
  await expect(page.getByRole("status")).toContainText("验证码已发送");
  await page.getByLabel("验证码").fill(lastCode("13800000003"));
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/needs\/new$/);
  await expect(page.getByTestId("need-title")).toBeVisible();
});
