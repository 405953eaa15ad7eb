/** The header: brand, the examples toggle, the model picker with its state, and what is running. */
import type { Activity } from "../api";
import { h, replace } from "../dom";
import type { Store } from "../state";

export interface HeaderActions {
  toggleLeft(): void;
  setModel(name: string): void;
  /** Load a model the server lists under --model-dirs (by its id), then use it. */
  loadModelFile(id: string): void;
  /** Show or hide the Runs view (batch runs of `serve --runs DIR`). */
  toggleRuns(): void;
}

/** The picker's value for a model file to load (not a loaded model's name). */
const FILE_PREFIX = "file:";

export class Header {
  readonly el: HTMLElement;
  readonly leftToggle: HTMLButtonElement;
  /** Hidden until the server has batch runs to show. */
  readonly runsToggle: HTMLButtonElement;
  private readonly store: Store;
  private readonly statusEl = h("div", { class: "pl-status", attrs: { role: "status", "aria-live": "polite" } });
  private readonly modelSelect = h("select", { class: "pl-input" });
  private readonly modelState = h("span", { class: "pl-small pl-muted" });
  private tick: number | undefined;

  constructor(store: Store, actions: HeaderActions) {
    this.store = store;
    this.modelSelect.addEventListener("change", () => {
      const value = this.modelSelect.value;
      if (value.startsWith(FILE_PREFIX)) actions.loadModelFile(value.slice(FILE_PREFIX.length));
      else actions.setModel(value);
    });
    this.leftToggle = h(
      "button",
      { class: "pl-btn pl-btn-small", attrs: { type: "button", "aria-pressed": "true", title: "Show or hide the examples and the editor" }, on: { click: () => actions.toggleLeft() } },
      "Examples",
    );
    this.runsToggle = h(
      "button",
      { class: "pl-btn pl-btn-small", attrs: { type: "button", "aria-pressed": "false", title: "Batch runs: rows, salience per part across rows, A/B" }, on: { click: () => actions.toggleRuns() } },
      "Runs",
    );
    this.runsToggle.hidden = true;
    this.el = h(
      "header",
      { class: "pl-header" },
      h("div", { class: "pl-brand" }, h("span", { class: "pl-logo", attrs: { "aria-hidden": "true" } }), h("span", { class: "pl-name" }, "promptlight"), h("span", { class: "pl-muted pl-small pl-tagline" }, "prompt debugger")),
      this.leftToggle,
      this.runsToggle,
      h("label", { class: "pl-row pl-gap-s pl-small" }, "Model", this.modelSelect),
      this.modelState,
      this.statusEl,
    );
  }

  renderModels(): void {
    const s = this.store;
    const loadable = s.modelFiles.filter((f) => f.loaded_as === null);
    replace(
      this.modelSelect,
      ...(s.models.length ? s.models : [s.model || "—"]).map((m) => h("option", { attrs: { value: m } }, m)),
      loadable.length
        ? h(
            "optgroup",
            { attrs: { label: `Load from ${s.modelDirs.join(", ")}` } },
            ...loadable.map((f) => h("option", { attrs: { value: FILE_PREFIX + f.id, title: `${f.kind === "gguf" ? ".gguf file" : "model folder"} ${f.id}` } }, `${f.id} (${f.kind})`)),
          )
        : null,
    );
    this.modelSelect.value = s.model;
    const one = s.models.length <= 1 && loadable.length === 0;
    this.modelSelect.disabled = one;
    this.modelSelect.classList.toggle("pl-select-plain", one);
  }

  onActivity(running: Activity[]): void {
    this.store.running = running;
    window.clearInterval(this.tick);
    if (running.length) this.tick = window.setInterval(() => this.renderStatus(), 1000);
    this.renderStatus();
  }

  renderStatus(): void {
    const s = this.store;
    const r = s.running;
    this.modelState.textContent = s.modelStatus ? `● ${s.modelStatus}` : "";
    this.modelState.className = `pl-small pl-model-state pl-state-${s.modelStatus.split(/[ ,…:]/)[0] || "none"}`;
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

  destroy(): void {
    window.clearInterval(this.tick);
  }
}
