/**
 * Exports of the current result: the JSON record as served, and a self-contained HTML report
 * (inline CSS, the heatmap as escaped text spans, a legend, no scripts, no network) that opens
 * anywhere and can be mailed to people without promptlight.
 */
import { legendGradient, legendRange, styleFor } from "./colour";
import { buildDisplay, checkSummary, describeObjective, formatScore, methodNotes, type DisplayOptions } from "./salience";
import { sliceCp } from "./text";
import type { SalienceResult } from "./types";
// The one style sheet of every HTML report: Python's `result_to_html` inlines the same file.
import REPORT_CSS from "../../promptlight/report.css?raw";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The result record as pretty JSON (what `POST /api/salience` returned, minus `cached`). */
export function resultToJson(result: SalienceResult): string {
  const { cached: _cached, ...record } = result;
  return JSON.stringify(record, null, 2) + "\n";
}

export interface ReportOptions extends DisplayOptions {
  title?: string;
  /** Extra lines shown under the title, e.g. the example id and source. */
  subtitle?: string;
}


/** The body of a report for one result: its facts, the heatmap with its legend, the top segments. */
function reportSection(result: SalienceResult, options: ReportOptions, heading = "h2"): string {
  const display = buildDisplay(result, options);
  const e = escapeHtml;
  const spans = display.pieces
    .map((p) => {
      const tip = p.score === null ? "" : ` title="${e(`score ${formatScore(p.score)}`)}"`;
      if (p.region === "special") {
        return `<span class="special"${tip}>${e(p.text)}</span>`;
      }
      if (p.region === "target") {
        return `<span class="${p.selected ? "target selected" : "target"}">${e(p.text)}</span>`;
      }
      const style = p.onScale ? styleFor(p.score, display.scale) : null;
      const css = style ? ` style="background:${style.background};color:${style.color}"` : "";
      return `<span class="${p.template ? "seg template" : "seg"}"${css}${tip}>${e(p.text)}</span>`;
    })
    .join("");
  const range = legendRange(display.scale);
  const legendLabels = display.signed
    ? [`${formatScore(range.low)} pulls the selection down`, `${formatScore(range.high)} pushes it up`]
    : ["0", `${formatScore(range.high)} (unsigned: more influence)`];
  const top = display.ranked
    .slice(0, 10)
    .map((r, i) => `<tr><td class="num">${i + 1}</td><td class="num">${e(formatScore(r.score))}</td><td class="text">${e(r.text)}</td></tr>`)
    .join("");
  const [ss, se] = result.selected_span;
  const selected = sliceCp(result.text, ss, se);
  const notes = methodNotes(result, options.method);
  const rows: [string, string][] = [
    ["model", result.model],
    ["method", options.method + (notes.length ? ` (${notes.join(", ")})` : "")],
    ["granularity", options.granularity],
    ["selected target", selected],
    ["objective", describeObjective(result, options.method)],
    ["f", `${formatScore(result.objective_value)} nats`],
  ];
  if (typeof result.foil === "string" && typeof result.f_target === "number" && typeof result.f_foil === "number") {
    rows.push(["versus (foil)", result.foil], ["log p(selection), log p(foil)", `${formatScore(result.f_target)}, ${formatScore(result.f_foil)} nats`]);
  }
  if (result.faithfulness) rows.push([`faithfulness (${result.faithfulness.granularity})`, checkSummary(result.faithfulness)]);
  return `<dl>${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")}</dl>
${display.notice ? `<p class="meta">${e(display.notice)}</p>` : ""}
<${heading}>Salience over the prompt</${heading}>
<div class="legend"><span>${e(legendLabels[0])}</span><span class="bar" style="background:${legendGradient(display.signed)}"></span>${legendLabels
    .slice(1)
    .map((l) => `<span>${e(l)}</span>`)
    .join("")}</div>
<p class="meta">Colour = score / max |score| ${options.maxAbs ? `(${e(formatScore(display.scale.maxAbs))}, shared by both sides) ` : ""}over the prompt ${e(options.granularity)}${options.includeBos ? "" : " (BOS left out)"}, intensity ×${e((options.gain ?? 1).toFixed(2))}. Hover a segment for its raw score. The selected target is underlined.</p>
<div class="heatmap">${spans}</div>
<${heading}>Top segments</${heading}>
<table><thead><tr><th>#</th><th>score</th><th>segment</th></tr></thead><tbody>${top}</tbody></table>`;
}

function page(title: string, subtitle: string | undefined, body: string, version: string, wide = false): string {
  const e = escapeHtml;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>
${REPORT_CSS}</style>
</head>
<body${wide ? ' class="compare"' : ""}>
<h1>${e(title)}</h1>
${subtitle ? `<p class="meta">${e(subtitle)}</p>` : ""}
${body}
<footer>Made with promptlight. Result schema version ${e(version)}.</footer>
</body>
</html>
`;
}

/** A self-contained HTML page showing `result` at `options.granularity` for `options.method`. */
export function buildHtmlReport(result: SalienceResult, options: ReportOptions): string {
  const title = options.title ?? `promptlight salience: ${result.model}`;
  return page(title, options.subtitle, reportSection(result, options), String(result.schema_version));
}

/** One self-contained page for the compare view: the headline, then A and B side by side on one colour scale. */
export function buildCompareReport(a: SalienceResult, b: SalienceResult, options: ReportOptions & { labels: [string, string]; headline: string }): string {
  const e = escapeHtml;
  const shared = options.maxAbs ?? Math.max(buildDisplay(a, options).scale.maxAbs, buildDisplay(b, options).scale.maxAbs);
  const side = (r: SalienceResult, label: string, name: string) =>
    `<section><h2>${e(name)}: ${e(label)}</h2>${reportSection(r, { ...options, maxAbs: shared }, "h3")}</section>`;
  const body = `<p><strong>${e(options.headline)}</strong></p><div class="sides">${side(a, options.labels[0], "A")}${side(b, options.labels[1], "B")}</div>`;
  return page(options.title ?? "promptlight: compare", options.subtitle, body, String(a.schema_version), true);
}
