/** A pane's result as a JSON file or a self-contained HTML report. */
import { gainOfSlider } from "../colour";
import type { AppContext } from "../context";
import { download } from "../dom";
import { changedLines, compareHeadline } from "../diff";
import { buildCompareReport, buildHtmlReport, resultToJson } from "../report";
import { sliceCp } from "../text";
import type { Side } from "../state";

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60) || "result";
}

function exportBase(ctx: AppContext, side: Side): string {
  const d = ctx.store.panes[side].datapoint;
  return `promptlight-${safeName(d?.source || d?.id || "result")}-${ctx.store.method}-${safeName(ctx.store.granularityName())}`;
}

export function exportJson(ctx: AppContext, side: Side): void {
  const r = ctx.store.panes[side].result;
  if (r) download(`${exportBase(ctx, side)}.json`, resultToJson(r), "application/json");
}

export function exportHtml(ctx: AppContext, side: Side): void {
  const { store } = ctx;
  const r = store.panes[side].result;
  const d = store.panes[side].datapoint;
  if (!r) return;
  const html = buildHtmlReport(r, {
    method: store.method,
    granularity: store.granularityName(),
    includeBos: store.includeBos,
    gain: gainOfSlider(store.intensity),
    title: `promptlight: ${d?.source || d?.id || "salience"}`,
    subtitle: d ? `Example ${d.id} (${d.dataset}); explaining the ${store.source === "output" ? "model output" : "dataset target"}.` : undefined,
  });
  download(`${exportBase(ctx, side)}.html`, html, "text/html");
}

/** The compare view as one self-contained HTML page: the headline, A and B on the compare view's colour scale. */
export function exportCompareHtml(ctx: AppContext): void {
  const { store } = ctx;
  const [a, b] = [store.panes.A.result, store.panes.B.result];
  if (!a || !b) return;
  const name = (side: Side) => {
    const d = store.panes[side].datapoint;
    return d ? `${d.source || d.id} (${d.id})` : side;
  };
  const changed = changedLines(sliceCp(a.text, a.prompt_span[0], a.prompt_span[1]), sliceCp(b.text, b.prompt_span[0], b.prompt_span[1])).length;
  const options = { method: store.method, granularity: store.granularityName(), includeBos: store.includeBos, gain: gainOfSlider(store.intensity) };
  const html = buildCompareReport(a, b, {
    ...options,
    title: `promptlight compare: ${name("B")} vs ${name("A")}`,
    subtitle: `${store.method} at ${store.granularityName()}; ${changed} prompt line${changed === 1 ? "" : "s"} changed in B.`,
    labels: [name("A"), name("B")],
    headline: compareHeadline(a, b),
    maxAbs: store.sharedScale ? undefined : 0,
  });
  download(`promptlight-compare-${safeName(name("A"))}-${safeName(name("B"))}.html`, html, "text/html");
}
