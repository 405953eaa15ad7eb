/**
 * Controls for the chosen method's options, drawn from its option table (`/api/methods`):
 * a number field for integers and numbers (with the table's bounds), a select for choices,
 * a checkbox for booleans. No control knows a method by name: a new method's options appear
 * here by themselves.
 */
import { h, replace, uniqueId } from "../dom";
import type { MethodInfo, OptionInfo } from "../types";
import type { OptionValue } from "../viewstate";

export type OnOption = (name: string, value: OptionValue) => void;

/** The value typed into a control, as the option's type (null = empty = the default). */
export function parseOptionInput(opt: OptionInfo, raw: string): OptionValue {
  const text = raw.trim();
  if (text === "") return null;
  if (opt.special.includes(text)) return text;
  if (opt.type === "integer" || opt.type === "number") {
    const n = Number(text);
    if (!Number.isFinite(n)) return text; // sent as typed: the server names what is wrong with it
    return opt.type === "integer" ? Math.trunc(n) : n;
  }
  if (opt.type === "boolean") return text === "true";
  return text;
}

function control(opt: OptionInfo, value: OptionValue | undefined, onOption: OnOption): HTMLElement {
  const id = uniqueId(`opt-${opt.name}`);
  const bounds = [opt.minimum !== null ? `≥ ${opt.minimum}` : "", opt.maximum !== null ? `≤ ${opt.maximum}` : "", opt.cap ? `capped by the server's ${opt.cap}` : ""].filter(Boolean).join(", ");
  const title = `${opt.help}${bounds ? ` (${bounds})` : ""}. Default: ${opt.default ?? "chosen by the method"}.`;
  let input: HTMLInputElement | HTMLSelectElement;
  if (opt.choices) {
    input = h(
      "select",
      { class: "pl-input", attrs: { id, title, "data-option": opt.name }, on: { change: () => onOption(opt.name, input.value === String(opt.default) ? null : input.value) } },
      ...opt.choices.map((c) => h("option", { attrs: { value: c } }, c)),
    );
    input.value = String(value ?? opt.default ?? "");
  } else if (opt.type === "boolean") {
    const box = h("input", { attrs: { id, type: "checkbox", title, "data-option": opt.name } });
    box.checked = Boolean(value ?? opt.default);
    box.addEventListener("change", () => onOption(opt.name, box.checked === Boolean(opt.default) ? null : box.checked));
    input = box;
  } else {
    const numeric = opt.type !== "string" && opt.special.length === 0;
    const field = h("input", {
      class: "pl-input pl-num",
      attrs: {
        id,
        title,
        "data-option": opt.name,
        type: numeric ? "number" : "text",
        ...(opt.minimum !== null ? { min: opt.minimum } : {}),
        ...(opt.maximum !== null ? { max: opt.maximum } : {}),
        ...(opt.type === "integer" ? { step: 1 } : {}),
        placeholder: opt.default === null ? "auto" : String(opt.default),
      },
    });
    field.value = value === undefined || value === null ? "" : String(value);
    field.addEventListener("change", () => {
      const v = parseOptionInput(opt, field.value);
      onOption(opt.name, v === opt.default ? null : v);
    });
    input = field;
  }
  return h("div", { class: "pl-field pl-field-inline pl-option" }, h("label", { attrs: { for: id, title } }, opt.name.replace(/_/g, " ")), input);
}

export class MethodOptions {
  readonly el = h("div", { class: "pl-row pl-wrap pl-gap-s pl-options", attrs: { role: "group", "aria-label": "Method options" } });
  private shown = "";
  private shownMethod: string | undefined;
  private readonly onOption: OnOption;

  constructor(onOption: OnOption) {
    this.onOption = onOption;
  }

  render(method: MethodInfo | undefined, values: Record<string, OptionValue>): void {
    const options = method?.options ?? [];
    const key = JSON.stringify([method?.name, options, values]);
    if (key === this.shown) return;
    const typing = this.el.contains(document.activeElement) && this.shownMethod === method?.name;
    this.shown = key;
    if (typing) return; // keep the field the user is in; it already shows what they typed
    this.shownMethod = method?.name;
    this.el.hidden = options.length === 0;
    replace(this.el, ...options.map((o) => control(o, values[o.name], this.onOption)));
  }
}
