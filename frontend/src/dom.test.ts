// @vitest-environment happy-dom
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fixture from "./fixtures/result.json";
import { buildDisplay } from "./salience";
import type { SalienceResult } from "./types";
import { heatmapSpans, infoOf, tooltipLines } from "./ui/heatmap";
import { TargetSelector } from "./ui/target";
import { matchesQuery } from "./ui/examples";
import { alignSpan } from "./align";
import { emptyPane, PaneView, type PaneContext } from "./ui/pane";

const result = fixture as unknown as SalienceResult;
const evil = `<img src=x onerror="window.__pwned=1">`;

describe("text is rendered as text", () => {
  it("puts prompt text into the heatmap as text nodes", () => {
    const hostile: SalienceResult = {
      ...result,
      text: evil + " ok",
      prompt_span: [0, evil.length],
      target_span: [evil.length, evil.length + 3],
      selected_span: [evil.length + 1, evil.length + 3],
      tokens: [
        { text: evil, start: 0, end: evil.length, scores: { grad_l2: 1 } },
        { text: " ok", start: evil.length, end: evil.length + 3, scores: { grad_l2: null } },
      ],
      target_token_span: [1, 2],
      boundaries: { words: [[0, evil.length], [evil.length, evil.length + 3]] },
      segment_scores: {},
    };
    const host = document.createElement("div");
    host.append(...heatmapSpans(buildDisplay(hostile, { method: "grad_l2", granularity: "words" })));
    expect(host.querySelector("img")).toBeNull();
    expect(host.textContent).toBe(evil + " ok");
    const seg = host.querySelector(".pl-seg")!;
    expect(tooltipLines(infoOf(seg)!)[0]).toBe("score 1.000 (100% of max |score|)");
  });

  it("never assigns HTML strings in the UI source", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) files.push(p);
      }
    };
    walk(join(__dirname));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      expect(readFileSync(f, "utf8"), f).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML\(|document\.write\(|DOMParser/);
    }
  });
});

describe("target selector in the DOM", () => {
  const text = "Analysis: mushrooms. 🍄\nRecommendation: try it!";
  function setup() {
    const sel = new TargetSelector("target");
    document.body.append(sel.el);
    sel.set(text, null);
    const commits: ([number, number] | null)[] = [];
    sel.onCommit = (s) => commits.push(s);
    const units = [...sel.el.querySelectorAll<HTMLElement>(".pl-unit")];
    const unit = (w: string) => units.find((u) => u.textContent!.trim() === w)!;
    const fire = (el: EventTarget, type: string, init: PointerEventInit = {}) =>
      el.dispatchEvent(new PointerEvent(type, { bubbles: true, button: 0, ...init }));
    return { sel, commits, unit, fire, units };
  }

  it("drag selects a span and commits it once the click settles", async () => {
    const { commits, unit, fire, units } = setup();
    fire(unit("Recommendation:"), "pointerdown");
    fire(unit("try"), "pointerover");
    fire(unit("it!"), "pointerover");
    fire(document, "pointerup");
    expect(units.filter((u) => u.classList.contains("pl-unit-sel")).map((u) => u.textContent)).toEqual(["Recommendation: ", "try ", "it!"]);
    await new Promise((r) => setTimeout(r, 300));
    // Code points: "🍄" counts once, so "Recommendation:" starts at 23 (UTF-16 index 24).
    expect(text.indexOf("Recommendation:")).toBe(24);
    expect(commits).toEqual([[23, 46]]);
  });

  it("shift-click extends and Escape returns to the whole target", async () => {
    const { sel, commits, unit, fire } = setup();
    fire(unit("mushrooms."), "pointerdown");
    fire(document, "pointerup");
    fire(unit("🍄"), "pointerdown", { shiftKey: true });
    fire(document, "pointerup");
    await new Promise((r) => setTimeout(r, 300));
    expect(commits).toEqual([[10, 22]]);
    sel.el.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(commits).toEqual([[10, 22], null]);
  });
});

describe("example search", () => {
  it("matches every word anywhere in the row, ignoring case", () => {
    const d = { id: "sample_prompts:10", dataset: "sample_prompts", prompt: "Taste-likes: creamy", target: "", source: "fewshot-mistake", fields: {}, origin: "dataset" as const };
    expect(matchesQuery(d, "")).toBe(true);
    expect(matchesQuery(d, "FEWSHOT creamy")).toBe(true);
    expect(matchesQuery(d, "fewshot quiche")).toBe(false);
  });
});

describe("pane B's note on following A", () => {
  const a = "The quiche has eggs.\nRecommendation: You have to try it.";
  const b = "🥚 Eggs: no.\nRecommendation: Better to avoid this one.";
  const actions = { generate() {}, explain() {}, commitSpan() {}, exportJson() {}, exportHtml() {}, followA() {} };
  const ctx: PaneContext = { method: "grad_l2", granularity: "lines", includeBos: false, gain: 1, source: "output", methods: [], compare: true, side: "B" };
  const datapoint = { id: "u:2", dataset: "mine", prompt: "p", target: "", source: "two", fields: {}, origin: "user" as const };
  const generation = { model: "tiny", prompt: "p", text: b, finish_reason: "stop", tokens: [] };

  function render(follow: ReturnType<typeof alignSpan> | "own" | null, side: "A" | "B" = "B") {
    const view = new PaneView(actions);
    const span = follow && follow !== "own" ? follow.span : null;
    view.render({ ...ctx, side }, { ...emptyPane(), datapoint, generation, span, follow });
    return view.el;
  }

  it("says which rule found B's span, and shows that span selected", () => {
    const found = alignSpan(a, [21, 56], b);
    const el = render(found);
    expect(el.querySelector(".pl-follow-label .pl-follow-tag")!.textContent).toBe("Follows A");
    expect(el.querySelector(".pl-follow")!.textContent).toContain("same label 'Recommendation:'");
    expect(el.querySelector(".pl-selinfo .pl-quote")!.textContent).toBe("Recommendation: Better to avoid this one.");
    expect(render({ rule: "none", span: null }).querySelector(".pl-follow-none")!.textContent).toContain("whole output — no matching span");
    expect(render({ rule: "text", span: [0, 1] }).querySelector(".pl-follow-text")!.textContent).toContain("same text");
  });

  it("offers to follow A again after a selection made in B, and says nothing in pane A", () => {
    const own = render("own");
    expect(own.querySelector(".pl-follow-own")!.textContent).toContain("Own selection");
    expect([...own.querySelectorAll("button")].some((btn) => btn.textContent === "Follow A")).toBe(true);
    expect(render(null).querySelector(".pl-follow")).toBeNull();
    expect(render(alignSpan(a, [21, 56], b), "A").querySelector(".pl-follow")).toBeNull();
  });
});
