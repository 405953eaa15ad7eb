/**
 * The promptlight app: examples and editor on the left; the salience controls and one pane
 * (or two, to compare) on the right. It wires the parts together and nothing more:
 *
 * - `state.ts`: the store (all state, the request and cache key derived from it);
 * - `viewstate.ts`: the one view definition, kept in the URL;
 * - `actions/`: what clicks do (model calls, compare, datapoints, view changes, exports);
 * - `panels.ts`: the panels, each drawn from the store (a new panel is one file plus one line);
 * - `api.ts`: every server call, reporting what is running.
 */
import { Api } from "./api";
import { invalidateAll } from "./actions/calls";
import { compare, select } from "./actions/compare";
import { addDatapoint, deleteDatapoint, saveDatapoint, uploadDataset } from "./actions/datapoints";
import { applyView, loadExamples, loadMeta, loadModelFile, refreshHealth } from "./actions/view";
import type { AppContext, BannerTopic, MountOptions } from "./context";
import { h, replace } from "./dom";
import { PANELS, type Panel } from "./panels";
import { Store, type Side } from "./state";
import { sliceCp } from "./text";
import type { SalienceResult } from "./types";
import { Editor } from "./ui/editor";
import { ExamplesTable } from "./ui/examples";
import { Header } from "./ui/header";
import { RunsView } from "./ui/runs";
import { installTooltip } from "./ui/tooltip";
import { decodeView, encodeView, withoutUnconfirmedRun, type InitialView } from "./viewstate";

export type { MountOptions } from "./context";
export type { InitialView } from "./viewstate";

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


/** Below this app width (px) the examples column hides itself; below COMPACT_PX the layout is compact. */
const NARROW_PX = 1200;
const COMPACT_PX = 900;
export class App implements AppHandle {
  private readonly root: HTMLElement;
  private readonly ctx: AppContext;
  private readonly header: Header;
  private readonly panels: Panel[];
  private readonly layout: HTMLElement;
  private readonly runs: RunsView;
  private readonly bannerEl = h("div", { class: "pl-banner", attrs: { role: "alert" } });
  /** What the banner shown is about (null: nothing shown, or nothing a success clears). */
  private bannerAbout: BannerTopic | null = null;
  /** The examples column was hidden automatically for the compare view (and comes back after it). */
  private autoCollapsed = false;
  /** Narrower than NARROW_PX: the examples column is hidden by itself (the Examples button shows it). */
  private narrow = false;

  constructor(root: HTMLElement, opts: MountOptions) {
    this.root = root;
    const store = new Store();
    const api = new Api({ base: opts.apiBase, token: opts.token, onActivity: (a) => this.header.onActivity(a) });
    const ctx: AppContext = {
      store,
      api,
      opts,
      cleanups: [],
      examplesView: new ExamplesTable({ onSelect: (id) => void select(ctx, id), onCompare: (id) => void compare(ctx, id), onFile: (file) => void uploadDataset(ctx, file) }),
      editor: new Editor({
        onSave: (id, f) => void saveDatapoint(ctx, id, f),
        onAdd: (f, cmp) => void addDatapoint(ctx, f, cmp),
        onDuplicate: (id, f) => void addDatapoint(ctx, { ...f, source: f.source ? `${f.source} (copy)` : "", fields: { ...(f.fields ?? {}), duplicate_of: id } }, false),
        onDelete: (id) => void deleteDatapoint(ctx, id),
        onNew: () => {
          ctx.editor.load(null, store.panes.A.datapoint?.dataset ?? ctx.examplesView.dataset ?? "");
          ctx.editor.focusPrompt();
        },
      }),
      renderAll: () => this.renderAll(),
      renderPanes: () => this.panel("panes").render(),
      renderControls: () => this.renderControls(),
      renderStatus: () => this.header.renderStatus(),
      showBanner: (msg, about) => this.showBanner(msg, about),
      syncUrl: () => this.syncUrl(),
      setLeftVisible: (visible, auto = false) => this.setLeftVisible(visible, auto),
      leftVisible: () => !this.layout.classList.contains("pl-no-left"),
      leftAutoHidden: () => this.autoCollapsed && !this.narrow,
    };
    this.ctx = ctx;
    this.header = new Header(store, {
      toggleLeft: () => this.setLeftVisible(!ctx.leftVisible()),
      setModel: (name) => {
        store.model = name;
        invalidateAll(ctx, `The model changed to ${name}`);
        void refreshHealth(ctx);
      },
      toggleRuns: () => this.showRuns(this.runs.el.hidden),
      loadModelFile: (id) => void loadModelFile(ctx, id),
    });
    this.runs = new RunsView(api, () => this.showRuns(false));
    this.runs.el.hidden = true;
    this.panels = PANELS.map((spec) => spec.create(ctx));
    const region = (r: string) => PANELS.flatMap((spec, i) => (spec.region === r ? [this.panels[i].el] : []));
    this.layout = h("div", { class: "pl-layout" }, h("aside", { class: "pl-left" }, ...region("left")), h("main", { class: "pl-right" }, ...region("right")));
    if (opts.showExamples === false) this.setLeftVisible(false);
    const tooltip = h("div", { class: "pl-tooltip", attrs: { role: "tooltip" } });
    const app = h("div", { class: "pl-app" }, this.header.el, this.bannerEl, this.layout, this.runs.el, tooltip);
    replace(root, app);
    this.watchWidth(app);
    this.bannerEl.hidden = true;
    installTooltip(app, tooltip);
    this.renderControls();
    for (const p of this.panels) p.render(); // not renderAll: the URL's view is read by start() first
    this.header.renderStatus();
  }

  async start(): Promise<void> {
    const { ctx } = this;
    const urlState = ctx.opts.urlState !== false;
    const link = withoutUnconfirmedRun(urlState ? decodeView(window.location.hash) : {});
    if (link.reason) this.showBanner(link.reason, "link");
    const init: InitialView = { ...(ctx.opts.initial ?? {}), ...link.view };
    if (urlState) {
      const onHash = () => {
        const { view: v, reason } = withoutUnconfirmedRun(decodeView(window.location.hash));
        if (reason) this.showBanner(reason, "link");
        if (!v.compare && ctx.store.comparing) void compare(ctx, null);
        void applyView(ctx, v);
      };
      window.addEventListener("hashchange", onHash);
      ctx.cleanups.push(() => window.removeEventListener("hashchange", onHash));
    }
    await Promise.all([loadMeta(ctx), loadExamples(ctx), this.findRuns()]);
    if (init.data && init.data.length) {
      const added: string[] = [];
      for (const row of init.data) {
        try {
          added.push((await ctx.api.createDatapoint({ dataset: init.dataset ?? "notebook", prompt: row.prompt, target: row.target ?? "", source: row.source ?? "" })).id);
        } catch (err) {
          this.showBanner(`Could not add a datapoint: ${err instanceof Error ? err.message : String(err)}`, "add");
        }
      }
      await loadExamples(ctx);
      if (added[0]) init.example = init.example ?? added[0];
      if (added[1]) init.compare = init.compare ?? added[1];
    }
    await applyView(ctx, init);
    // A first look at something rather than an empty pane.
    if (!ctx.store.panes.A.datapoint && ctx.store.examples.length > 0) await select(ctx, ctx.store.examples[0].id);
  }

  /** Show the Runs button when the server has batch runs. */
  private async findRuns(): Promise<void> {
    try {
      const runs = await this.ctx.api.request<unknown[]>("GET", "/api/runs");
      this.header.runsToggle.hidden = runs.length === 0;
    } catch {
      this.header.runsToggle.hidden = true; // an older server without /api/runs
    }
  }

  private showRuns(visible: boolean): void {
    this.runs.el.hidden = !visible;
    this.layout.hidden = visible;
    this.header.runsToggle.setAttribute("aria-pressed", String(visible));
    if (visible) void this.runs.open();
  }

  private panel(id: string): Panel {
    return this.panels[PANELS.findIndex((p) => p.id === id)];
  }

  private renderControls(): void {
    this.header.renderModels();
    for (const p of this.panels) (p.renderControls ?? p.render).call(p);
  }

  private renderAll(): void {
    for (const p of this.panels) p.render();
    this.syncUrl();
  }

  /**
   * Fit the app's own width (a window, or a notebook cell): below NARROW_PX the examples column
   * hides itself so the heatmap keeps its room, and comes back when there is room again (unless
   * the user or the compare view hid it); below COMPACT_PX a compact layout (top segments under
   * the heatmap, tighter spacing).
   */
  private watchWidth(app: HTMLElement): void {
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      const width = entries[entries.length - 1]?.contentRect.width ?? 0;
      if (width === 0) return; // not shown (a collapsed notebook output): nothing to fit
      app.classList.toggle("pl-compact", width < COMPACT_PX);
      const narrow = width < NARROW_PX;
      if (narrow && !this.narrow && this.ctx.leftVisible()) this.setLeftVisible(false, true);
      if (!narrow && this.narrow && this.autoCollapsed && !this.ctx.store.comparing) this.setLeftVisible(true);
      this.narrow = narrow;
    });
    observer.observe(app);
    this.ctx.cleanups.push(() => observer.disconnect());
  }

  private setLeftVisible(visible: boolean, auto = false): void {
    this.autoCollapsed = !visible && auto;
    this.layout.classList.toggle("pl-no-left", !visible);
    this.header.leftToggle.setAttribute("aria-pressed", String(visible));
  }

  private showBanner(msg: string | null, about?: BannerTopic): void {
    if (msg === null && about !== undefined && about !== this.bannerAbout) return; // another action's word stays
    this.bannerAbout = msg === null ? null : (about ?? null);
    this.bannerEl.hidden = !msg;
    replace(
      this.bannerEl,
      msg ?? "",
      msg ? h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button", "aria-label": "Dismiss" }, on: { click: () => this.showBanner(null) } }, "Dismiss") : null,
    );
  }

  private syncUrl(): void {
    if (this.ctx.opts.urlState === false) return;
    const hash = encodeView(this.ctx.store.viewState(this.ctx.examplesView.dataset));
    if (hash !== window.location.hash && !(hash === "" && window.location.hash === "#")) {
      window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}${hash}`);
    }
  }

  select(id: string): Promise<void> {
    return select(this.ctx, id);
  }

  compare(id: string | null): Promise<void> {
    return compare(this.ctx, id);
  }

  result(side: Side = "A"): SalienceResult | null {
    return this.ctx.store.panes[side].result;
  }

  destroy(): void {
    for (const c of this.ctx.cleanups) c();
    this.header.destroy();
    for (const p of this.panels) p.destroy?.();
    replace(this.root);
  }
}

/** The selected text of a result, for tests and the notebook. */
export function selectedText(r: SalienceResult): string {
  return sliceCp(r.text, r.selected_span[0], r.selected_span[1]);
}
