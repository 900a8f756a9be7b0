import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quarterReport } from "./quarter-scenario.js";

/**
 * The HTML report in a real browser: Debian's Chromium (installed by
 * .ci/install-chromium), driven by playwright-core, offline. The page is
 * opened from a file as a reader would open it; any request it makes other
 * than that file is recorded (and refused), and there must be none.
 */

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let dir: string;
let context: BrowserContext;
let page: Page;
let file: string;
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gg-audit-browser-"));
  file = join(dir, "audit.html");
  writeFileSync(file, (await quarterReport()).html);
  // A fresh profile each run (--user-data-dir): nothing of another run's state.
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    // The network is closed: a pull request link opens a stand-in page at its address.
    return url.startsWith("https://github.com/")
      ? route.fulfill({ contentType: "text/html", body: `<title>${url}</title>` })
      : route.abort();
  });
  page = await context.newPage();
  await page.goto(pathToFileURL(file).href);
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the audit report in Chromium", () => {
  it("renders from the file alone: the title, the summary tiles, no request to anywhere", async () => {
    expect(await page.title()).toBe("Governance audit 2026-07-01 – 2026-09-30");
    expect(
      await page
        .locator("#summary .tile")
        .evaluateAll((tiles) => tiles.map((t) => [t.id, t.querySelector(".value")!.textContent])),
    ).toEqual([
      ["tile-merged", "7"],
      ["tile-exceptions", "5"],
      ["tile-bypasses", "3"],
      ["tile-emergencies", "1"],
      ["tile-late-reviews", "1"],
      ["tile-mediated", "1"],
    ]);
    // Laid out: the charts have size on the page.
    for (const id of [
      "#wait-by-area",
      "#wait-by-role",
      "#emergencies-per-month",
      "#levels-per-month",
    ]) {
      const box = await page.locator(id).boundingBox();
      expect(box?.width, id).toBeGreaterThan(200);
      expect(box?.height, id).toBeGreaterThan(50);
    }
    expect(requests).toEqual([]);
  });

  it("draws each wait as bars whose lengths are the data: p90 and median per role, on one scale with the SLA line", async () => {
    const bars = await page.locator("#wait-by-role g.wait").evaluateAll((groups) =>
      groups.map((g) => {
        const width = (selector: string) =>
          (g.querySelector(selector) as SVGGraphicsElement).getBBox().width;
        const sla = g.querySelector(".sla") as SVGLineElement;
        const start = (g.querySelector(".p90") as SVGGraphicsElement).getBBox().x;
        return {
          role: g.getAttribute("data-role"),
          p90: width(".p90"),
          median: width(".median"),
          sla: sla.x1.baseVal.value - start,
        };
      }),
    );
    expect(bars.map((b) => b.role)).toEqual(["backend-lead", "dba-lead", "sre-lead"]);
    // dba-lead's p90 (23 h) is the scale's longest; every other length is in proportion to it.
    const unit = bars[1]!.p90 / 23;
    const hours = bars.map((b) => ({
      role: b.role,
      p90: round(b.p90 / unit),
      median: round(b.median / unit),
      sla: round(b.sla / unit),
    }));
    expect(hours).toEqual([
      { role: "backend-lead", p90: 6, median: 3.5, sla: 16 },
      { role: "dba-lead", p90: 23, median: 2, sla: 16 },
      { role: "sre-lead", p90: 12, median: 7, sla: 16 },
    ]);
  });

  it("draws one emergency bar per month and the levels stacked per month, as tall as their counts", async () => {
    const emergencies = await page
      .locator("#emergencies-per-month rect.emergency")
      .evaluateAll((rects) =>
        rects.map((r) => [
          r.getAttribute("data-month"),
          (r as SVGGraphicsElement).getBBox().height,
        ]),
      );
    expect(emergencies.map(([month]) => month)).toEqual(["2026-07", "2026-08", "2026-09"]);
    expect(emergencies[0]![1]).toBe(0);
    expect(emergencies[1]![1]).toBeGreaterThan(0);
    expect(emergencies[2]![1]).toBe(0);

    const levels = await page.locator("#levels-per-month rect.level").evaluateAll((rects) =>
      rects.map((r) => ({
        month: r.getAttribute("data-month")!,
        level: r.getAttribute("data-level")!,
        height: (r as SVGGraphicsElement).getBBox().height,
      })),
    );
    const one = levels.find((l) => l.month === "2026-07" && l.level === "1")!.height;
    const drawn = levels
      .filter((l) => l.height > 0)
      .map((l) => `${l.month} ${l.level} ${round(l.height / one)}`);
    expect(drawn).toEqual([
      "2026-07 1 1",
      "2026-07 3 1",
      "2026-08 3 2",
      "2026-09 3 1",
      "2026-09 unknown 2",
    ]);
  });

  it("lists the exceptions with links that open their pull requests", async () => {
    const links = page.locator("#exceptions table a[href*='/pull/']");
    expect(
      await links.evaluateAll((as) =>
        as.map((a) => [a.textContent, (a as HTMLAnchorElement).href]),
      ),
    ).toEqual([
      ["acme/billing#7", "https://github.com/acme/billing/pull/7"],
      ["acme/billing#9", "https://github.com/acme/billing/pull/9"],
      ["acme/billing#10", "https://github.com/acme/billing/pull/10"],
      ["acme/chat#103", "https://github.com/acme/chat/pull/103"],
      ["acme/chat#104", "https://github.com/acme/chat/pull/104"],
    ]);
    const row = page.locator("#exceptions tr[data-pull='acme/billing#7']");
    expect(await row.locator(".flag").allTextContents()).toEqual(["emergency", "review-late"]);

    const other = await context.newPage();
    await other.goto(pathToFileURL(file).href);
    await other.locator("a", { hasText: "acme/chat#103" }).click();
    await other.waitForURL("https://github.com/acme/chat/pull/103");
    expect(requests).toEqual(["https://github.com/acme/chat/pull/103"]);
    await other.close();
  });

  it("takes a full-page screenshot", async () => {
    const png = await page.screenshot({ fullPage: true, path: process.env.AUDIT_SCREENSHOT });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(10_000);
  });
});

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
