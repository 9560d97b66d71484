// 调研 on three phones in Chinese: a worker writes a needs-research survey of one building's
// households with double entry; a resident answers on his phone, one question per screen; an
// elder's paper form is keyed by two workers and counts once both keyings match; the survey
// closes and the results are the same figures for the worker (with the written answers) and the
// resident (without them, until moderated).
import { hydrated, phone } from "./helpers";
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

test("a needs-research survey answered on a phone and on paper keyed twice, closed, with its results", async ({ browser }) => {
  test.setTimeout(240_000);
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
  await expect(liu.getByTestId("surveys-open")).toContainText("待填写");
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
  await expect(liu.getByTestId("surveys-open").getByTestId("survey-state")).toContainText("已填写");

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
  await liu.goto("/surveys");
  await hydrated(liu);
  await expect(liu.getByTestId("surveys-closed")).toContainText("1幢居家养老需求调研");
});
