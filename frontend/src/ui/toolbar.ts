/**
 * The salience controls: what to explain, the method and its options, the granularity (and
 * a custom regex), colour intensity, BOS on the scale, Auto-run, the compare picker and the
 * generation settings. It draws the store and reports choices through `ToolbarActions`.
 */
import { gainOfSlider } from "../colour";
import { h, replace, uniqueId } from "../dom";
import type { Store } from "../state";
import { DEFAULT_GENERATION, datasetStop, stopText, type GenerationSettings, type MethodInfo } from "../types";
import type { ExplainSource } from "../viewstate";
import { MethodOptions, type OnOption } from "./method-options";

export interface ToolbarActions {
  setSource(v: ExplainSource): void;
  setMethod(v: string): void;
  setOption: OnOption;
  setFoil(foil: string): void;
  setChat(on: boolean): void;
  setGranularity(v: string): void;
  setRegex(pattern: string): void;
  /** Something only the display depends on changed (intensity, BOS on the scale). */
  redraw(): void;
  setGeneration(g: GenerationSettings): void;
  compare(id: string | null): void;
}

const METHOD_LABELS: Record<string, string> = {
  grad_l2: "Grad L2",
  grad_dot_input: "Grad · input",
  integrated_gradients: "Integrated gradients",
  occlusion: "Occlusion",
  kernel_shap: "KernelSHAP",
  lime: "LIME",
  context_cite: "ContextCite",
};

interface RadioItem {
  value: string;
  label: string;
  title?: string;
}

/** A group of toggle buttons with radio semantics and arrow-key navigation. */
function radios(group: HTMLElement, name: string, items: RadioItem[], current: string, onPick: (v: string) => void): void {
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

export class Toolbar {
  readonly el: HTMLElement;
  private readonly store: Store;
  private readonly actions: ToolbarActions;
  private readonly methodGroup = h("div", { class: "pl-seg-group", attrs: { role: "radiogroup", "aria-label": "Salience method" } });
  private readonly granGroup = h("div", { class: "pl-seg-group", attrs: { role: "radiogroup", "aria-label": "Granularity" } });
  private readonly sourceGroup = h("div", { class: "pl-seg-group", attrs: { role: "radiogroup", "aria-label": "What to explain" } });
  private readonly options: MethodOptions;
  private readonly regexInput: HTMLInputElement;
  private readonly foilInput: HTMLInputElement;
  private readonly intensityInput: HTMLInputElement;
  private readonly intensityOut = h("output", { class: "pl-small pl-num" });
  private readonly bosInput: HTMLInputElement;
  private readonly chatInput: HTMLInputElement;
  private readonly chatLabel: HTMLLabelElement;
  private readonly autoInput: HTMLInputElement;
  private readonly compareSelect = h("select", { class: "pl-input pl-compare-select" });
  private readonly genInputs: Record<string, HTMLInputElement> = {};
  /** Why a generation field's value was not taken (out of range), or empty. */
  private readonly genError = h("p", { class: "pl-small pl-gen-error", attrs: { role: "alert" } });
  private genBox: HTMLElement | null = null;

  constructor(store: Store, actions: ToolbarActions) {
    this.store = store;
    this.actions = actions;
    this.options = new MethodOptions(actions.setOption);
    this.regexInput = h("input", {
      class: "pl-input pl-mono pl-regex",
      attrs: {
        id: uniqueId("regex"),
        type: "text",
        spellcheck: "false",
        autocomplete: "off",
        "aria-label": "Custom regex",
        title:
          "JavaScript regular expression (u flag), NOT Python's re syntax: e.g. (?<name>…) instead of (?P<name>…), no inline flags like (?m). " +
          "Every match is a segment and every gap between matches is a segment; empty matches are ignored. " +
          "With occlusion the server applies the pattern with Python's re.",
      },
      props: { value: store.regex },
      on: { change: () => actions.setRegex(this.regexInput.value) },
    });
    this.foilInput = h("input", {
      class: "pl-input pl-mono pl-foil",
      attrs: {
        type: "text",
        spellcheck: "false",
        autocomplete: "off",
        "aria-label": "Versus (foil)",
        placeholder: "a foil, e.g.  Avoid.",
        title:
          "Contrastive: explain why the model writes the selection rather than this text at the same place. " +
          "f = log p(selection) − log p(foil); positive pushes the selection up relative to the foil. Empty: the plain objective.",
      },
      on: { change: () => actions.setFoil(this.foilInput.value) },
    });
    this.intensityInput = h("input", {
      class: "pl-range",
      attrs: { type: "range", min: -2, max: 2, step: 0.25, "aria-label": "Colour intensity" },
      props: { value: "0" },
      on: {
        input: () => {
          store.intensity = Number(this.intensityInput.value);
          this.renderIntensity();
          actions.redraw();
        },
      },
    });
    this.bosInput = h("input", {
      attrs: { type: "checkbox" },
      on: {
        change: () => {
          store.includeBos = this.bosInput.checked;
          actions.redraw();
        },
      },
    });
    this.chatInput = h("input", { attrs: { type: "checkbox" }, on: { change: () => actions.setChat(this.chatInput.checked) } });
    this.chatLabel = h(
      "label",
      { class: "pl-check", attrs: { title: "Send the prompt as one user message through the model's chat template (role markers and turn delimiters are muted)" } },
      this.chatInput,
      "Chat template",
    );
    this.autoInput = h("input", { attrs: { type: "checkbox" }, props: { checked: true }, on: { change: () => (store.autoRun = this.autoInput.checked) } });
    this.compareSelect.addEventListener("change", () => actions.compare(this.compareSelect.value || null));
    this.el = this.build();
  }

  private build(): HTMLElement {
    const genField = (key: keyof GenerationSettings, label: string, attrs: Record<string, string | number>, help: string) => {
      const id = uniqueId(key);
      const input = h("input", {
        class: "pl-input pl-num",
        attrs: { id, type: key === "stop" ? "text" : "number", title: help, ...attrs },
        on: { change: () => this.onGenerationInput(input, label) },
      });
      this.genInputs[key] = input;
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
      this.genError,
    );
    this.genBox = genBox;
    const label = (text: string) => h("span", { class: "pl-control-label", attrs: { "aria-hidden": "true" } }, text);
    return h(
      "section",
      { class: "pl-toolbar pl-card", attrs: { "aria-label": "Salience controls" } },
      h(
        "div",
        { class: "pl-row pl-wrap pl-gap" },
        h("div", { class: "pl-control" }, label("Explain"), this.sourceGroup),
        h("div", { class: "pl-control" }, label("Method"), this.methodGroup),
        h("label", { class: "pl-control" }, label("Versus"), this.foilInput),
      ),
      h("div", { class: "pl-row pl-wrap pl-gap" }, this.options.el),
      h("div", { class: "pl-row pl-wrap pl-gap" }, h("div", { class: "pl-control" }, label("Granularity"), this.granGroup, this.regexInput)),
      h(
        "div",
        { class: "pl-row pl-wrap pl-gap" },
        h("label", { class: "pl-control", attrs: { title: "Colour intensity: higher saturates smaller scores" } }, h("span", { class: "pl-control-label" }, "Intensity"), this.intensityInput, this.intensityOut),
        h("label", { class: "pl-check", attrs: { title: "Include the BOS token and chat-template text in max |score| and the top list (they usually dominate, so they are left out by default)" } }, this.bosInput, "BOS & template on scale"),
        this.chatLabel,
        h("label", { class: "pl-check", attrs: { title: "Re-run salience when the selection, method or (for occlusion) granularity changes" } }, this.autoInput, "Auto-run"),
        h("label", { class: "pl-control" }, h("span", { class: "pl-control-label" }, "Compare"), this.compareSelect),
        genBox,
      ),
    );
  }

  /** Apply a generation field, or, for a value out of its range, say so and keep the settings as they were. */
  private onGenerationInput(input: HTMLInputElement, label: string): void {
    const v = input.validity;
    if (input.type === "number" && (v.rangeUnderflow || v.rangeOverflow || v.badInput)) {
      const { min, max } = input;
      const range = min !== "" && max !== "" ? `from ${min} to ${max}` : min !== "" ? `${min} or more` : "a whole number";
      input.setAttribute("aria-invalid", "true");
      this.genError.textContent = `${label} ${input.value || "(empty)"} is not valid: give a number ${range}. The setting is unchanged.`;
      return;
    }
    input.removeAttribute("aria-invalid");
    if (!this.genBox?.querySelector('[aria-invalid="true"]')) this.genError.textContent = "";
    this.actions.setGeneration(this.readGeneration());
  }

  private readGeneration(): GenerationSettings {
    const num = (k: keyof GenerationSettings, fallback: number) => {
      const v = Number(this.genInputs[k].value);
      return this.genInputs[k].value.trim() === "" || !Number.isFinite(v) ? fallback : v;
    };
    const stop = this.genInputs.stop.value
      .split(",")
      .map((s) => s.trim().replace(/\\n/g, "\n").replace(/\\t/g, "\t"))
      .filter((s) => s !== "");
    return {
      max_new_tokens: Math.max(1, Math.round(num("max_new_tokens", DEFAULT_GENERATION.max_new_tokens))),
      temperature: Math.max(0, num("temperature", 0)),
      top_p: Math.min(1, Math.max(0, num("top_p", 1))),
      top_k: Math.max(0, Math.round(num("top_k", 0))),
      seed: Math.round(num("seed", 0)),
      stop,
    };
  }

  /** On every redraw: only what other actions change (the compare picker). */
  render(): void {
    this.renderCompareSelect();
    this.renderStopHint();
  }

  /** After the choices changed: every control. */
  renderControls(): void {
    const s = this.store;
    this.genInputs.max_new_tokens.max = String(s.maxNewTokens); // the server's limit, not a guess
    radios(
      this.sourceGroup,
      "source",
      [
        { value: "target", label: "Dataset target", title: "Explain the example's target text" },
        { value: "output", label: "Model output", title: "Explain what the model generated (generates first if needed)" },
      ],
      s.source,
      (v) => this.actions.setSource(v as ExplainSource),
    );
    radios(
      this.methodGroup,
      "method",
      s.methods.map((m) => ({ value: m.name, label: METHOD_LABELS[m.name] ?? m.name, title: `${m.name}: ${m.description ?? ""}${m.signed ? " (signed)" : " (unsigned)"}. ${selectionCost(m)}` })),
      s.method,
      (v) => this.actions.setMethod(v),
    );
    this.options.render(s.methodInfo(), s.options[s.method] ?? {});
    const perSegment = s.isPerSegment(s.method);
    radios(
      this.granGroup,
      "granularity",
      [...s.granularities, ...(s.isChat() ? ["messages"] : []), "regex"].map((g) => ({
        value: g,
        label: g === "regex" ? "custom regex" : g,
        title:
          g === "regex"
            ? "Custom segments from a JavaScript regular expression (not Python syntax)"
            : `Sum token scores per ${g.replace(/s$/, "")}${perSegment ? ` (${s.method} needs a new run)` : " (no new request)"}`,
      })),
      s.granularity,
      (v) => this.actions.setGranularity(v),
    );
    this.regexInput.hidden = s.granularity !== "regex";
    if (document.activeElement !== this.regexInput) this.regexInput.value = s.regex;
    if (document.activeElement !== this.foilInput) this.foilInput.value = s.foil;
    this.intensityInput.value = String(s.intensity);
    this.renderIntensity();
    this.bosInput.checked = s.includeBos;
    const chatRow = s.panes.A.datapoint !== null && s.isChat() && !s.chat;
    this.chatLabel.hidden = !s.modelHasChat() || chatRow;
    this.chatInput.checked = s.chat;
    this.autoInput.checked = s.autoRun;
    const g = s.gen;
    const setIf = (k: string, v: string) => {
      const el = this.genInputs[k];
      if (el && document.activeElement !== el) el.value = v;
    };
    setIf("max_new_tokens", String(g.max_new_tokens));
    setIf("temperature", String(g.temperature));
    setIf("top_p", String(g.top_p));
    setIf("top_k", String(g.top_k));
    setIf("seed", String(g.seed));
    setIf("stop", stopText(g.stop));
    this.renderCompareSelect();
  }

  /** The stop field's hint: when it is empty, the selected example's own stop strings apply. */
  private renderStopHint(): void {
    const d = this.store.panes.A.datapoint;
    const own = d ? datasetStop(d) : [];
    const input = this.genInputs.stop;
    input.placeholder = own.length ? `this example's: ${stopText(own)}` : "e.g. \\n\\n, ###";
    input.title = `Comma-separated; \\n means a newline. Generation stops before the first one.${own.length ? ` Left empty, this example's own stop strings apply (${stopText(own)}).` : ""}`;
  }

  renderIntensity(): void {
    this.intensityOut.textContent = `×${gainOfSlider(this.store.intensity).toFixed(2)}`;
  }

  renderCompareSelect(): void {
    const s = this.store;
    const cur = s.comparing ? (s.panes.B.datapoint?.id ?? "") : "";
    replace(
      this.compareSelect,
      h("option", { attrs: { value: "" } }, "— nothing —"),
      ...s.examples.map((e) => h("option", { attrs: { value: e.id } }, `${e.source || e.id} (${e.id})`)),
    );
    if (cur && !s.examples.some((e) => e.id === cur)) this.compareSelect.appendChild(h("option", { attrs: { value: cur } }, cur));
    this.compareSelect.value = cur;
  }
}

/** What a new selection inside the same output costs with method `m`, in one sentence. */
export function selectionCost(m: MethodInfo): string {
  return m.answers_new_selections
    ? "A new selection in the same output is answered from its run, with no model call."
    : "Each new selection needs a model call.";
}
