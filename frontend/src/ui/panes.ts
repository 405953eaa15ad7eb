/** The right column's result area: pane A, and pane B beside it in the compare view. */
import { cancelCall, explain, commitSpan, generate } from "../actions/calls";
import { compare, followAgain, swap } from "../actions/compare";
import { exportHtml, exportJson } from "../actions/exports";
import { contrastAt, setSource } from "../actions/view";
import { gainOfSlider } from "../colour";
import type { AppContext } from "../context";
import { h, replace } from "../dom";
import type { Side } from "../state";
import { PaneView } from "./pane";

export class PanesPanel {
  readonly el = h("div", { class: "pl-panes" });
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
      generate: () => void generate(ctx, side),
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
    this.views.A.render({ ...pane, side: "A" }, s.panes.A);
    if (s.comparing) this.views.B.render({ ...pane, side: "B" }, s.panes.B);
    const want = s.comparing ? [this.views.A.el, this.views.B.el] : [this.views.A.el];
    if (this.el.children.length !== want.length || want.some((el, i) => this.el.children[i] !== el)) replace(this.el, ...want);
    this.el.classList.toggle("pl-two", s.comparing);
  }

  destroy(): void {
    this.views.A.destroy();
    this.views.B.destroy();
  }
}
