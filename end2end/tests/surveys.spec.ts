// 调研 on three phones in Chinese: a worker writes a needs-research survey of one building's
// households with double entry; a resident answers on his phone, one question per screen; an
// elder's paper form is keyed by two workers and counts once both keyings match; the survey
// closes and the results are the same figures for the worker (with the written answers) and the
// resident (without them, until moderated). Then 项目: the worker makes a project of the elevator
// need and its deliberation (informed by the survey), starts it, adds a photo and marks a
// milestone done — the need's supporter hears of it —, completes it and opens a rating round; two
// residents rate it on their phones, the round closes, the project is accepted, the need is done
// and the community's public summary (no login) shows it with its satisfaction.
import { bigPng, hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

test("a needs-research survey answered on a phone and on paper keyed twice, then a project from a need rated by its residents", async ({ browser }) => {
  test.setTimeout(480_000);
  const worker = await phone(browser, "13800000020"); // 刘社工, 翠苑社区
  await worker.goto("/surveys");
  await hydrated(worker);
  await axe(worker);
  await worker.getByTestId("survey-new").click();
  await expect(worker.getByRole("heading", { level: 1 })).toHaveText("新建调研");
  await hydrated(worker);
  await worker.getByTestId("s-title").fill("1幢居家养老需求调研");
  await worker.getByTestId("s-intro").fill("了解1幢各户最需要的服务，结果用于明年的项目安排。");
  await worker.getByTestId("s-unit").selectOption("household");
  await worker.getByTestId("s-buildings").getByLabel("1幢").check();
  await worker.getByTestId("s-double").check();
  const questions = worker.getByTestId("s-question");
  await questions.nth(0).getByTestId("s-prompt").fill("您家最需要哪项服务？");
  await questions.nth(0).getByTestId("s-options").fill("老年食堂\n加装电梯\n停车位");
  await worker.getByTestId("s-add-stars").click();
  await questions.nth(1).getByTestId("s-prompt").fill("您对小区环境满意吗？");
  await worker.getByTestId("s-add-text").click();
  await questions.nth(2).getByTestId("s-prompt").fill("还有什么建议？");
  await questions.nth(2).getByLabel("必答").uncheck();
  await axe(worker);
  await worker.getByTestId("s-create").click();
  await expect(worker).toHaveURL(/\/surveys\/\d+$/);
  const path = new URL(worker.url()).pathname;
  await hydrated(worker);
  // The electorate frozen at the opening: the four households of 1幢 with people on the roster.
  await expect(worker.getByTestId("survey-worker")).toContainText("已收到 0 份，共 4 份应答");
  await axe(worker);

  // 刘建华 answers for his household, one question per screen; a required one cannot be skipped.
  const liu = await phone(browser, "13800000005");
  await liu.goto("/surveys");
  await hydrated(liu);
  await expect(liu.getByTestId("surveys-open")).toContainText("1幢居家养老需求调研");
  await expect(liu.getByTestId("surveys-open").getByTestId("survey-card").filter({ hasText: "1幢居家养老需求调研" })).toContainText("待填写");
  await liu.getByRole("link", { name: "1幢居家养老需求调研" }).click();
  await expect(liu).toHaveURL(path);
  await hydrated(liu);
  await expect(liu.getByTestId("survey-step")).toHaveText("第 1 题，共 3 题");
  await liu.getByTestId("survey-next").click();
  await expect(liu.getByRole("alert")).toHaveText("第 1 题是必答题");
  await liu.getByTestId("a-q0-o0").check();
  await axe(liu);
  await liu.getByTestId("survey-next").click();
  await expect(liu.getByTestId("survey-step")).toHaveText("第 2 题，共 3 题");
  await liu.getByTestId("a-q1-s4").click();
  await expect(liu.getByTestId("a-q1-s4")).toHaveAttribute("aria-checked", "true");
  await axe(liu);
  await liu.getByTestId("survey-next").click();
  await liu.getByTestId("a-q2-text").fill("希望楼下多放几张座椅");
  await liu.getByTestId("survey-submit").click();
  await expect(liu.getByTestId("survey-done")).toContainText("已提交，谢谢您！");
  await axe(liu);
  await liu.goto("/surveys");
  await hydrated(liu);
  await expect(liu.getByTestId("surveys-open").getByTestId("survey-card").filter({ hasText: "1幢居家养老需求调研" }).getByTestId("survey-state")).toContainText("已填写");

  // 周德明's paper form, keyed by two workers: the first keying waits, the matching second counts.
  async function key(page: Page, option: string) {
    await page.goto(`${path}/desk`);
    await hydrated(page);
    await expect(page.getByTestId("paper-unit").locator("option", { hasText: "1幢 1-101" })).toHaveCount(0);
    await page.getByTestId("paper-unit").selectOption({ label: option });
    await page.getByTestId("p-q0-o1").check();
    await page.getByTestId("p-q1-s2").click();
    await page.getByTestId("paper-submit").click();
  }
  await key(worker, "1幢 1-202 · 未填写");
  await expect(worker.getByTestId("paper-keyed")).toHaveText("已录入第一遍，请另一位工作人员再录一遍。");
  await expect(worker.getByTestId("desk-units")).toContainText("1幢 1-202 · 您已录入第一遍，等另一位工作人员录入");
  await axe(worker);
  const sun = await phone(browser, "13800000021"); // 孙社工
  await key(sun, "1幢 1-202 · 已录入第一遍，待录入第二遍");
  await expect(sun.getByTestId("paper-keyed")).toHaveText("已录入并计入。");
  await expect(sun.getByTestId("desk-figures")).toContainText("已收到 2 份");
  await expect(sun.getByTestId("desk-units")).toContainText("1幢 1-202 · 已计入");

  // The survey closes (early: everyone asked has been reached).
  await sun.goto(path);
  await hydrated(sun);
  await sun.getByTestId("survey-close").click();
  await sun.getByTestId("survey-close-yes").click();
  await expect(sun.getByTestId("survey-results-link")).toBeVisible();

  // The same figures for the worker and the resident; the written answer only for the worker.
  for (const page of [sun, liu]) {
    await page.goto(`${path}/results`);
    await hydrated(page);
    await expect(page.getByTestId("survey-participation")).toHaveText("参与 2 / 4（50.0%） 其中纸质问卷 1 份。");
    await expect(page.getByTestId("result-q0")).toContainText("老年食堂1 · 50.0%");
    await expect(page.getByTestId("result-q0")).toContainText("加装电梯1 · 50.0%");
    await expect(page.getByTestId("result-q1-average")).toHaveText("平均 3.00 星");
    await axe(page);
  }
  await expect(sun.getByTestId("result-q2-texts")).toContainText("希望楼下多放几张座椅");
  await expect(liu.getByTestId("result-q2-card")).toContainText("文字回答由工作人员审阅后再公开。");
  await expect(liu.getByTestId("result-q2-card")).not.toContainText("座椅");
  // The worker shows it to the residents and raises a need from it for 刘建华 (代办); he then reads it.
  const answer = sun.getByTestId("text-answer").filter({ hasText: "希望楼下多放几张座椅" });
  await expect(answer.getByTestId("text-state")).toContainText("待审阅");
  await answer.getByTestId("text-show").click();
  await expect(answer.getByTestId("text-state")).toContainText("已公开");
  await answer.getByTestId("text-raise").locator("summary").click();
  await answer.getByTestId("text-raise-title").fill("1幢楼下增设座椅");
  await answer.getByTestId("text-raise-submit").click();
  await expect(answer.getByTestId("text-need")).toContainText("已转为需求：1幢楼下增设座椅");
  await axe(sun);
  await liu.reload();
  await hydrated(liu);
  await expect(liu.getByTestId("result-q2-texts")).toContainText("希望楼下多放几张座椅");
  await liu.goto("/surveys");
  await hydrated(liu);
  await expect(liu.getByTestId("surveys-closed")).toContainText("1幢居家养老需求调研");

  // ---- 项目: from the elevator need and its deliberation, informed by the survey ----
  await worker.goto("/needs");
  await hydrated(worker);
  await worker.getByTestId("need-card").filter({ hasText: "3幢加装电梯" }).getByRole("link").first().click();
  await expect(worker).toHaveURL(/\/needs\/\d+$/);
  const needPath = new URL(worker.url()).pathname;
  await hydrated(worker);
  await worker.getByTestId("need-to-project").click();
  await expect(worker).toHaveURL(/\/projects\/new\?need=\d+$/);
  await hydrated(worker);
  await expect(worker.getByTestId("p-title")).toHaveValue("3幢加装电梯");
  await expect(worker.getByTestId("p-needs").getByLabel(/3幢加装电梯/)).toBeChecked();
  await worker.getByTestId("p-description").fill("3幢加装一部电梯，费用按楼层分摊，政府补助一部分。");
  await worker.getByTestId("p-budget").fill("480000");
  await worker.getByTestId("p-funding").fill("业主分摊和政府补助");
  await worker.getByTestId("p-contractor").fill("杭州某电梯公司");
  await worker.getByTestId("p-delibs").getByLabel(/3幢加装电梯/).check();
  await worker.getByTestId("p-surveys").getByLabel(/1幢居家养老需求调研/).check();
  await worker.getByTestId("p-min").fill("2");
  await axe(worker);
  await worker.getByTestId("p-create").click();
  await expect(worker).toHaveURL(/\/projects\/\d+$/);
  const projectPath = new URL(worker.url()).pathname;
  await hydrated(worker);
  await expect(worker.getByTestId("project-status")).toHaveText("已立项");
  await expect(worker.getByTestId("project-progress")).toHaveText("进度 0%");
  await expect(worker.getByTestId("project-budget")).toHaveText("¥480,000.00");
  await expect(worker.getByTestId("project-needs")).toContainText("3幢加装电梯");
  await expect(worker.getByTestId("project-deliberations")).toContainText("3幢加装电梯");
  await axe(worker);
  await worker.getByTestId("project-step").click(); // 开工
  await expect(worker.getByTestId("project-status")).toHaveText("施工中");
  await worker.getByTestId("before-photo-input").setInputFiles({ name: "施工前.png", mimeType: "image/png", buffer: bigPng(640, 480) });
  await expect(worker.getByTestId("before-photo")).toHaveCount(1);
  await worker.getByTestId("milestone-0-toggle").click();
  await expect(worker.getByTestId("project-progress")).toHaveText("进度 50%");
  await expect(worker.getByTestId("milestone-0")).toContainText("完成");
  await axe(worker);
  // The worker changes the plan: a higher budget; the milestone done stays done.
  await worker.getByTestId("project-plan-edit").locator("summary").click();
  await expect(worker.getByTestId("e-budget")).toHaveValue("¥480,000.00");
  await worker.getByTestId("e-budget").fill("520000");
  await axe(worker);
  await worker.getByTestId("e-save").click();
  await expect(worker.getByTestId("project-budget")).toHaveText("¥520,000.00");
  await expect(worker.getByTestId("project-progress")).toHaveText("进度 50%");
  await expect(worker.getByTestId("project-news")).toContainText("计划已调整");

  // 陈志愿 supports the need: he follows the project and its news reaches him (one digest a day).
  const chen = await phone(browser, "13800000010");
  await expect(async () => {
    await chen.goto("/notifications");
    await hydrated(chen);
    await expect(chen.getByTestId("notification").filter({ hasText: "您关注的项目「3幢加装电梯」" })).toHaveCount(1, { timeout: 2000 });
  }).toPass({ timeout: 120_000, intervals: [5_000] });
  await axe(chen);
  await chen.getByTestId("notification").filter({ hasText: "您关注的项目「3幢加装电梯」" }).getByRole("link").click();
  await expect(chen).toHaveURL(projectPath);
  await hydrated(chen);
  await expect(chen.getByTestId("project-news")).toContainText("节点完成：开工");
  await expect(chen.getByTestId("project-follow")).toHaveText("取消关注");
  await expect(chen.getByTestId("project-worker")).toHaveCount(0);
  await axe(chen);

  // Completed (asked twice), then a rating round of the whole community.
  await worker.getByTestId("milestone-1-toggle").click();
  await expect(worker.getByTestId("project-progress")).toHaveText("进度 100%");
  await worker.getByTestId("project-step").click(); // 报告完工
  await worker.getByTestId("project-step-yes").click();
  await expect(worker.getByTestId("project-status")).toHaveText("已完工");
  await axe(worker);
  await worker.getByTestId("round-open").click();
  await expect(worker.getByTestId("project-status")).toHaveText("评价中");
  await expect(worker.getByTestId("project-rating")).toBeVisible();

  // Two residents rate on their phones: overall and each aspect, one per screen.
  for (const [page, stars] of [[liu, [5, 4, 4, 5]], [chen, [4, 5, 3, 4]]] as [Page, number[]][]) {
    await page.goto("/projects");
    await hydrated(page);
    await expect(page.getByTestId("projects-rating")).toContainText("3幢加装电梯");
    await axe(page);
    await page.getByTestId("projects-rating").getByTestId("project-rate").click();
    await expect(page).toHaveURL(/\/surveys\/\d+$/);
    await hydrated(page);
    for (let q = 0; q < stars.length; q++) {
      await page.getByTestId(`a-q${q}-s${stars[q]}`).click();
      await page.getByTestId(q + 1 < stars.length ? "survey-next" : "survey-submit").click();
    }
    await expect(page.getByTestId("survey-done")).toContainText("已提交，谢谢您！");
  }
  const roundPath = new URL(chen.url()).pathname;

  // The round closes: both satisfied, 2 raters at least — accepted; the need is done.
  await worker.goto(roundPath);
  await hydrated(worker);
  await worker.getByTestId("survey-close").click();
  await worker.getByTestId("survey-close-yes").click();
  await expect(worker.getByTestId("survey-results-link")).toBeVisible();
  await chen.goto(`${roundPath}/results`);
  await hydrated(chen);
  await expect(chen.getByTestId("acceptance-verdict")).toHaveText("验收通过");
  await expect(chen.getByTestId("result-q0-average")).toHaveText("平均 4.50 星");
  await axe(chen);
  await chen.goto(projectPath);
  await hydrated(chen);
  await expect(chen.getByTestId("project-status")).toHaveText("验收通过");
  await expect(chen.getByTestId("project-satisfaction")).toHaveText("满意率 100.0%");
  await expect(chen.getByTestId("project-rounds")).toContainText("第 1 轮评价 · 通过");
  await chen.goto(needPath);
  await hydrated(chen);
  await expect(chen.getByTestId("need-status")).toHaveText("已完成");
  await expect(chen.getByTestId("need-project")).toContainText("3幢加装电梯");

  // The public summary, read without logging in.
  await chen.goto("/projects");
  await hydrated(chen);
  await expect(chen.getByTestId("projects-done")).toContainText("3幢加装电梯");
  const summaryHref = await chen.getByTestId("project-summary-link").getAttribute("href");
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(summaryHref!);
  await hydrated(stranger);
  await expect(stranger.getByRole("heading", { level: 1 })).toHaveText("翠苑社区：项目验收公示");
  const shown = stranger.getByTestId("summary-accepted").getByTestId("summary-project").filter({ hasText: "3幢加装电梯" });
  await expect(shown).toContainText("满意率 100.0%");
  await axe(stranger);
});
