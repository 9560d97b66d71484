// Shared steps of the end-to-end tests.
import { expect, Browser, Page } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

const seen = new WeakMap<Page, string[]>();

/** Console errors and uncaught exceptions (a WASM panic is both) of `page` from now on. */
export function pageErrors(page: Page): string[] {
  let errors = seen.get(page);
  if (!errors) {
    const list: string[] = [];
    page.on("pageerror", (e) => list.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") list.push(`console: ${m.text()}`);
    });
    seen.set(page, list);
    errors = list;
  }
  return errors;
}

/** Waits until the WASM has hydrated the page (the app marks <html data-hydrated>); if it does
 * not, the failure shows the page's console errors (a panic during hydration, say). */
export async function hydrated(page: Page) {
  const errors = pageErrors(page);
  try {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  } catch (e) {
    throw new Error(`${e}\n--- errors in the page ---\n${errors.join("\n")}`);
  }
}

/** The last login code texted to `phone`, read from the development SMS sink of the server. */
export function lastCode(phone: string): string {
  const log = fs.readFileSync(path.join(process.env.E2E_DATA_DIR!, "sms.log"), "utf8");
  const m = log.split("\n").filter((l) => l.startsWith(phone)).pop()?.match(/验证码是 (\d{6})/);
  if (!m) throw new Error(`no code for ${phone} in the SMS sink`);
  return m[1];
}

/** A phone of its own (a new browser context) logged in as `number` with the texted code. */
let phones = 0;

export async function phone(browser: Browser, number: string): Promise<Page> {
  // Each phone on its own network address, as real phones are (scripts/e2e.sh trusts the loopback
  // proxy's X-Forwarded-For): the server allows 20 login codes per address and hour, which the
  // suite's logins from one address would exceed.
  // The server sends at most five codes per phone and hour (account/model.rs CODE_POLICY), and a
  // suite run is shorter than an hour: say which number is overused instead of timing out later.
  const sentBefore = fs.existsSync(path.join(process.env.E2E_DATA_DIR!, "sms.log"))
    ? fs.readFileSync(path.join(process.env.E2E_DATA_DIR!, "sms.log"), "utf8").split("\n").filter((l) => l.startsWith(number)).length
    : 0;
  if (sentBefore >= 5) {
    throw new Error(`${number} has been sent ${sentBefore} codes in this run; the server allows 5 per phone and hour: log in as another demo account`);
  }
  phones += 1;
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": `198.51.100.${phones % 250}` } });
  const page = await context.newPage();
  pageErrors(page);
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("手机号").fill(number);
  await page.getByTestId("send-code").click();
  // Another test may have asked for this phone's code less than a minute ago: wait as told.
  const sent = page.getByRole("status").filter({ hasText: "验证码已发送" });
  const wait = page.getByRole("alert").filter({ hasText: "秒后再获取" });
  await expect(sent.or(wait)).toBeVisible();
  if (await wait.isVisible()) {
    const secs = Number((await wait.innerText()).match(/(\d+) 秒/)?.[1] ?? 60);
    await page.waitForTimeout((secs + 1) * 1000);
    await page.getByTestId("send-code").click();
    await expect(sent).toBeVisible();
  }
  await page.getByLabel("验证码").fill(lastCode(number));
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("account")).toContainText(`已登录：${number}`);
  return page;
}

/**
 * Makes `page` an old phone on a weak network, as in BENCHMARKS.md: 1.6 Mbps down, 750 kbps up,
 * 150 ms round trip, the CPU slowed 4×, and no HTTP cache (every load is cold).
 */
export async function oldPhone(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: 1_600_000 / 8,
    uploadThroughput: 750_000 / 8,
  });
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  return cdp;
}

/** The WASM modules' names (without their hashes), numbered as the split loader numbers them:
 * modules are fetched in packs, `/pkg/pack/<build>/<ranges>` (server/src/wasm_pack.rs), a module
 * alone too. */
export async function wasmModules(page: Page): Promise<string[]> {
  const href = await page.locator('link[rel="modulepreload"][href*="__wasm_split"]').first().getAttribute("href");
  const js = await (await page.request.get(href!)).text();
  return JSON.parse(js.match(/const __pkNames = (\[.*?\]);/)![1]);
}

/** Whether the request for `url` brings the module whose name starts with `prefix`. */
export function brings(url: string, modules: string[], prefix: string): boolean {
  const i = modules.findIndex((n) => n.startsWith(prefix));
  if (i < 0) throw new Error(`no WASM module ${prefix}`);
  const path = new URL(url).pathname;
  if (!path.startsWith("/pkg/pack/")) return false;
  return path
    .split("/")
    .pop()!
    .split(".")
    .some((part) => {
      const [a, b] = part.split("-").map(Number);
      return a <= i && i <= (b ?? a);
    });
}

/** A PNG of `w`×`h` (smooth colours: small on disk, large in pixels), written with Node's zlib. */
export function bigPng(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const at = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      rows[at + 1 + x * 3] = (x * 255) / w;
      rows[at + 2 + x * 3] = (y * 255) / h;
      rows[at + 3 + x * 3] = 128;
    }
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", zlib.deflateSync(rows, { level: 6 })), chunk("IEND", Buffer.alloc(0))]);
}
