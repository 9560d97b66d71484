// Fingers and screens (issue #12, point 6): on every page, in both modes, every tap target is at
// least 44×44 CSS px, and the bars that stay on screen while scrolling cover at most 15 % of an
// 844 px tall phone screen — for a resident and for a community worker (who sees the desk's
// controls and a need's actions).
import { hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";

const MIN_TARGET = 44;
const MAX_BARS = 0.15 * 844;

/** What is too small to tap on this page, and how much of the screen the fixed bars cover. */
async function check(page: Page): Promise<{ small: string[]; bars: number }> {
  return await page.evaluate((min) => {
    const small: string[] = [];
    const targets = document.querySelectorAll<HTMLElement>("a[href], button, input:not([type=hidden]), select, textarea, summary");
    for (const el of targets) {
      let box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.bottom <= 0 || getComputedStyle(el).visibility === "hidden") continue;
      // A box or button inside its label: the label is what one taps.
      const label = el.closest("label");
      if (el instanceof HTMLInputElement && ["checkbox", "radio", "file"].includes(el.type) && label) box = label.getBoundingClientRect();
      if (box.width < min - 0.5 || box.height < min - 0.5) {
        const text = (el.innerText || (el as HTMLInputElement).value || el.getAttribute("aria-label") || el.getAttribute("name") || "").trim().slice(0, 24);
        small.push(`<${el.tagName.toLowerCase()}> "${text}" ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    let bars = 0;
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      const position = getComputedStyle(el).position;
      if ((position === "fixed" || position === "sticky") && el.offsetHeight > 0) bars += el.getBoundingClientRect().height;
    }
    return { small, bars };
  }, MIN_TARGET);
}

// One login per account for both modes: the server sends at most five codes per phone and hour,
// and the suite's other tests log these numbers in too.
test("tap targets of at least 44 px and bars within 15 % of the screen, in normal and elderly mode", async ({ browser, baseURL }) => {
  test.setTimeout(360_000);
  const resident = await phone(browser, "13800000005"); // 刘建华, 翠苑社区
  const worker = await phone(browser, "13800000022"); // 吴社工, 翠苑社区
  const problems: string[] = [];
  for (const elderly of [false, true]) {
    const mode = elderly ? " (elderly mode)" : "";
    for (const page of [resident, worker]) {
      await page.context().addCookies([{ name: "linli_elderly", value: elderly ? "1" : "0", url: baseURL! }]);
      await page.goto("/needs");
      const need = await page.getByTestId("need-card").first().getByRole("link").first().getAttribute("href");
      await page.goto("/deliberations");
      const deliberation = await page.getByTestId("delib-card").first().getByRole("link").first().getAttribute("href");
      await page.goto("/activities");
      const activity = await page.getByTestId("activity-card").first().getByRole("link").first().getAttribute("href");
      // Surveys and projects: those of the surveys' test and the old phone's (the demo has none).
      await page.goto("/surveys");
      const survey = await page.getByTestId("survey-card").first().getByRole("link").first().getAttribute("href");
      await page.goto("/projects");
      const project = await page.getByTestId("project-card").first().getByRole("link").first().getAttribute("href");
      const paths = ["/", "/needs", need!, "/needs/new", "/deliberations", deliberation!, "/services", "/activities", activity!, "/activities/mine", "/activities/volunteer",
        "/surveys", survey!, `${survey}/results`, "/projects", project!, "/notifications", "/me"];
      if (page === worker) paths.push("/surveys/new", `${survey}/desk`, "/projects/new", "/worker", "/worker/needs", "/deliberations/new", `${deliberation}/desk`, "/records", "/activities/review", `${activity}/desk`);
      for (const path of paths) {
        await page.goto(path);
        await hydrated(page);
        if (elderly) await expect(page.locator(".app")).toHaveClass(/elderly/);
        else await expect(page.locator(".app")).not.toHaveClass(/elderly/);
        const { small, bars } = await check(page);
        problems.push(...small.map((s) => `${path}${mode}: ${s}`));
        if (bars > MAX_BARS) problems.push(`${path}${mode}: fixed bars ${Math.round(bars)} px of 844`);
      }
    }
  }
  expect(problems).toEqual([]);
});
