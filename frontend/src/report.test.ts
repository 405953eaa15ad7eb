import { describe, expect, it } from "vitest";
import fixture from "./fixtures/result.json";
import { buildHtmlReport, escapeHtml, resultToJson } from "./report";
import type { SalienceResult } from "./types";

const result = fixture as unknown as SalienceResult;

describe("HTML escaping", () => {
  it("escapes the five special characters", () => {
    expect(escapeHtml(`<b a="1" b='2'>&amp;</b>`)).toBe("&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;amp;&lt;/b&gt;");
    expect(escapeHtml("plain 🍰 text")).toBe("plain 🍰 text");
  });
});

describe("HTML report", () => {
  const prompt = `<script>alert("x")</script><img src=x onerror=alert(1)>\n`;
  const target = "O'K & done";
  const P = [...prompt].length;
  const T = [...target].length;
  const hostile: SalienceResult = {
    ...result,
    text: prompt + target,
    prompt_span: [0, P],
    target_span: [P, P + T],
    selected_span: [P, P + T],
    tokens: [
      { text: "", start: 0, end: 0, special: true, scores: { grad_dot_input: 0.1 } },
      { text: prompt, start: 0, end: P, scores: { grad_dot_input: 0.5 } },
      { text: target, start: P, end: P + T, scores: { grad_dot_input: null } },
    ],
    target_token_span: [2, 3],
    boundaries: { words: [[0, P], [P, P + T]] },
    segment_scores: {},
  };
  const html = buildHtmlReport(hostile, { method: "grad_dot_input", granularity: "words", title: "Report <i>" });

  it("never lets prompt text become markup", () => {
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("<title>Report &lt;i&gt;</title>");
    expect(html).toContain("O&#39;K &amp; done");
  });

  it("is self-contained: inline style, no scripts, no external resources", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import|url\(/i);
  });

  it("shows the heatmap with raw scores on hover, the legend and the top segments", () => {
    const plain = buildHtmlReport(result, { method: "grad_dot_input", granularity: "words" });
    expect(plain).toContain('title="score −0.400"');
    expect(plain).toMatch(/<span class="seg" style="background:rgb\(33, 102, 172\);color:#ffffff" title="score −0.400">eggs\.\n<\/span>/);
    expect(plain).toContain("linear-gradient(to right");
    expect(plain).toContain("pushes it up");
    expect(plain).toContain('<span class="target selected">Try </span>');
    expect(plain).toContain("f = sum of log p(token | everything before it)");
    expect(plain).toMatch(/<td class="num">1<\/td><td class="num">−0.400<\/td><td class="text">eggs\.\n<\/td>/);
  });

  it("exports the JSON record without the cache flag", () => {
    const json = resultToJson({ ...result, cached: true });
    expect(JSON.parse(json)).toEqual(result);
    expect(json).not.toContain('"cached"');
  });
});

describe("the report carries the faithfulness check", () => {
  it("as one row in the CLI's words", () => {
    const removal = { size: 1, segments: [1], drop: 2.5, random: [], random_median: 1.25, ratio: 2, above_random: true };
    const base = fixture as unknown as SalienceResult;
    const checked: SalienceResult = { ...base, faithfulness: { granularity: "words", ranked_by: "score", f: -1, segments_ranked: 2, random_sets: 8, seed: 0, forward_passes: 19, top1: removal, top3: { ...removal, size: 2 } } };
    const page = buildHtmlReport(checked, { method: "grad_dot_input", granularity: "words" });
    expect(page).toContain("faithfulness (words)");
    expect(page).toContain("Removing the top word lowers f by 2.5 nats; a random word: 1.25 (x2.0).");
    expect(buildHtmlReport(base, { method: "grad_dot_input", granularity: "words" })).not.toContain("faithfulness (");
  });
});
