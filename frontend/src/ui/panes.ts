/** The right column's result area: pane A, and pane B beside it in the compare view. */
import { methodAgreement, type Agreement } from "../agreement";
import { cancelCall, explain, commitSpan, generate } from "../actions/calls";
import { compare, followAgain, swap } from "../actions/compare";
import { exportCompareHtml, exportHtml, exportJson } from "../actions/exports";
import { contrastAt, setSource } from "../actions/view";
import { gainOfSlider } from "../colour";
import { changedLines, compareHeadline } from "../diff";
import { buildDisplay } from "../salience";
import { sliceCp } from "../text";
import { datasetTarget, type Pair, type SalienceResult } from "../types";
import type { AppContext } from "../context";
import { h, replace } from "../dom";
import type { Side } from "../state";
import { PaneView } from "./pane";

export class PanesPanel {
  readonly el = h("div", { class: "pl-panes" });
  /** The compare view's headline: how f moved, whether the output changed, the shared-scale toggle, the report. */
  private readonly head = h("div", { class: "pl-compare-head pl-small", attrs: { role: "status" } });
  private readonly ctx: AppContext;
  private readonly views: Record<Side, PaneView>;

  constructor(ctx: AppContext) {
    this.ctx = ctx;
    this.views = {
      A: new PaneView(this.actions("A")),
      B: new PaneView({ ...this.actions("B"), close: () => void compare(ctx, null), swap: () => swap(ctx), followA: () => followAgain(ctx) }),
    };
  }

  private actions(side: Side) {
    const ctx = this.ctx;
    return {
      generate: async (): Promise<void> => {
        // A row without a dataset target: what was generated is what can be explained, so show it.
        const ok = await generate(ctx, side);
        const d = ctx.store.panes[side].datapoint;
        if (ok && ctx.store.source === "target" && d && !datasetTarget(d)) setSource(ctx, "output");
      },
      explain: () => void explain(ctx, side),
      commitSpan: (span: [number, number] | null) => commitSpan(ctx, side, span),
      exportJson: () => exportJson(ctx, side),
      exportHtml: () => exportHtml(ctx, side),
      contrast: (span: [number, number], foil: string) => contrastAt(ctx, side, span, foil),
      cancel: () => void cancelCall(ctx, side),
      check: () => void explain(ctx, side, { check: true }),
      useOutput: () => {
        setSource(ctx, "output");
        if (!ctx.store.panes[side].result) void explain(ctx, side);
      },
    };
  }

  render(): void {
    const s = this.ctx.store;
    const pane = {
      method: s.method,
      granularity: s.granularityName(),
      includeBos: s.includeBos,
      gain: gainOfSlider(s.intensity),
      source: s.source,
      methods: s.methods,
      compare: s.comparing,
    };
    const a = s.panes.A.result;
    const b = s.panes.B.result;
    let scaleMax: number | undefined;
    let changed: Pair[] = [];
    if (s.comparing && a && b) {
      const options = { method: s.method, granularity: s.granularityName(), includeBos: s.includeBos };
      if (s.sharedScale) {
        try {
          scaleMax = Math.max(buildDisplay(a, options).scale.maxAbs, buildDisplay(b, options).scale.maxAbs);
        } catch {
          scaleMax = undefined; // a granularity one side cannot show: each pane says so itself
        }
      }
      changed = changedLines(sliceCp(a.text, a.prompt_span[0], a.prompt_span[1]), sliceCp(b.text, b.prompt_span[0], b.prompt_span[1]));
    }
    this.views.A.render({ ...pane, side: "A", scaleMax, agreement: this.agreement("A") }, s.panes.A);
    if (s.comparing) this.views.B.render({ ...pane, side: "B", scaleMax, changed, agreement: this.agreement("B") }, s.panes.B);
    this.renderHead(a, b, changed.length);
    const want = s.comparing ? [this.head, this.views.A.el, this.views.B.el] : [this.views.A.el];
    if (this.el.children.length !== want.length || want.some((el, i) => this.el.children[i] !== el)) replace(this.el, ...want);
    this.el.classList.toggle("pl-two", s.comparing);
  }

  /** How the other methods the page holds for this pane's selection rank its segments against the shown one. */
  private agreement(side: Side): Agreement[] {
    const s = this.ctx.store;
    const shown = s.panes[side].result;
    if (!shown) return [];
    return methodAgreement(shown, s.otherMethodResults(side), { method: s.method, granularity: s.granularityName() });
  }

  private renderHead(a: SalienceResult | null, b: SalienceResult | null, changed: number): void {
    const s = this.ctx.store;
    if (!s.comparing) return;
    const toggle = h("input", { attrs: { type: "checkbox", "aria-label": "Shared colour scale" } });
    toggle.checked = s.sharedScale;
    toggle.addEventListener("change", () => {
      s.sharedScale = toggle.checked;
      this.render();
    });
    replace(
      this.head,
      h("strong", null, a && b ? compareHeadline(a, b) : "Explain both sides to compare them."),
      a && b ? h("span", { class: "pl-muted" }, changed ? ` · ${changed} prompt line${changed === 1 ? "" : "s"} changed in B (marked)` : " · same prompt lines") : null,
      h("label", { class: "pl-row pl-gap-s" }, toggle, s.sharedScale ? "Shared colour scale" : "Separate colour scales"),
      a && b ? h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button", title: "Download one self-contained HTML page with both sides" }, on: { click: () => exportCompareHtml(this.ctx) } }, "Compare report") : null,
    );
  }

  destroy(): void {
    this.views.A.destroy();
    this.views.B.destroy();
  }
}
