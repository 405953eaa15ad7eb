/**
 * DOM for a Display (salience.ts): the heatmap spans, the legend and the ranked segments.
 * Text goes in as text nodes only.
 */
import { colourFor, legendGradient, legendRange, normalise, styleFor, type Scale } from "../colour";
import { h, preview } from "../dom";
import { formatScore, SEGMENT_UNITS, type Display, type Piece } from "../salience";

/** What the hover tooltip needs to know about a heatmap span. */
export interface PieceInfo {
  piece: Piece;
  scale: Scale;
}

const pieceInfo = new WeakMap<Element, PieceInfo>();

export function infoOf(el: Element): PieceInfo | undefined {
  return pieceInfo.get(el);
}

/** The spans of the heatmap (prompt coloured, target plain with the selection marked). */
export function heatmapSpans(display: Display): HTMLElement[] {
  return display.pieces.map((p) => {
    let el: HTMLElement;
    if (p.region === "special") {
      el = h("span", { class: `pl-special${p.onScale ? "" : " pl-offscale"}` }, p.text);
      const st = p.onScale ? styleFor(p.score, display.scale) : null;
      if (st) {
        el.style.background = st.background;
        el.style.color = st.color;
      }
    } else if (p.region === "target") {
      el = h("span", { class: p.selected ? "pl-tgt pl-tgt-sel" : "pl-tgt" }, p.text);
    } else {
      el = h("span", { class: `pl-seg${p.template ? " pl-template" : ""}${p.estimated ? " pl-estimated" : ""}`, attrs: { "data-seg": p.segment } }, p.text);
      const st = p.onScale ? styleFor(p.score, display.scale) : null;
      if (st) {
        el.style.background = st.background;
        el.style.color = st.color;
      }
    }
    pieceInfo.set(el, { piece: p, scale: display.scale });
    return el;
  });
}

/** Tooltip lines for a hovered piece. */
export function tooltipLines(info: PieceInfo): string[] {
  const { piece, scale } = info;
  if (piece.region === "target") return [piece.selected ? "Selected target (explained)" : "Target (not scored)"];
  if (piece.region === "special") {
    return [`${piece.text}: score ${formatScore(piece.score)}`, piece.onScale ? "on the colour scale" : "left out of the colour scale"];
  }
  if (piece.template) {
    return [`chat template: score ${formatScore(piece.score)}`, piece.onScale ? "on the colour scale" : "left out of the colour scale and the top list", `“${preview(piece.text, 60)}”`];
  }
  if (piece.score === null) return ["not scored", preview(piece.text, 60)];
  const pct = scale.maxAbs > 0 ? Math.round((Math.abs(piece.score) / scale.maxAbs) * 100) : 0;
  const lines = [`score ${formatScore(piece.score)} (${pct}% of max |score|)`, `“${preview(piece.text, 60)}”`];
  if (piece.estimated) lines.push("estimated (coarse to fine): an equal share of its paragraph's or sentence's score, not left out on its own");
  return lines;
}

/** The legend of a scale. */
export function legend(display: Display, bos: Piece | undefined): HTMLElement {
  const r = legendRange(display.scale);
  const bar = h("span", { class: "pl-legend-bar", attrs: { "aria-hidden": "true" }, style: { background: legendGradient(display.signed) } });
  const parts: (HTMLElement | string)[] = display.signed
    ? [h("span", null, `${formatScore(r.low)} pulls down`), bar, h("span", null, `${formatScore(r.high)} pushes up`)]
    : [h("span", null, "0"), bar, h("span", null, `${formatScore(r.high)} (unsigned)`)];
  const label = display.signed
    ? `Diverging colour scale from ${formatScore(r.low)} (blue, pulls the selection down) to ${formatScore(r.high)} (red, pushes it up)`
    : `Sequential colour scale from 0 to ${formatScore(r.high)}; unsigned method, darker = more influence`;
  return h(
    "div",
    { class: "pl-legend", attrs: { role: "img", "aria-label": label } },
    ...parts,
    bos && bos.score !== null ? h("span", { class: "pl-muted pl-small" }, `BOS ${formatScore(bos.score)}${bos.onScale ? "" : " (off scale)"}`) : null,
  );
}

/** Where a ranked segment is: "line 5 · chars 120–164" (its place among the granularity's segments, code points). */
export function locatorText(granularity: string, segment: number, start: number, end: number): string {
  const unit = SEGMENT_UNITS[granularity] ?? "segment";
  return `${unit} ${segment + 1} · chars ${start}–${end}`;
}

/** The top segments as buttons, each with its full text and where it is; `onPick(segmentIndex)` when one is activated. */
export function topList(display: Display, k: number, onPick: (segment: number) => void, granularity = ""): HTMLElement {
  const top = display.ranked.slice(0, k);
  if (top.length === 0) return h("p", { class: "pl-muted pl-small" }, "No scored prompt segments.");
  return h(
    "ol",
    { class: "pl-top" },
    ...top.map((r, i) => {
      const n = normalise(r.score, { ...display.scale, gain: 1 });
      const bg = colourFor(r.score, { ...display.scale, gain: 1 }) ?? "transparent";
      const where = locatorText(granularity, r.segment, r.start, r.end);
      const shown = r.text.trim() || "(whitespace)";
      return h(
        "li",
        null,
        h(
          "button",
          {
            class: "pl-top-item",
            attrs: { type: "button", title: `Show ${where.split(" · ")[0]} in the prompt (${where.split(" · ")[1]})`, "aria-label": `Rank ${i + 1}, score ${formatScore(r.score)}, ${where}: ${preview(r.text, 200)}` },
            on: { click: () => onPick(r.segment) },
          },
          h("span", { class: "pl-top-rank" }, String(i + 1)),
          h("span", { class: "pl-top-score" }, formatScore(r.score)),
          h("span", { class: "pl-top-bar", attrs: { "aria-hidden": "true" } }, h("span", { style: { width: `${Math.round(Math.abs(n) * 100)}%`, background: bg } })),
          h("span", { class: "pl-top-body" }, h("span", { class: "pl-top-text" }, shown), h("span", { class: "pl-top-where" }, where)),
        ),
      );
    }),
  );
}
