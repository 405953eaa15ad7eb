/**
 * One example's view: its output, the selectable target, and the salience heatmap with the
 * objective, legend and top segments. The app shows one pane, or two side by side to compare.
 */
import type { Agreement } from "../agreement";
import { alignmentNote, type Alignment } from "../align";
import { h, preview, replace } from "../dom";
import { buildDisplay, checkSummary, describeObjective, formatScore, methodNotes, SEGMENT_UNITS } from "../salience";
import { sliceCp } from "../text";
import type { ExplainSource } from "../viewstate";
import { datasetTarget, type CallProgress, type Datapoint, type Generation, type MethodInfo, type Pair, type SalienceResult } from "../types";
import { heatmapSpans, legend, topList } from "./heatmap";
import { TargetSelector } from "./target";

export interface PaneState {
  datapoint: Datapoint | null;
  generation: Generation | null;
  /** Selected span of the explained text (code points relative to it); null = all of it. */
  span: Pair | null;
  result: SalienceResult | null;
  /** Why the shown result does not match the current selection, or null. */
  resultStale: string | null;
  error: string | null;
  busy: "generate" | "salience" | "check" | null;
  busySince: number;
  /** The running call's id (X-Promptlight-Call) and its last progress report, while busy. */
  callId?: string | null;
  progress?: CallProgress | null;
  /** The cache keys the running salience call answers (so a click that asks the same does not restart it). */
  callKeys?: string[];
  /** What happened to this pane's last call when it was not an error (e.g. stopped by a model switch). */
  note?: string | null;
  /** An auto-run held back because it would be long: what it would cost, until the user runs it. */
  confirm?: string | null;
  /**
   * Pane B in the compare view: how its span relates to pane A's selection. An alignment =
   * it follows A's (align.ts, and which rule found it); "own" = chosen in B, A's is not
   * followed until it changes; null = nothing to say (A explains its whole text).
   */
  follow: Alignment | "own" | null;
}

/** Below this rank correlation two methods tell different stories about the prompt. */
const DISAGREE_BELOW = 0.3;

/**
 * "Agreement with other methods (Spearman over 12 words): grad_l2 0.82 · occlusion 0.41": shown when the page
 * holds other methods' results for this selection; a low value says the heatmap depends on the method.
 */
function agreementStrip(ctx: PaneContext): HTMLElement | null {
  const rows = ctx.agreement ?? [];
  if (!rows.length) return null;
  const segments = Math.max(...rows.map((a) => a.segments));
  const unit = SEGMENT_UNITS[ctx.granularity] ?? "segment";
  const low = rows.filter((a) => a.rho < DISAGREE_BELOW).map((a) => a.method);
  return h(
    "div",
    {
      class: `pl-agreement pl-small${low.length ? " pl-check-warn" : ""}`,
      attrs: { role: "status", title: "Spearman rank correlation between this heatmap's segment scores and each other method's, over the prompt segments both score (1: the same order, 0: unrelated, −1: reversed). Run another method on this selection to add it." },
    },
    h("b", null, `Agreement with other methods (Spearman over ${segments} ${unit}${segments === 1 ? "" : "s"}): `),
    ...rows.map((a, i) => h("span", { class: "pl-agreement-item" }, `${i ? " · " : ""}${a.method} ${a.rho.toFixed(2)}`)),
    low.length ? `. ${low.join(", ")} ${low.length === 1 ? "ranks" : "rank"} this prompt differently: the heatmap depends on the method here.` : "",
  );
}

export function emptyPane(): PaneState {
  return { datapoint: null, generation: null, span: null, result: null, resultStale: null, error: null, busy: null, busySince: 0, follow: null };
}

export interface PaneContext {
  method: string;
  granularity: string;
  includeBos: boolean;
  gain: number;
  source: ExplainSource;
  methods: MethodInfo[];
  compare: boolean;
  /** "A" or "B": the label in compare mode. */
  side: "A" | "B";
  /** The compare view's shared colour scale (max |score| over both panes), if on. */
  scaleMax?: number;
  /** Code-point ranges of prompt lines this pane changed against the other (pane B), to mark. */
  changed?: Pair[];
  /** Rank agreement of the other methods the page holds for this selection with the shown one. */
  agreement?: Agreement[];
}

export interface PaneActions {
  generate(): void;
  explain(): void;
  commitSpan(span: Pair | null): void;
  exportJson(): void;
  exportHtml(): void;
  close?(): void;
  swap?(): void;
  /** Switch "what to explain" to the model output. */
  useOutput?(): void;
  /** Pane B: follow pane A's selection again (drop B's own). */
  followA?(): void;
  /** Explain why the model wrote the token at `span` (of the explained text) rather than `foil`. */
  contrast?(span: Pair, foil: string): void;
  /** Stop the running model call. */
  cancel?(): void;
  /** Run the faithfulness check on the shown result, at the shown granularity. */
  check?(): void;
}

/** "step 12/32 · about 8 s left" from a progress report (empty before the first one). */
export function progressText(p: CallProgress | null | undefined): string {
  if (!p) return "";
  if (p.state === "queued") return "waiting for the model";
  if (!p.total) return "";
  const unit = p.unit === "steps" ? "step" : p.unit === "variants" ? "variant" : p.unit === "tokens" ? "token" : p.unit;
  const eta = p.eta_s !== null && p.eta_s !== undefined ? ` · about ${p.eta_s < 1 ? "1" : Math.round(p.eta_s)} s left` : "";
  return `${unit} ${p.done}/${p.total}${eta}`;
}

/** The text the pane explains under `source`: the dataset target or the model output. */
export function explainedText(state: PaneState, source: ExplainSource): string | null {
  if (source === "output") return state.generation ? state.generation.text : null;
  return state.datapoint ? datasetTarget(state.datapoint) : null;
}

export class PaneView {
  readonly el: HTMLElement;
  private readonly actions: PaneActions;
  private readonly selector: TargetSelector;
  private readonly title = h("h2", { class: "pl-pane-title" });
  private readonly subtitle = h("div", { class: "pl-muted pl-small pl-ellipsis" });
  private readonly buttons = h("div", { class: "pl-row pl-gap-s pl-wrap" });
  private readonly errorBox = h("div", { class: "pl-error", attrs: { role: "alert" } });
  private readonly noteBox = h("div", { class: "pl-note", attrs: { role: "status" } });
  private readonly confirmBox = h("div", { class: "pl-confirm", attrs: { role: "status" } });
  private readonly explainBlock = h("div", { class: "pl-block" });
  private readonly otherBlock = h("div", { class: "pl-block" });
  private readonly summary = h("div", { class: "pl-summary" });
  private readonly heatmap = h("div", { class: "pl-heatmap pl-mono", attrs: { tabindex: 0, role: "region", "aria-label": "Prompt heatmap" } });
  private readonly top = h("div", { class: "pl-top-wrap" });
  private readonly busyBox = h("div", { class: "pl-busy", attrs: { role: "status" } });
  private readonly btns: Record<"generate" | "explain" | "json" | "html" | "swap" | "close", HTMLButtonElement>;

  constructor(actions: PaneActions) {
    this.actions = actions;
    const btn = (label: string, title: string, on: () => void, cls = "pl-btn", aria?: string) =>
      h("button", { class: cls, attrs: { type: "button", title, "aria-label": aria }, on: { click: on } }, label);
    this.btns = {
      generate: btn("Generate", "Run the model on this prompt with the generation settings", () => this.actions.generate()),
      explain: btn("Explain", "Compute salience", () => this.actions.explain(), "pl-btn pl-btn-primary"),
      json: btn("JSON", "Download the current salience result as JSON", () => this.actions.exportJson()),
      html: btn("HTML report", "Download a self-contained HTML report of the current view", () => this.actions.exportHtml()),
      swap: btn("⇄", "Swap the two sides", () => this.actions.swap?.(), "pl-btn", "Swap sides"),
      close: btn("✕", "Close the compare view", () => this.actions.close?.(), "pl-btn", "Close compare"),
    };
    replace(this.buttons, ...Object.values(this.btns));
    this.selector = new TargetSelector("Text to explain: click or drag to select words, shift-click to extend, double-click for a line; Enter explains the selection");
    this.selector.onCommit = (span) => this.actions.commitSpan(span);
    this.el = h(
      "section",
      { class: "pl-pane pl-card" },
      h("header", { class: "pl-pane-head" }, h("div", { class: "pl-pane-id" }, this.title, this.subtitle), this.buttons),
      this.errorBox,
      this.noteBox,
      this.confirmBox,
      this.explainBlock,
      this.otherBlock,
      h(
        "div",
        { class: "pl-salience" },
        this.summary,
        h("div", { class: "pl-heat-grid" }, h("div", { class: "pl-heat-col" }, this.heatmap, this.busyBox), this.top),
      ),
    );
  }

  destroy(): void {
    this.selector.destroy();
  }

  /** Briefly highlight segment `k` in the heatmap and scroll it into view. */
  flashSegment(k: number): void {
    const els = this.heatmap.querySelectorAll<HTMLElement>(`.pl-seg[data-seg="${k}"]`);
    els.forEach((el) => {
      el.classList.remove("pl-flash");
      void el.offsetWidth;
      el.classList.add("pl-flash");
    });
    els[0]?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  render(ctx: PaneContext, s: PaneState): void {
    const d = s.datapoint;
    this.el.classList.toggle("pl-pane-compare", ctx.compare);
    this.el.setAttribute("aria-label", ctx.compare ? `Compare ${ctx.side}` : "Selected example");
    replace(this.title, ctx.compare ? h("span", { class: "pl-side" }, ctx.side) : null, h("span", { class: "pl-ellipsis" }, d ? d.source || d.id : "No example selected"));
    this.title.title = d ? d.source || d.id : "";
    this.subtitle.textContent = d ? `${d.id} · ${d.dataset}${d.origin === "user" ? " · user" : ""}` : "Pick an example on the left, or write one in the editor.";

    const busy = s.busy !== null;
    const text = explainedText(s, ctx.source);
    const b = this.btns;
    b.generate.disabled = !d || busy;
    b.explain.disabled = !d || busy || (ctx.source === "target" && !text);
    b.explain.title = `Compute salience of the prompt for the selected part of the ${ctx.source === "output" ? "model output" : "dataset target"}`;
    b.json.disabled = !s.result;
    b.html.disabled = !s.result;
    b.swap.hidden = !this.actions.swap;
    b.close.hidden = !this.actions.close;

    this.errorBox.hidden = !s.error;
    replace(this.errorBox, s.error ? h("strong", null, "Error: ") : null, s.error ?? "");
    this.noteBox.hidden = !s.note;
    this.noteBox.textContent = s.note ?? "";
    this.confirmBox.hidden = !s.confirm;
    replace(
      this.confirmBox,
      s.confirm ?? "",
      s.confirm ? " " : null,
      s.confirm ? h("button", { class: "pl-btn pl-btn-small pl-btn-primary", attrs: { type: "button" }, on: { click: () => this.actions.explain() } }, "Run it") : null,
    );

    this.renderTexts(ctx, s, text);
    this.renderSalience(ctx, s);
  }

  private renderTexts(ctx: PaneContext, s: PaneState, text: string | null): void {
    const d = s.datapoint;
    const gen = s.generation;
    const genMeta = gen
      ? `${gen.tokens.length} tokens · finished by ${gen.finish_reason}${gen.cached ? " · cached" : ""}`
      : s.busy === "generate"
        ? "generating…"
        : "not generated yet";
    const outLabel = h("div", { class: "pl-block-head" }, h("h3", null, "Model output"), h("span", { class: "pl-muted pl-small" }, genMeta));
    const tgtLabel = h("div", { class: "pl-block-head" }, h("h3", null, "Dataset target"), d && !datasetTarget(d) ? h("span", { class: "pl-muted pl-small" }, "none") : null);
    const hint = h("span", { class: "pl-hint" }, "click or drag words · shift-click extends · double-click = line · Esc = all");

    const explaining = ctx.source === "output" ? outLabel : tgtLabel;
    const other = ctx.source === "output" ? tgtLabel : outLabel;
    if (text) {
      this.selector.set(text, s.span);
      const selected = s.span ? sliceCp(text, s.span[0], s.span[1]) : null;
      replace(
        this.explainBlock,
        explaining,
        this.selector.el,
        h(
          "div",
          { class: "pl-row pl-gap-s pl-selinfo" },
          h("span", { class: "pl-small" }, selected ? "Explaining: " : "Explaining the whole text", selected ? h("q", { class: "pl-quote" }, preview(selected, 60)) : null),
          s.span ? h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button" }, on: { click: () => this.actions.commitSpan(null) } }, "Whole text") : null,
          hint,
          this.selector.notice,
        ),
        ctx.compare && ctx.side === "B" ? this.followNote(s.follow, ctx.source) : null,
      );
    } else {
      const msg =
        ctx.source === "output"
          ? s.busy === "generate"
            ? "Generating…"
            : "Generate first to explain the model's output (Explain also generates when needed)."
          : d
            ? "This example has no dataset target: generate and explain the model output instead."
            : "";
      const switchBtn =
        ctx.source === "target" && d && this.actions.useOutput
          ? h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button" }, on: { click: () => this.actions.useOutput?.() } }, "Explain the model output")
          : null;
      replace(this.explainBlock, explaining, h("div", { class: "pl-row pl-gap-s pl-wrap" }, h("span", { class: "pl-muted pl-small" }, msg), switchBtn));
    }
    const otherText = ctx.source === "output" ? (d ? datasetTarget(d) : "") : gen ? gen.text : "";
    this.otherBlock.hidden = !otherText;
    replace(this.otherBlock, other, h("div", { class: "pl-plain pl-mono" }, otherText ?? ""));
  }

  /** Pane B's note: which rule matched its span to A's selection, or that it has its own. */
  private followNote(follow: PaneState["follow"], source: ExplainSource): HTMLElement | null {
    if (follow === null) return null;
    if (follow === "own") {
      return h(
        "div",
        { class: "pl-follow pl-follow-own", attrs: { title: "You chose this selection in B; B follows A's selection again when A's selection changes." } },
        h("span", { class: "pl-follow-tag" }, "Own selection"),
        h("span", null, "until A's selection changes"),
        this.actions.followA
          ? h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button", title: "Explain the span that corresponds to A's selection" }, on: { click: () => this.actions.followA?.() } }, "Follow A")
          : null,
      );
    }
    return h(
      "div",
      { class: `pl-follow pl-follow-${follow.rule}`, attrs: { title: "B explains the span that corresponds to A's selection. Select in B to choose your own." } },
      h("span", { class: "pl-follow-tag" }, "Follows A"),
      h("span", null, alignmentNote(follow, source === "output" ? "output" : "target")),
    );
  }

  /**
   * The model's alternatives at each selected target token: what it would have written there
   * instead, with probabilities. Choosing one explains "why this token rather than that one".
   */
  /**
   * The faithfulness check under the objective: what removing the top segments did to f against
   * random ones (a warning when no better than chance), or a button that runs it at the shown granularity.
   */
  private checkStrip(r: SalienceResult, granularity: string, busy: boolean): HTMLElement | null {
    const run = this.actions.check;
    if (!run) return null;
    const check = r.faithfulness;
    const button = (label: string) =>
      h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button", disabled: busy ? "" : null, title: "Remove the top-1 and top-3 segments and 8 random sets of the same size, and compare how much f drops (about 17 forward passes)" }, on: { click: () => run() } }, label);
    if (!check) return h("div", { class: "pl-check-strip pl-muted pl-small" }, "Is this heatmap true? ", button("Check faithfulness"));
    const warn = !check.top1.above_random;
    return h(
      "div",
      { class: `pl-check-strip pl-small${warn ? " pl-check-warn" : ""}`, attrs: { role: "status" } },
      h("b", null, `Faithfulness (${check.granularity}): `),
      checkSummary(check),
      check.granularity !== granularity ? h("span", null, " ", button(`Check at ${granularity}`)) : null,
    );
  }

  private alternativesStrip(r: SalienceResult): HTMLElement | null {
    const alternatives = r.alternatives ?? [];
    if (!alternatives.length || !this.actions.contrast) return null;
    const targetStart = r.target_span[0];
    const pct = (p: number) => (p >= 0.1 ? `${(p * 100).toFixed(0)}%` : p >= 0.001 ? `${(p * 100).toFixed(1)}%` : "<0.1%");
    const shown = (t: string) => JSON.stringify(t).slice(1, -1) || "∅";
    // A whitespace-only token cannot be selected on its own (the selection must hold some text).
    const rows = alternatives.filter((alt) => alt.text.trim() !== "").slice(0, 12).map((alt) => {
      const span: Pair = [alt.start - targetStart, alt.end - targetStart];
      const choices = alt.top
        .filter((t) => t.id !== alt.id && t.text.trim() !== "") // a foil must hold some text, as a selection must
        .map((t) =>
          h(
            "button",
            {
              class: "pl-btn pl-btn-small pl-alt",
              attrs: { type: "button", title: `Explain why “${alt.text}” rather than “${t.text}” at this position (p = ${t.prob.toPrecision(3)})` },
              on: { click: () => this.actions.contrast?.(span, t.text) },
            },
            h("span", { class: "pl-mono" }, shown(t.text)),
            h("span", { class: "pl-muted" }, ` ${pct(t.prob)}`),
          ),
        );
      return h(
        "div",
        { class: "pl-alt-row" },
        h("span", { class: "pl-mono pl-alt-actual", attrs: { title: `The model wrote this token with p = ${alt.prob.toPrecision(3)}` } }, shown(alt.text)),
        h("span", { class: "pl-muted pl-small" }, ` ${pct(alt.prob)} · instead: `),
        ...choices,
      );
    });
    return h(
      "details",
      { class: "pl-alternatives" },
      h("summary", null, `Alternatives at the ${alternatives.length} selected token${alternatives.length === 1 ? "" : "s"}: pick one to ask “why this rather than that”`),
      ...rows,
    );
  }

  private renderSalience(ctx: PaneContext, s: PaneState): void {
    const r = s.result;
    this.busyBox.hidden = s.busy === null;
    const doing = s.busy === "generate" ? "Generating…" : s.busy === "salience" ? "Computing salience…" : s.busy === "check" ? "Checking faithfulness…" : "";
    const progress = progressText(s.progress);
    const cancel = this.actions.cancel;
    replace(
      this.busyBox,
      h("span", { class: "pl-spinner", attrs: { "aria-hidden": "true" } }),
      doing,
      progress ? h("span", { class: "pl-progress" }, progress) : null,
      cancel && s.busy !== null
        ? h("button", { class: "pl-btn pl-btn-small pl-cancel", attrs: { type: "button", title: "Stop this model call on the server" }, on: { click: () => cancel() } }, "Cancel")
        : null,
    );
    if (!r) {
      const prompt = s.datapoint?.prompt ?? "";
      replace(
        this.summary,
        h("h3", null, "Salience"),
        h("p", { class: "pl-muted pl-small" }, s.datapoint ? "Select the part of the text to explain and press Explain. The prompt below lights up by influence." : ""),
      );
      replace(this.heatmap, h("span", { class: "pl-tgt" }, prompt));
      replace(this.top);
      return;
    }
    const display = buildDisplay(r, { method: ctx.method, granularity: ctx.granularity, includeBos: ctx.includeBos, gain: ctx.gain, maxAbs: ctx.scaleMax });
    const bos = display.pieces.find((p) => p.region === "special");
    const notes = methodNotes(r, ctx.method);
    const info = ctx.methods.find((m) => m.name === ctx.method);
    const selected = sliceCp(r.text, r.selected_span[0], r.selected_span[1]);
    const notices: HTMLElement[] = [];
    const computing = s.busy === "salience" || s.busy === "check";
    if (computing && (s.resultStale || display.notice)) {
      // The answer to the last click is on its way: say so, not that something needs a run.
      notices.push(h("div", { class: "pl-notice pl-notice-pending" }, `Computing ${ctx.method} at ${ctx.granularity}… The heatmap below is the previous result until the new one arrives.`));
    } else {
      if (s.resultStale) notices.push(h("div", { class: "pl-notice" }, s.resultStale, " ", h("button", { class: "pl-btn pl-btn-small pl-btn-primary", attrs: { type: "button" }, on: { click: () => this.actions.explain() } }, "Explain again")));
      if (display.notice)
        notices.push(h("div", { class: "pl-notice" }, display.notice, " ", h("button", { class: "pl-btn pl-btn-small pl-btn-primary", attrs: { type: "button" }, on: { click: () => this.actions.explain() } }, "Run")));
    }
    if (display.granularityError) notices.push(h("div", { class: "pl-notice pl-notice-error" }, `${display.granularityError.replace(/\.?$/, ".")} Showing words instead.`));
    replace(
      this.summary,
      h(
        "div",
        { class: "pl-row pl-gap pl-space pl-summary-head" },
        h("h3", null, "Salience ", h("span", { class: "pl-muted pl-small" }, `${ctx.method}${info ? (info.signed ? " · signed" : " · unsigned") : ""} · ${ctx.granularity}${r.cached ? " · cached" : ""}`)),
        legend(display, bos),
      ),
      h(
        "p",
        { class: "pl-objective" },
        h("span", { class: "pl-formula" }, h("b", null, "Objective: "), describeObjective(r, ctx.method)),
        " Selected: ",
        h("q", { class: "pl-quote" }, preview(selected, 80)),
        ` · f = ${formatScore(r.objective_value)} nats`,
        typeof r.f_target === "number" && typeof r.f_foil === "number" ? ` (log p(selection) ${formatScore(r.f_target)} − log p(foil) ${formatScore(r.f_foil)})` : "",
        notes.length ? ` · ${notes.join(" · ")}` : "",
      ),
      ...notices,
      this.checkStrip(r, ctx.granularity, s.busy !== null),
      agreementStrip(ctx),
      this.alternativesStrip(r),
    );
    const spans = heatmapSpans(display);
    const changed = ctx.changed ?? [];
    if (changed.length) {
      display.pieces.forEach((p, i) => {
        if (p.region === "prompt" && changed.some(([a, b]) => p.start < b && a < p.end)) {
          spans[i].classList.add("pl-changed");
        }
      });
    }
    replace(this.heatmap, ...spans);
    replace(this.top, h("h3", null, "Top segments"), topList(display, 10, (k) => this.flashSegment(k), ctx.granularity));
  }
}
