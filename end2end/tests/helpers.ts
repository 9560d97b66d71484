// Shared steps of the end-to-end tests.
import { expect, Browser, Page } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";

/** Waits until the WASM has hydrated the page (the app marks <html data-hydrated>). */
export async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** The last login code texted to `phone`, read from the development SMS sink of the server. */
export function lastCode(phone: string): string {
  const log = fs.readFileSync(path.join(process.env.E2E_DATA_DIR!, "sms.log"), "utf8");
  const m = log.split("\n").filter((l) => l.startsWith(phone)).pop()?.match(/验证码是 (\d{6})/);
  if (!m) throw new Error(`no code for ${phone} in the SMS sink`);
  return m[1];
}

/** A phone of its own (a new browser context) logged in as `number` with the texted code. */
export async function phone(browser: Browser, number: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("手机号").fill(number);
  await page.getByTestId("send-code").click();
  await expect(page.getByRole("status")).toContainText("验证码已发送");
  await page.getByLabel("验证码").fill(lastCode(number));
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("account")).toContainText(`已登录：${number}`);
  return page;
}
