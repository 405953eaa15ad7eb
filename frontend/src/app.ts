/**
 * The promptlight app: examples and editor on the left; generation settings, the salience
 * controls and one pane (or two, to compare) on the right. State lives here; the views in
 * ui/ draw it. Every model call goes through `Api`, which reports what is running.
 */
import { Api, errorMessage, type Activity } from "./api";
import { isRegexGranularity, REGEX_PREFIX } from "./aggregate";
import { alignSpan } from "./align";
import { gainOfSlider } from "./colour";
import { download, h, replace, uniqueId } from "./dom";
import { buildHtmlReport, resultToJson } from "./report";
import { isWholeTarget } from "./selection";
import { cpLength, sliceCp } from "./text";
import {
  BASE_GRANULARITIES,
  DEFAULT_GENERATION,
  FALLBACK_METHODS,
  type Datapoint,
  type GenerationSettings,
  type MethodInfo,
  type NewDatapoint,
  type Pair,
  type SalienceRequest,
  type SalienceResult,
} from "./types";
import { decodeView, encodeView, type ExplainSource, type ViewState } from "./urlstate";
import { Editor } from "./ui/editor";
import { ExamplesTable } from "./ui/examples";
import { infoOf, tooltipLines } from "./ui/heatmap";
import { emptyPane, explainedText, PaneView, type PaneState } from "./ui/pane";

export interface InitialView {
  /** Example id to select (pane A). */
  example?: string;
  /** Example id to compare with (pane B). */
  compare?: string;
  span?: Pair;
  compareSpan?: Pair;
  method?: string;
  granularity?: string;
  source?: ExplainSource;
  model?: string;
  dataset?: string;
  /** Datapoints to add (to `dataset`, default "notebook") and show; the first is selected, the second compared. */
  data?: { prompt: string; target?: string; source?: string }[];
  /** Run generation (if needed) and salience right away. */
  run?: boolean;
  generation?: Partial<GenerationSettings>;
}

export interface MountOptions {
  /** Prefix of the API routes: '' when the page is served by `promptlight serve`, else e.g. 'http://127.0.0.1:5432'. */
  apiBase: string;
  /** Sent as `Authorization: Bearer <token>` (for a server that asks for one). */
  token?: string;
  initial?: InitialView;
  /** Keep the view in the page URL's hash (default true; the notebook widget turns it off). */
  urlState?: boolean;
  /** Show the examples column (default true). */
  showExamples?: boolean;
}

export interface AppHandle {
  /** Select an example by id (pane A). */
  select(id: string): Promise<void>;
  /** Compare with an example by id, or close the compare view with null. */
  compare(id: string | null): Promise<void>;
  /** The current salience result of pane A (or B), if any. */
  result(side?: "A" | "B"): SalienceResult | null;
  /** Remove the app and its listeners. */
  destroy(): void;
}

type Side = "A" | "B";

const METHOD_LABELS: Record<string, string> = {
  grad_l2: "Grad L2",
  grad_dot_input: "Grad · input",
  integrated_gradients: "Integrated gradients",
  occlusion: "Occlusion",
};

function granularityLabel(g: string): string {
  return g === "regex" ? "custom regex" : g;
}

function sameSpan(a: Pair | null, b: Pair | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60) || "result";
}

export class App implements AppHandle {
  private readonly root: HTMLElement;
  private readonly opts: MountOptions;
  private readonly api: Api;
  private readonly cleanups: (() => void)[] = [];

  // --- state
  private models: string[] = [];
  private model = "";
  private datasets: string[] = [];
  private examples: Datapoint[] = [];
  private methods: MethodInfo[] = FALLBACK_METHODS;
  private granularities: string[] = [...BASE_GRANULARITIES];
  private method = "grad_l2";
  private granularity = "words";
  private regex = "[^\\n]+\\n*";
  private source: ExplainSource = "target";
  private intensity = 0;
  private includeBos = false;
  private autoRun = true;
  private gen: GenerationSettings = { ...DEFAULT_GENERATION };
  private panes: Record<Side, PaneState> = { A: emptyPane(), B: emptyPane() };
  private comparing = false;
  /**
   * Pane B has its own span (chosen in B, from the view's link, or kept by a swap): the key of
   * pane A's selection at that moment (`selectionKeyA`). Null = B follows A's selection. B's
   * own span is dropped when A's selection changes.
   */
  private bOwn: string | null = null;
  private seq: Record<Side, number> = { A: 0, B: 0 };
  private running: Activity[] = [];
  private modelStatus = "";
  private readonly cache = new Map<string, SalienceResult>();

  // --- views
  private readonly examplesView: ExamplesTable;
  private readonly editor: Editor;
  private readonly views: Record<Side, PaneView>;
  private readonly statusEl = h("div", { class: "pl-status", attrs: { role: "status", "aria-live": "polite" } });
  private readonly bannerEl = h("div", { class: "pl-banner", attrs: { role: "alert" } });
  private readonly modelSelect = h("select", { class: "pl-input" });
  private readonly modelState = h("span", { class: "pl-small pl-muted" });
  private readonly methodGroup = h("div", { class: "pl-seg-group", attrs: { role: "radiogroup", "aria-label": "Salience method" } });
  private readonly granGroup = h("div", { class: "pl-seg-group", attrs: { role: "radiogroup", "aria-label": "Granularity" } });
  private readonly sourceGroup = h("div", { class: "pl-seg-group", attrs: { role: "radiogroup", "aria-label": "What to explain" } });
  private readonly regexInput: HTMLInputElement;
  private readonly intensityInput: HTMLInputElement;
  private readonly intensityOut = h("output", { class: "pl-small pl-num" });
  private readonly bosInput: HTMLInputElement;
  private readonly autoInput: HTMLInputElement;
  private readonly compareSelect = h("select", { class: "pl-input pl-compare-select" });
  private readonly genInputs: Record<string, HTMLInputElement> = {};
  private readonly panesEl = h("div", { class: "pl-panes" });
  private readonly layout: HTMLElement;
  private readonly leftToggle: HTMLButtonElement;
  /** The examples column was hidden automatically for the compare view (and comes back after it). */
  private autoCollapsed = false;
  private readonly tooltip = h("div", { class: "pl-tooltip", attrs: { role: "tooltip" } });
  private tick: number | undefined;

  constructor(root: HTMLElement, opts: MountOptions) {
    this.root = root;
    this.opts = opts;
    this.api = new Api({ base: opts.apiBase, token: opts.token, onActivity: (a) => this.onActivity(a) });

    this.examplesView = new ExamplesTable({ onSelect: (id) => void this.select(id), onCompare: (id) => void this.compare(id) });
    this.editor = new Editor({
      onSave: (id, f) => void this.saveDatapoint(id, f),
      onAdd: (f, cmp) => void this.addDatapoint(f, cmp),
      onDuplicate: (id, f) => void this.addDatapoint({ ...f, source: f.source ? `${f.source} (copy)` : "", fields: { duplicate_of: id } }, false),
      onDelete: (id) => void this.deleteDatapoint(id),
      onNew: () => {
        this.editor.load(null, this.panes.A.datapoint?.dataset ?? this.examplesView.dataset ?? "");
        this.editor.focusPrompt();
      },
    });
    this.views = {
      A: new PaneView(this.paneActions("A")),
      B: new PaneView({ ...this.paneActions("B"), close: () => void this.compare(null), swap: () => this.swap(), followA: () => this.followAgain() }),
    };

    const regexId = uniqueId("regex");
    this.regexInput = h("input", {
      class: "pl-input pl-mono pl-regex",
      attrs: {
        id: regexId,
        type: "text",
        spellcheck: "false",
        autocomplete: "off",
        "aria-label": "Custom regex",
        title:
          "JavaScript regular expression (u flag), NOT Python's re syntax: e.g. (?<name>…) instead of (?P<name>…), no inline flags like (?m). " +
          "Every match is a segment and every gap between matches is a segment; empty matches are ignored. " +
          "With occlusion the server applies the pattern with Python's re.",
      },
      props: { value: this.regex },
      on: { change: () => this.setRegex(this.regexInput.value) },
    });
    this.intensityInput = h("input", {
      class: "pl-range",
      attrs: { type: "range", min: -2, max: 2, step: 0.25, "aria-label": "Colour intensity" },
      props: { value: "0" },
      on: {
        input: () => {
          this.intensity = Number(this.intensityInput.value);
          this.renderPanes();
          this.syncUrl();
        },
      },
    });
    this.bosInput = h("input", {
      attrs: { type: "checkbox" },
      on: {
        change: () => {
          this.includeBos = this.bosInput.checked;
          this.renderPanes();
        },
      },
    });
    this.autoInput = h("input", { attrs: { type: "checkbox" }, props: { checked: true }, on: { change: () => (this.autoRun = this.autoInput.checked) } });
    this.modelSelect.addEventListener("change", () => {
      this.model = this.modelSelect.value;
      this.invalidateAll();
      void this.refreshHealth();
    });
    this.compareSelect.addEventListener("change", () => void this.compare(this.compareSelect.value || null));

    const left = h("aside", { class: "pl-left" }, this.examplesView.el, this.editor.el);
    this.leftToggle = h(
      "button",
      {
        class: "pl-btn pl-btn-small",
        attrs: { type: "button", "aria-pressed": "true", title: "Show or hide the examples and the editor" },
        on: {
          click: () => {
            this.autoCollapsed = false;
            this.setLeftVisible(this.layout.classList.contains("pl-no-left"));
          },
        },
      },
      "Examples",
    );
    this.layout = h("div", { class: "pl-layout" }, left, h("main", { class: "pl-right" }, this.toolbar(), this.panesEl));
    if (opts.showExamples === false) this.setLeftVisible(false);
    const app = h(
      "div",
      { class: "pl-app" },
      h(
        "header",
        { class: "pl-header" },
        h("div", { class: "pl-brand" }, h("span", { class: "pl-logo", attrs: { "aria-hidden": "true" } }), h("span", { class: "pl-name" }, "promptlight"), h("span", { class: "pl-muted pl-small pl-tagline" }, "prompt debugger")),
        this.leftToggle,
        h("label", { class: "pl-row pl-gap-s pl-small" }, "Model", this.modelSelect),
        this.modelState,
        this.statusEl,
      ),
      this.bannerEl,
      this.layout,
      this.tooltip,
    );
    replace(root, app);
    this.bannerEl.hidden = true;
    this.installTooltip(app);
    this.renderControls();
    this.renderPanes();
    this.renderStatus();
  }

  // ------------------------------------------------------------------ startup

  async start(): Promise<void> {
    const fromUrl = this.opts.urlState !== false ? decodeView(window.location.hash) : {};
    const init: InitialView = { ...(this.opts.initial ?? {}), ...fromUrl };
    if (this.opts.urlState !== false) {
      const onHash = () => {
        const v = decodeView(window.location.hash);
        if (!v.compare && this.comparing) void this.compare(null);
        void this.applyView(v);
      };
      window.addEventListener("hashchange", onHash);
      this.cleanups.push(() => window.removeEventListener("hashchange", onHash));
    }
    await Promise.all([this.loadMeta(), this.loadExamples()]);
    if (init.data && init.data.length) {
      const added: string[] = [];
      for (const row of init.data) {
        try {
          const d = await this.api.createDatapoint({ dataset: init.dataset ?? "notebook", prompt: row.prompt, target: row.target ?? "", source: row.source ?? "" });
          added.push(d.id);
        } catch (err) {
          this.showBanner(`Could not add a datapoint: ${errorMessage(err)}`);
        }
      }
      await this.loadExamples();
      if (added[0]) init.example = init.example ?? added[0];
      if (added[1]) init.compare = init.compare ?? added[1];
    }
    await this.applyView(init);
    // A first look at something rather than an empty pane.
    if (!this.panes.A.datapoint && this.examples.length > 0) await this.select(this.examples[0].id);
  }

  private async loadMeta(): Promise<void> {
    const [models, datasets, methods, grans] = await Promise.allSettled([this.api.models(), this.api.datasets(), this.api.methods(), this.api.granularities()]);
    if (models.status === "fulfilled") {
      this.models = models.value.map((m) => m.name);
      if (!this.model || !this.models.includes(this.model)) this.model = this.models[0] ?? "";
    } else {
      this.showBanner(`Could not load the models: ${errorMessage(models.reason)}`);
    }
    if (datasets.status === "fulfilled") this.datasets = datasets.value.map((d) => d.name);
    if (methods.status === "fulfilled" && Array.isArray(methods.value) && methods.value.length) {
      const order = FALLBACK_METHODS.map((m) => m.name);
      const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
      this.methods = [...methods.value].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
    }
    if (grans.status === "fulfilled" && Array.isArray(grans.value)) this.granularities = grans.value.filter((g) => !isRegexGranularity(g));
    this.editor.setDatasets(this.datasets);
    this.renderControls();
    void this.refreshHealth();
  }

  private async loadExamples(): Promise<void> {
    try {
      this.examples = await this.api.examples();
      this.examplesView.setData(this.examples, this.datasets);
      this.renderCompareSelect();
    } catch (err) {
      this.showBanner(`Could not load the examples: ${errorMessage(err)}`);
    }
  }

  private async refreshHealth(attempt = 0): Promise<void> {
    try {
      const health = await this.api.health();
      const m = health.models?.[this.model];
      if (!m) this.modelStatus = "";
      else if (m.error || m.state === "error") this.modelStatus = `failed to load: ${m.error ?? "see the server log"}`;
      else if (!m.loaded) this.modelStatus = "loading…";
      else this.modelStatus = m.busy ? `busy${m.queued ? `, ${m.queued} queued` : ""}` : "ready";
      this.renderStatus();
      if (m && !m.loaded && !m.error && attempt < 200) {
        const t = window.setTimeout(() => void this.refreshHealth(attempt + 1), 3000);
        this.cleanups.push(() => window.clearTimeout(t));
      }
    } catch {
      this.modelStatus = "";
      this.renderStatus();
    }
  }

  /** Apply a view (from the URL or `initial`). */
  private async applyView(v: InitialView | ViewState): Promise<void> {
    if (v.model && (this.models.length === 0 || this.models.includes(v.model))) this.model = v.model;
    if (v.method) this.method = v.method;
    if (v.granularity) {
      if (isRegexGranularity(v.granularity)) {
        this.regex = v.granularity.slice(REGEX_PREFIX.length);
        this.regexInput.value = this.regex;
        this.granularity = "regex";
      } else this.granularity = v.granularity;
    }
    if (v.source) this.source = v.source;
    if ("intensity" in v && v.intensity !== undefined) this.intensity = v.intensity;
    if (v.generation) this.gen = { ...DEFAULT_GENERATION, ...v.generation };
    if (v.dataset) this.examplesView.setDataset(v.dataset);
    this.renderControls();
    if (v.example) await this.select(v.example, v.span ?? null);
    else this.renderPanes();
    if (v.compare) await this.compare(v.compare, v.compareSpan ?? null);
    if (v.run) {
      // Pane B's span follows A's selection, so A's text comes first.
      if (this.comparing && this.bOwn === null && this.panes.A.span && this.source === "output" && !this.panes.A.generation) await this.generate("A");
      await Promise.all([this.explain("A"), this.comparing ? this.explain("B") : Promise.resolve()]);
    }
  }

  // ------------------------------------------------------------------ selection

  async select(id: string, span: Pair | null = null): Promise<void> {
    await this.load("A", id, span);
    if (this.panes.A.datapoint && this.editor.loadedId !== id) this.editor.load(this.panes.A.datapoint);
  }

  private setLeftVisible(visible: boolean): void {
    this.layout.classList.toggle("pl-no-left", !visible);
    this.leftToggle.setAttribute("aria-pressed", String(visible));
  }

  async compare(id: string | null, span: Pair | null = null): Promise<void> {
    if (id === null) {
      if (this.autoCollapsed) this.setLeftVisible(true);
      this.autoCollapsed = false;
      this.comparing = false;
      this.panes.B = emptyPane();
      this.bOwn = null;
      this.seq.B++;
      this.renderAll();
      return;
    }
    if (!this.comparing && !this.layout.classList.contains("pl-no-left")) {
      // Two panes need the width: hide the examples column until the compare view closes.
      this.setLeftVisible(false);
      this.autoCollapsed = true;
    }
    this.comparing = true;
    await this.load("B", id, span);
    if (this.autoRun && this.panes.A.result && !this.panes.B.result) void this.explain("B");
  }

  private async load(side: Side, id: string, span: Pair | null): Promise<void> {
    let d = this.examples.find((e) => e.id === id) ?? null;
    if (!d) {
      try {
        d = await this.api.datapoint(id);
      } catch (err) {
        this.showBanner(`Could not open example ${id}: ${errorMessage(err)}`);
        return;
      }
    }
    const prev = this.panes[side];
    // Pane B asked for without a span keeps the span it follows A with.
    const sameSelection = sameSpan(prev.span, span) || (side === "B" && span === null && this.bOwn === null);
    // The same datapoint with the same text keeps its output and result; an edited one starts afresh.
    if (prev.datapoint?.id === d.id && sameSelection && prev.datapoint.prompt === d.prompt && prev.datapoint.target === d.target) {
      prev.datapoint = d;
      if (side === "B" && span !== null && this.bOwn === null) {
        this.bOwn = this.selectionKeyA();
        prev.follow = "own";
      }
      this.renderAll();
      return;
    }
    this.seq[side]++;
    this.panes[side] = { ...emptyPane(), datapoint: d, span };
    if (side === "B") {
      // A span that comes with the view wins over following A.
      this.bOwn = span !== null ? this.selectionKeyA() : null;
      this.panes.B.follow = span !== null ? "own" : null;
      this.alignB();
    } else this.followA();
    this.renderAll();
  }

  private swap(): void {
    [this.panes.A, this.panes.B] = [this.panes.B, this.panes.A];
    [this.seq.A, this.seq.B] = [this.seq.B + 1, this.seq.A + 1];
    // Both keep what they explain: B's span (A's before) counts as B's own.
    const [a, b] = [this.panes.A, this.panes.B];
    a.follow = null;
    this.bOwn = this.selectionKeyA();
    b.follow = a.span !== null || b.span !== null ? "own" : null;
    if (this.panes.A.datapoint) this.editor.load(this.panes.A.datapoint);
    this.renderAll();
  }

  // ------------------------------------------------------------------ datapoints

  private async saveDatapoint(id: string, f: NewDatapoint): Promise<void> {
    const body: Partial<NewDatapoint> = { ...f };
    if (!body.dataset) delete body.dataset;
    try {
      const d = await this.api.updateDatapoint(id, body);
      await this.loadExamples();
      this.editor.load(d);
      await this.select(d.id);
    } catch (err) {
      this.showBanner(`Could not save: ${errorMessage(err)}`);
    }
  }

  private async addDatapoint(f: NewDatapoint, compareIt: boolean): Promise<void> {
    if (!f.prompt) {
      this.showBanner("Write a prompt first: a datapoint needs one.");
      return;
    }
    const body: NewDatapoint = { ...f };
    if (!body.dataset) delete body.dataset; // the server files it under its default dataset
    try {
      const d = await this.api.createDatapoint(body);
      await this.loadExamples();
      if (compareIt && this.panes.A.datapoint) {
        await this.compare(d.id);
        this.editor.load(d);
      } else {
        this.editor.load(d);
        await this.select(d.id);
      }
    } catch (err) {
      this.showBanner(`Could not add the datapoint: ${errorMessage(err)}`);
    }
  }

  private async deleteDatapoint(id: string): Promise<void> {
    try {
      await this.api.deleteDatapoint(id);
      if (this.panes.B.datapoint?.id === id) await this.compare(null);
      if (this.panes.A.datapoint?.id === id) {
        this.panes.A = emptyPane();
        this.editor.load(null);
        this.alignB();
      }
      await this.loadExamples();
      this.renderAll();
    } catch (err) {
      this.showBanner(`Could not delete: ${errorMessage(err)}`);
    }
  }

  // ------------------------------------------------------------------ model calls

  private paneActions(side: Side) {
    return {
      generate: () => void this.generate(side),
      explain: () => void this.explain(side),
      commitSpan: (span: Pair | null) => this.commitSpan(side, span),
      exportJson: () => this.exportJson(side),
      exportHtml: () => this.exportHtml(side),
      useOutput: () => {
        this.setSource("output");
        if (!this.panes[side].result) void this.explain(side);
      },
    };
  }

  private async generate(side: Side): Promise<boolean> {
    const pane = this.panes[side];
    const d = pane.datapoint;
    if (!d) return false;
    if (!this.model) {
      pane.error = "No model is available: start the server with --models NAME:PATH.";
      this.renderPanes();
      return false;
    }
    const seq = ++this.seq[side];
    Object.assign(pane, { busy: "generate", busySince: Date.now(), error: null });
    this.renderPanes();
    try {
      const g = await this.api.generate(this.model, d.prompt, this.gen);
      if (seq !== this.seq[side]) return false;
      // A new text drops the selection made on the old one; a first generation keeps a span
      // that came with the view (a link to a selection of the output) if it fits the text.
      const changed = pane.generation !== null && pane.generation.text !== g.text;
      pane.generation = g;
      if (this.source === "output" && (changed || (pane.span !== null && pane.span[1] > cpLength(g.text)))) {
        pane.span = null;
        this.markStale(side);
        if (side === "B") this.bOwn = null; // B's own span went with the old text
      }
      // A new text on either side: B's span follows A's selection on it.
      if (side === "A") this.followA();
      else this.alignB();
      return true;
    } catch (err) {
      if (seq === this.seq[side]) pane.error = errorMessage(err);
      return false;
    } finally {
      if (seq === this.seq[side]) pane.busy = null;
      this.renderAll();
    }
  }

  private granularityName(): string {
    return this.granularity === "regex" ? `${REGEX_PREFIX}${this.regex}` : this.granularity;
  }

  /** Whether `method` scores segments at the requested granularity (occlusion) instead of tokens. */
  private isPerSegment(method: string): boolean {
    const info = this.methods.find((m) => m.name === method);
    return info?.level ? info.level !== "tokens" : method === "occlusion";
  }

  private request(side: Side): SalienceRequest | null {
    const pane = this.panes[side];
    const d = pane.datapoint;
    const target = explainedText(pane, this.source);
    if (!d || !target) return null;
    const gran = this.granularityName();
    return {
      model: this.model,
      prompt: d.prompt,
      target,
      target_span: pane.span,
      method: this.method,
      // Only occlusion's scores depend on the granularity; gradient methods get every boundary.
      granularity: this.isPerSegment(this.method) || !isRegexGranularity(gran) ? gran : "words",
      options: {},
    };
  }

  private cacheKey(req: SalienceRequest, method = req.method): string {
    const gran = this.isPerSegment(method) ? req.granularity : "";
    return JSON.stringify([req.model, req.prompt, req.target, req.target_span, method, gran]);
  }

  async explain(side: Side): Promise<void> {
    const pane = this.panes[side];
    if (!pane.datapoint) return;
    if (this.source === "output" && !pane.generation) {
      const ok = await this.generate(side);
      if (!ok) return;
    }
    if (side === "B") this.alignB();
    const req = this.request(side);
    if (!req) {
      pane.error =
        this.source === "target"
          ? "This example has no dataset target. Switch “Explain” to model output, or add a target in the editor."
          : "There is no model output to explain yet: press Generate.";
      this.renderPanes();
      return;
    }
    const hit = this.cache.get(this.cacheKey(req));
    if (hit) {
      Object.assign(pane, { result: hit, resultStale: null, error: null });
      this.renderPanes();
      this.syncUrl();
      return;
    }
    const seq = ++this.seq[side];
    Object.assign(pane, { busy: "salience", busySince: Date.now(), error: null });
    this.renderPanes();
    try {
      const result = await this.api.salience(req);
      for (const [m, meta] of Object.entries(result.methods ?? {})) {
        if (m === req.method || meta.level === "tokens") this.cache.set(this.cacheKey(req, m), result);
      }
      if (seq !== this.seq[side]) return;
      Object.assign(pane, { result, resultStale: null });
    } catch (err) {
      if (seq === this.seq[side]) pane.error = errorMessage(err);
    } finally {
      if (seq === this.seq[side]) pane.busy = null;
      this.renderPanes();
      this.syncUrl();
    }
  }

  private commitSpan(side: Side, span: Pair | null): void {
    const pane = this.panes[side];
    if (sameSpan(pane.span, span)) return;
    pane.span = span;
    if (side === "B") {
      // A selection made in B wins over following A, until A's selection changes.
      this.bOwn = this.selectionKeyA();
      pane.follow = "own";
    }
    this.markStale(side);
    this.renderPanes();
    this.syncUrl();
    if (this.autoRun && pane.datapoint) void this.explain(side);
    if (side === "A") this.followA();
  }

  // ------------------------------------------------------------------ B follows A

  /** What pane B's own span is kept against: A's example, selection and what is explained. */
  private selectionKeyA(): string {
    const a = this.panes.A;
    return JSON.stringify([a.datapoint?.id ?? null, a.span, this.source]);
  }

  /**
   * Give pane B the span that corresponds to pane A's selection (align.ts), unless B has its
   * own and A's selection has not changed since. Needs both texts; until then, and when A
   * explains its whole text, B explains its whole text. True if B's span changed.
   */
  private alignB(): boolean {
    const a = this.panes.A;
    const b = this.panes.B;
    if (!this.comparing || !b.datapoint) return false;
    if (this.bOwn !== null) {
      if (this.bOwn === this.selectionKeyA()) return false;
      this.bOwn = null;
    }
    const textA = explainedText(a, this.source);
    const textB = explainedText(b, this.source);
    let span: Pair | null = null;
    b.follow = null;
    if (a.span && textA !== null && textB !== null) {
      const found = alignSpan(textA, a.span, textB);
      b.follow = found;
      span = found.span && !isWholeTarget(textB, found.span) ? found.span : null;
    }
    if (sameSpan(b.span, span)) return false;
    b.span = span;
    this.markStale("B");
    return true;
  }

  /** After A's selection or text changed: B follows, and (Auto-run) explains its new span. */
  private followA(): void {
    if (!this.alignB()) return;
    const a = this.panes.A;
    const b = this.panes.B;
    // A generation under way goes on to explain (or not, for a bare Generate) by itself.
    if (this.autoRun && b.busy !== "generate" && (a.result || b.result) && explainedText(b, this.source) !== null) void this.explain("B");
  }

  /** The "Follow A" button: drop B's own span. */
  private followAgain(): void {
    this.bOwn = null;
    this.panes.B.follow = null;
    const moved = this.alignB();
    this.renderPanes();
    this.syncUrl();
    if (moved && this.autoRun) void this.explain("B");
  }

  /** Note that the shown result no longer matches the selection (kept on screen until replaced). */
  private markStale(side: Side): void {
    const pane = this.panes[side];
    if (pane.result) pane.resultStale = "The selection or text changed since this result was computed.";
  }

  private invalidateAll(): void {
    for (const side of ["A", "B"] as Side[]) {
      this.seq[side]++;
      const p = this.panes[side];
      Object.assign(p, { generation: null, busy: null });
      if (this.source === "output") p.span = null; // it selected the old model's output
      if (p.result) p.resultStale = "The settings changed since this result was computed.";
    }
    if (this.source === "output") this.bOwn = null;
    this.alignB();
    this.renderAll();
  }

  /** After a method/granularity/source change: re-run where the shown result cannot answer. */
  private rerunWhereNeeded(): void {
    for (const side of this.activeSides()) {
      const p = this.panes[side];
      if (!p.result || !this.autoRun) continue;
      const req = this.request(side);
      const method = this.method;
      const has = p.result.methods[method];
      const perSegOk = !this.isPerSegment(method) || p.result.segment_scores?.[method]?.granularity === this.granularityName();
      if (!req || !has || !perSegOk || p.resultStale) void this.explain(side);
    }
  }

  private activeSides(): Side[] {
    return this.comparing ? ["A", "B"] : ["A"];
  }

  // ------------------------------------------------------------------ exports

  private exportBase(side: Side): string {
    const d = this.panes[side].datapoint;
    return `promptlight-${safeName(d?.source || d?.id || "result")}-${this.method}-${safeName(this.granularityName())}`;
  }

  private exportJson(side: Side): void {
    const r = this.panes[side].result;
    if (r) download(`${this.exportBase(side)}.json`, resultToJson(r), "application/json");
  }

  private exportHtml(side: Side): void {
    const r = this.panes[side].result;
    const d = this.panes[side].datapoint;
    if (!r) return;
    const html = buildHtmlReport(r, {
      method: this.method,
      granularity: this.granularityName(),
      includeBos: this.includeBos,
      gain: gainOfSlider(this.intensity),
      title: `promptlight: ${d?.source || d?.id || "salience"}`,
      subtitle: d ? `Example ${d.id} (${d.dataset}); explaining the ${this.source === "output" ? "model output" : "dataset target"}.` : undefined,
    });
    download(`${this.exportBase(side)}.html`, html, "text/html");
  }

  // ------------------------------------------------------------------ controls

  private toolbar(): HTMLElement {
    const genField = (key: keyof GenerationSettings, label: string, attrs: Record<string, string | number>, help: string) => {
      const input = h("input", {
        class: "pl-input pl-num",
        attrs: { type: key === "stop" ? "text" : "number", title: help, ...attrs },
        on: { change: () => this.readGeneration() },
      });
      this.genInputs[key] = input;
      const id = uniqueId(key);
      input.id = id;
      return h("div", { class: "pl-field pl-field-inline" }, h("label", { attrs: { for: id } }, label), input);
    };
    const genBox = h(
      "details",
      { class: "pl-gen" },
      h("summary", null, "Generation settings"),
      h(
        "div",
        { class: "pl-gen-grid" },
        genField("max_new_tokens", "Max new tokens", { min: 1, max: 4096, step: 1 }, "Stop after this many new tokens"),
        genField("temperature", "Temperature", { min: 0, max: 5, step: 0.05 }, "0 = greedy (deterministic)"),
        genField("top_p", "Top-p", { min: 0, max: 1, step: 0.01 }, "Nucleus sampling: keep the smallest set of tokens with this much probability (1 = off)"),
        genField("top_k", "Top-k", { min: 0, step: 1 }, "Keep only the k most likely tokens (0 = off)"),
        genField("seed", "Seed", { step: 1 }, "Random seed for sampling"),
        genField("stop", "Stop strings", { placeholder: "e.g. \\n\\n, ###" }, "Comma-separated; \\n means a newline. Generation stops before the first one."),
      ),
    );
    const label = (text: string) => h("span", { class: "pl-control-label", attrs: { "aria-hidden": "true" } }, text);
    return h(
      "section",
      { class: "pl-toolbar pl-card", attrs: { "aria-label": "Salience controls" } },
      h(
        "div",
        { class: "pl-row pl-wrap pl-gap" },
        h("div", { class: "pl-control" }, label("Explain"), this.sourceGroup),
        h("div", { class: "pl-control" }, label("Method"), this.methodGroup),
      ),
      h("div", { class: "pl-row pl-wrap pl-gap" }, h("div", { class: "pl-control" }, label("Granularity"), this.granGroup, this.regexInput)),
      h(
        "div",
        { class: "pl-row pl-wrap pl-gap" },
        h("label", { class: "pl-control", attrs: { title: "Colour intensity: higher saturates smaller scores" } }, h("span", { class: "pl-control-label" }, "Intensity"), this.intensityInput, this.intensityOut),
        h("label", { class: "pl-check", attrs: { title: "Include the BOS token in max |score| (it usually dominates, so it is left out by default)" } }, this.bosInput, "BOS on scale"),
        h("label", { class: "pl-check", attrs: { title: "Re-run salience when the selection, method or (for occlusion) granularity changes" } }, this.autoInput, "Auto-run"),
        h("label", { class: "pl-control" }, h("span", { class: "pl-control-label" }, "Compare"), this.compareSelect),
        genBox,
      ),
    );
  }

  private readGeneration(): void {
    const num = (k: keyof GenerationSettings, fallback: number) => {
      const v = Number(this.genInputs[k].value);
      return this.genInputs[k].value.trim() === "" || !Number.isFinite(v) ? fallback : v;
    };
    const stop = this.genInputs.stop.value
      .split(",")
      .map((s) => s.trim().replace(/\\n/g, "\n").replace(/\\t/g, "\t"))
      .filter((s) => s !== "");
    this.gen = {
      max_new_tokens: Math.max(1, Math.round(num("max_new_tokens", DEFAULT_GENERATION.max_new_tokens))),
      temperature: Math.max(0, num("temperature", 0)),
      top_p: Math.min(1, Math.max(0, num("top_p", 1))),
      top_k: Math.max(0, Math.round(num("top_k", 0))),
      seed: Math.round(num("seed", 0)),
      stop,
    };
    this.syncUrl();
  }

  private radios(group: HTMLElement, name: string, items: { value: string; label: string; title?: string }[], current: string, onPick: (v: string) => void): void {
    const hadFocus = group.contains(document.activeElement);
    const buttons = items.map((it) =>
      h(
        "button",
        {
          class: `pl-seg-btn${it.value === current ? " pl-on" : ""}`,
          attrs: { type: "button", role: "radio", "aria-checked": it.value === current ? "true" : "false", tabindex: it.value === current ? 0 : -1, title: it.title, "data-value": it.value, name },
          on: {
            click: () => onPick(it.value),
            keydown: (e) => {
              const ev = e as KeyboardEvent;
              const i = items.findIndex((x) => x.value === it.value);
              let j = -1;
              if (ev.key === "ArrowRight" || ev.key === "ArrowDown") j = (i + 1) % items.length;
              if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") j = (i - 1 + items.length) % items.length;
              if (j < 0) return;
              ev.preventDefault();
              onPick(items[j].value);
              (group.querySelector(`[data-value="${CSS.escape(items[j].value)}"]`) as HTMLElement | null)?.focus();
            },
          },
        },
        it.label,
      ),
    );
    replace(group, ...buttons);
    if (hadFocus) (group.querySelector('[aria-checked="true"]') as HTMLElement | null)?.focus();
  }

  private renderControls(): void {
    replace(this.modelSelect, ...(this.models.length ? this.models : [this.model || "—"]).map((m) => h("option", { attrs: { value: m } }, m)));
    this.modelSelect.value = this.model;
    this.modelSelect.disabled = this.models.length <= 1;
    this.modelSelect.classList.toggle("pl-select-plain", this.models.length <= 1);

    this.radios(
      this.sourceGroup,
      "source",
      [
        { value: "target", label: "Dataset target", title: "Explain the example's target text" },
        { value: "output", label: "Model output", title: "Explain what the model generated (generates first if needed)" },
      ],
      this.source,
      (v) => this.setSource(v as ExplainSource),
    );
    this.radios(
      this.methodGroup,
      "method",
      this.methods.map((m) => ({ value: m.name, label: METHOD_LABELS[m.name] ?? m.name, title: `${m.name}: ${m.description ?? ""}${m.signed ? " (signed)" : " (unsigned)"}` })),
      this.method,
      (v) => this.setMethod(v),
    );
    const grans = [...this.granularities, "regex"];
    this.radios(
      this.granGroup,
      "granularity",
      grans.map((g) => ({
        value: g,
        label: granularityLabel(g),
        title:
          g === "regex"
            ? "Custom segments from a JavaScript regular expression (not Python syntax)"
            : `Sum token scores per ${g.replace(/s$/, "")}${this.method === "occlusion" ? " (occlusion needs a new run)" : " (no new request)"}`,
      })),
      this.granularity,
      (v) => this.setGranularity(v),
    );
    this.regexInput.hidden = this.granularity !== "regex";
    this.intensityInput.value = String(this.intensity);
    this.intensityOut.textContent = `×${gainOfSlider(this.intensity).toFixed(2)}`;
    this.bosInput.checked = this.includeBos;
    this.autoInput.checked = this.autoRun;
    const g = this.gen;
    const setIf = (k: string, v: string) => {
      const el = this.genInputs[k];
      if (el && document.activeElement !== el) el.value = v;
    };
    setIf("max_new_tokens", String(g.max_new_tokens));
    setIf("temperature", String(g.temperature));
    setIf("top_p", String(g.top_p));
    setIf("top_k", String(g.top_k));
    setIf("seed", String(g.seed));
    setIf("stop", g.stop.map((s) => s.replace(/\n/g, "\\n").replace(/\t/g, "\\t")).join(", "));
    this.renderCompareSelect();
  }

  private renderCompareSelect(): void {
    const cur = this.comparing ? (this.panes.B.datapoint?.id ?? "") : "";
    replace(
      this.compareSelect,
      h("option", { attrs: { value: "" } }, "— nothing —"),
      ...this.examples.map((e) => h("option", { attrs: { value: e.id } }, `${e.source || e.id} (${e.id})`)),
    );
    if (cur && !this.examples.some((e) => e.id === cur)) this.compareSelect.appendChild(h("option", { attrs: { value: cur } }, cur));
    this.compareSelect.value = cur;
  }

  private setSource(v: ExplainSource): void {
    if (v === this.source) return;
    this.source = v;
    for (const side of ["A", "B"] as Side[]) {
      this.panes[side].span = null;
      this.markStale(side);
    }
    this.bOwn = null;
    this.alignB();
    this.renderControls();
    this.renderPanes();
    this.syncUrl();
    this.rerunWhereNeeded();
  }

  private setMethod(v: string): void {
    if (v === this.method) return;
    this.method = v;
    this.renderControls();
    this.renderPanes();
    this.syncUrl();
    this.rerunWhereNeeded();
  }

  private setRegex(pattern: string): void {
    if (pattern === this.regex && this.granularity === "regex") return;
    this.regex = pattern;
    this.granularity = "regex";
    this.afterGranularityChange();
  }

  private setGranularity(v: string): void {
    if (v === this.granularity) return;
    this.granularity = v;
    this.afterGranularityChange();
  }

  private afterGranularityChange(): void {
    this.renderControls();
    this.renderPanes();
    this.syncUrl();
    if (this.isPerSegment(this.method)) this.rerunWhereNeeded();
  }

  // ------------------------------------------------------------------ rendering

  private renderAll(): void {
    this.examplesView.setSelected(this.panes.A.datapoint?.id ?? null, this.comparing ? (this.panes.B.datapoint?.id ?? null) : null);
    this.renderCompareSelect();
    this.renderPanes();
    this.syncUrl();
  }

  private renderPanes(): void {
    this.intensityOut.textContent = `×${gainOfSlider(this.intensity).toFixed(2)}`;
    const ctx = {
      method: this.method,
      granularity: this.granularityName(),
      includeBos: this.includeBos,
      gain: gainOfSlider(this.intensity),
      source: this.source,
      methods: this.methods,
      compare: this.comparing,
    };
    this.views.A.render({ ...ctx, side: "A" }, this.panes.A);
    if (this.comparing) this.views.B.render({ ...ctx, side: "B" }, this.panes.B);
    const want = this.comparing ? [this.views.A.el, this.views.B.el] : [this.views.A.el];
    if (this.panesEl.children.length !== want.length || want.some((el, i) => this.panesEl.children[i] !== el)) replace(this.panesEl, ...want);
    this.panesEl.classList.toggle("pl-two", this.comparing);
  }

  private onActivity(running: Activity[]): void {
    this.running = running;
    window.clearInterval(this.tick);
    if (running.length) this.tick = window.setInterval(() => this.renderStatus(), 1000);
    this.renderStatus();
  }

  private renderStatus(): void {
    const r = this.running;
    this.modelState.textContent = this.modelStatus ? `● ${this.modelStatus}` : "";
    this.modelState.className = `pl-small pl-model-state pl-state-${this.modelStatus.split(/[ ,…:]/)[0] || "none"}`;
    if (r.length === 0) {
      replace(this.statusEl, h("span", { class: "pl-muted pl-small" }, "idle"));
      this.statusEl.classList.remove("pl-running");
      return;
    }
    const first = r[0];
    const secs = Math.floor((Date.now() - first.started) / 1000);
    this.statusEl.classList.add("pl-running");
    replace(
      this.statusEl,
      h("span", { class: "pl-spinner", attrs: { "aria-hidden": "true" } }),
      h("span", null, `${first.label}… ${secs} s`),
      r.length > 1 ? h("span", { class: "pl-muted" }, ` +${r.length - 1} more`) : null,
    );
  }

  private showBanner(msg: string | null): void {
    this.bannerEl.hidden = !msg;
    replace(
      this.bannerEl,
      msg ?? "",
      msg ? h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button", "aria-label": "Dismiss" }, on: { click: () => this.showBanner(null) } }, "Dismiss") : null,
    );
  }

  private installTooltip(app: HTMLElement): void {
    const tip = this.tooltip;
    tip.hidden = true;
    const move = (e: MouseEvent) => {
      const target = (e.target as Element | null)?.closest?.(".pl-seg, .pl-special, .pl-tgt");
      const info = target ? infoOf(target) : undefined;
      if (!info) {
        tip.hidden = true;
        return;
      }
      replace(tip, ...tooltipLines(info).map((l) => h("div", null, l)));
      tip.hidden = false;
      const pad = 14;
      const w = tip.offsetWidth;
      const x = Math.min(e.clientX + pad, window.innerWidth - w - 8);
      const y = e.clientY + pad + tip.offsetHeight > window.innerHeight ? e.clientY - tip.offsetHeight - pad : e.clientY + pad;
      tip.style.left = `${Math.max(4, x)}px`;
      tip.style.top = `${Math.max(4, y)}px`;
    };
    app.addEventListener("mousemove", move);
    app.addEventListener("mouseleave", () => (tip.hidden = true));
  }

  // ------------------------------------------------------------------ URL

  private viewState(): ViewState {
    const a = this.panes.A;
    const b = this.panes.B;
    return {
      model: this.models.length > 1 ? this.model : undefined,
      dataset: this.examplesView.dataset || undefined,
      example: a.datapoint?.id,
      span: a.span ?? undefined,
      compare: this.comparing ? b.datapoint?.id : undefined,
      // Only B's own span: one that follows A's selection is found again from the link.
      compareSpan: this.comparing && this.bOwn !== null ? (b.span ?? undefined) : undefined,
      method: this.method,
      granularity: this.granularityName(),
      source: this.source,
      intensity: this.intensity,
      run: Boolean(a.result),
      generation: this.gen,
    };
  }

  private syncUrl(): void {
    if (this.opts.urlState === false) return;
    const hash = encodeView(this.viewState());
    if (hash !== window.location.hash && !(hash === "" && window.location.hash === "#")) {
      const url = `${window.location.pathname}${window.location.search}${hash}`;
      window.history.replaceState(null, "", url);
    }
  }

  // ------------------------------------------------------------------ handle

  result(side: Side = "A"): SalienceResult | null {
    return this.panes[side].result;
  }

  destroy(): void {
    for (const c of this.cleanups) c();
    window.clearInterval(this.tick);
    this.views.A.destroy();
    this.views.B.destroy();
    replace(this.root);
  }
}

/** The selected text of a result, for tests and the notebook. */
export function selectedText(r: SalienceResult): string {
  return sliceCp(r.text, r.selected_span[0], r.selected_span[1]);
}
