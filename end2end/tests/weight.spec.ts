// What a page costs the old phone (issue #12, points 3 and 10): each main page opened directly,
// cold (no HTTP cache) and warm, on the throttled profile (helpers.oldPhone). Requests and bytes
// are asserted; times are printed (the machines are shared and noisy: scripts/bench.sh records
// them in BENCHMARKS.md with `WEIGHT_REPORT`).
import { hydrated, oldPhone, pageErrors, phone } from "./helpers";
import { test, expect, Page, CDPSession } from "@playwright/test";
import * as fs from "fs";

/** Targets of #12: requests for a page opened directly, and the first download (HTML, CSS, JS and
 * the main WASM module). */
const MAX_REQUESTS = 15;
const MAX_FIRST_DOWNLOAD = 250_000;
/** What a page opened cold may weigh in all (brotli). The target is 350 KB; the pages' WASM is
 * not that small yet (BENCHMARKS.md, "What a page costs"), so this bound only keeps it from
 * growing while #12 stays open. Raised from 470,000 on 2026-11-28, when services (#13) added
 * about 4.5 KB to what a page loads (its notification kinds and their strings in the main module;
 * the deliberation page measured 472,459 B): growth seen and recorded, not hidden. Raised again
 * to 482,000 on 2026-11-28, when the services desk (#13: calendar, printable list, walk-ins,
 * camera) added two lazy routes and their strings (a need's page measured 479,672 B). Raised to
 * 490,000 on 2026-12-05 with activities (#15: seven pages): a deliberation page opened cold
 * measured 484,350 B (477,100 before) with its WASM and first download unchanged (433.8 KB and
 * ~239 KB); the growth is the wasm-split loader `/pkg/__wasm_split.*.js` every page loads, which
 * lists every split chunk's imports (34.7 KB brotli for ~1,000 chunks, ~27 KB before). Raised to
 * 500,000 on 2026-12-05 with the surveys' screens (#16: five lazy routes, ~100 strings in both
 * languages): a deliberation page opened cold measured 494,805 B; the first download grew from
 * 233,824 to 237,777 B (the strings are in the main module) and the loader lists ~1,100 chunks.
 * Raised to 510,000 on 2026-12-06 with the projects' screens (#16: four lazy routes, ~80 strings in
 * both languages in the main module, the photo editor shared): a deliberation page opened cold
 * measured 501,954 B (494,805 before); the first download grew from 237,777 to 240,214 B.
 * Lowered to 480,000 on 2026-12-07: the split loader every page loads is served written small
 * (server/src/wasm_pack.rs, `compact`: 46.5 → 9.5 KB on the wire), and a deliberation page opened
 * cold measured 467.9 KB (504.4 KB before). Lowered to 470,000 the same day: each data type's JSON
 * decoder is in the WASM once instead of twice (app/src/ui/resource.rs) and the stylesheet is written
 * into the page (server/src/page_head.rs); a deliberation page measured 459.0 KB. */
const MAX_TOTAL_NOW = 470_000;

type Load = { path: string; requests: number; bytes: number; first: number; wasm: number; fcp: number; hydrated: number };

/** Opens `path` directly and measures it: requests sent until hydrated and the data settled, bytes
 * received (as sent on the wire, headers included), and times. */
async function measure(page: Page, cdp: CDPSession, path: string): Promise<Load> {
  const sizes = new Map<string, number>();
  const urls = new Map<string, string>();
  const onResponse = (e: { requestId: string; response: { url: string } }) => urls.set(e.requestId, e.response.url);
  const onFinished = (e: { requestId: string; encodedDataLength: number }) => sizes.set(e.requestId, e.encodedDataLength);
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.loadingFinished", onFinished);
  const t0 = Date.now();
  await page.goto(path);
  await hydrated(page);
  const hydratedAt = Date.now() - t0;
  await page.waitForLoadState("networkidle");
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.loadingFinished", onFinished);
  const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1);
  let bytes = 0;
  let first = 0;
  let wasm = 0;
  for (const [id, size] of sizes) {
    bytes += size;
    const url = new URL(urls.get(id) ?? "about:blank");
    if (url.pathname.endsWith(".wasm") || url.pathname.startsWith("/pkg/pack/")) wasm += size;
    const isFirst = url.pathname === path || /^\/pkg\/linli\.[^/]*\.(js|css|wasm)$/.test(url.pathname);
    if (isFirst) first += size;
  }
  return { path, requests: sizes.size, bytes, first, wasm, fcp: Math.round(fcp), hydrated: hydratedAt };
}

test("each main page opened directly on the old phone: at most 15 requests, the first download within 250 KB", async ({ browser }) => {
  test.setTimeout(300_000);
  const resident = await phone(browser, "13800000005"); // 刘建华, 翠苑社区 (a login code per phone and hour is limited: each test its own)
  await resident.goto("/deliberations");
  const deliberation = await resident.getByTestId("delib-card").first().getByRole("link").first().getAttribute("href");
  await resident.goto("/needs");
  const need = await resident.getByTestId("need-card").first().getByRole("link").first().getAttribute("href");
  await resident.goto("/services");
  const service = await resident.getByTestId("service").first().getByRole("link").first().getAttribute("href");
  await resident.goto("/activities");
  const activity = await resident.getByTestId("activity-card").first().getByRole("link").first().getAttribute("href");
  const paths = ["/", "/needs", need!, "/needs/new", "/deliberations", deliberation!, "/services", service!, "/services/mine", "/activities", activity!, "/activities/mine", "/surveys", "/projects", "/notifications", "/me"];
  // The server compresses the WASM modules a page names once at the best brotli quality, in the
  // background, from the first time it renders that page; until that is done the modules go out
  // at a quick quality, ~15 % larger (server/src/wasm_pack.rs). What residents get is the page as
  // served before, so each page is rendered once here and measured once its pack is at the best
  // quality — otherwise the figure depends on which tests ran before (a deliberation measured
  // 506,537 B alone against ~476,000 B after the other specs).
  for (const path of paths) {
    const html = await (await resident.request.get(path)).text();
    const pack = html.match(/href="(\/pkg\/pack\/[^"]+)"/)?.[1];
    if (!pack) continue;
    await expect
      .poll(async () => (await resident.request.get(pack, { headers: { "accept-encoding": "br" } })).headers()["x-pack-quality"], { timeout: 120_000 })
      .toBe("best");
  }
  await hydrated(resident);
  await resident.waitForLoadState("networkidle"); // nothing of this page is counted for the first
  const errors = pageErrors(resident);
  errors.length = 0; // only what happens from here on (not a wait for a login code, say)
  const cdp = await oldPhone(resident);

  const rows: string[] = [];
  for (const warm of [false, true]) {
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: !warm });
    for (const path of paths) {
      if (warm) await measure(resident, cdp, path); // fills the cache
      const m = await measure(resident, cdp, path);
      rows.push(`| ${warm ? "warm" : "cold"} | ${path} | ${m.requests} | ${(m.bytes / 1000).toFixed(1)} | ${(m.first / 1000).toFixed(1)} | ${(m.wasm / 1000).toFixed(1)} | ${m.fcp} | ${m.hydrated} |`);
      expect(errors, path).toEqual([]);
      if (!warm) {
        expect(m.requests, `requests for ${path}`).toBeLessThanOrEqual(MAX_REQUESTS);
        expect(m.first, `first download of ${path}`).toBeLessThanOrEqual(MAX_FIRST_DOWNLOAD);
        expect(m.bytes, `all bytes of ${path}`).toBeLessThanOrEqual(MAX_TOTAL_NOW);
      }
    }
  }
  const table = ["| cache | page | requests | KB in all | KB first download | KB WASM | first paint ms | hydrated ms |", "|---|---|---|---|---|---|---|---|", ...rows].join("\n");
  console.log(table);
  if (process.env.WEIGHT_REPORT) fs.writeFileSync(process.env.WEIGHT_REPORT, table + "\n");
});
