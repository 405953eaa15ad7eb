/**
 * The examples table: dataset, source, prompt preview, target; a search box and a dataset
 * filter. Keyboard: arrow keys / Home / End move the selection, Enter or Space selects,
 * C opens the focused row in the compare pane.
 */
import { h, preview, replace, uniqueId } from "../dom";
import type { Datapoint } from "../types";

export interface ExamplesCallbacks {
  onSelect(id: string): void;
  onCompare(id: string): void;
  /** A dataset file chosen or dropped on the table (.jsonl, .csv, .txt). */
  onFile?(file: File): void;
}

/** The dataset files the server reads (the CLI's loaders). */
export const DATASET_FILES = ".jsonl,.csv,.txt";

/** Case-insensitive match of every whitespace-separated word of `query` anywhere in the row. */
export function matchesQuery(d: Datapoint, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = `${d.id}\n${d.dataset}\n${d.source}\n${d.prompt}\n${d.target}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

export class ExamplesTable {
  readonly el: HTMLElement;
  private readonly cb: ExamplesCallbacks;
  private readonly search: HTMLInputElement;
  private readonly datasetSelect: HTMLSelectElement;
  private readonly count: HTMLElement;
  private readonly note = h("p", { class: "pl-muted pl-small pl-examples-note", attrs: { "aria-live": "polite" } });
  private readonly tbody: HTMLTableSectionElement;
  private readonly scroller: HTMLElement;
  private all: Datapoint[] = [];
  private shown: Datapoint[] = [];
  private rows = new Map<string, HTMLTableRowElement>();
  private selected: string | null = null;
  private compared: string | null = null;
  private active: string | null = null;
  private datasetNames: string[] = [];

  constructor(cb: ExamplesCallbacks) {
    this.cb = cb;
    const searchId = uniqueId("search");
    const dsId = uniqueId("dsfilter");
    this.search = h("input", {
      class: "pl-input",
      attrs: { id: searchId, type: "search", placeholder: "Search prompts, targets, sources…", autocomplete: "off", spellcheck: "false" },
      on: { input: () => this.refresh() },
    });
    this.datasetSelect = h("select", { class: "pl-input", attrs: { id: dsId }, on: { change: () => this.refresh() } });
    this.count = h("span", { class: "pl-muted pl-small", attrs: { "aria-live": "polite" } });
    this.tbody = h("tbody", { on: { keydown: (e) => this.onKey(e as KeyboardEvent) } });
    const table = h(
      "table",
      { class: "pl-table", attrs: { "aria-label": "Examples. Arrow keys move, Enter selects, C compares." } },
      h(
        "thead",
        null,
        h("tr", null, h("th", { attrs: { scope: "col" } }, "Dataset"), h("th", { attrs: { scope: "col" } }, "Source"), h("th", { attrs: { scope: "col" } }, "Prompt"), h("th", { attrs: { scope: "col" } }, "Target")),
      ),
      this.tbody,
    );
    this.scroller = h("div", { class: "pl-table-scroll" }, table);
    const fileInput = h("input", {
      class: "pl-sr-only",
      attrs: { type: "file", accept: DATASET_FILES, "aria-label": "Dataset file to add", tabindex: "-1" },
      on: {
        change: () => {
          const file = fileInput.files?.[0];
          if (file) cb.onFile?.(file);
          fileInput.value = ""; // the same file again is a new choice
        },
      },
    });
    const addFile = cb.onFile
      ? h(
          "button",
          { class: "pl-btn pl-btn-small", attrs: { type: "button", title: "Add the rows of a .jsonl, .csv or .txt file as your datapoints (or drop the file on this table)" }, on: { click: () => fileInput.click() } },
          "Add a file…",
        )
      : null;
    this.el = h(
      "section",
      { class: "pl-card pl-examples", attrs: { "aria-label": "Examples" } },
      h("div", { class: "pl-card-head" }, h("h2", null, "Examples"), h("div", { class: "pl-row pl-gap-s" }, this.count, addFile, cb.onFile ? fileInput : null)),
      this.note,
      h(
        "div",
        { class: "pl-row pl-filters" },
        h("label", { class: "pl-sr-only", attrs: { for: searchId } }, "Search examples"),
        this.search,
        h("label", { class: "pl-sr-only", attrs: { for: dsId } }, "Dataset"),
        this.datasetSelect,
      ),
      this.scroller,
    );
    if (cb.onFile) {
      const onFile = cb.onFile;
      const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
      this.el.addEventListener("dragover", (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        this.el.classList.add("pl-drop");
      });
      this.el.addEventListener("dragleave", (e) => {
        if (e.target === this.el) this.el.classList.remove("pl-drop");
      });
      this.el.addEventListener("drop", (e) => {
        this.el.classList.remove("pl-drop");
        const file = e.dataTransfer?.files?.[0];
        if (!file) return;
        e.preventDefault();
        onFile(file);
      });
    }
  }

  setData(examples: Datapoint[], datasetNames: string[]): void {
    this.all = examples;
    const names = [...new Set([...datasetNames, ...examples.map((e) => e.dataset)])];
    if (names.join("\n") !== this.datasetNames.join("\n")) {
      this.datasetNames = names;
      const current = this.datasetSelect.value;
      replace(this.datasetSelect, h("option", { attrs: { value: "" } }, "All datasets"), ...names.map((n) => h("option", { attrs: { value: n } }, n)));
      this.datasetSelect.value = names.includes(current) ? current : "";
    }
    this.refresh();
  }

  /** A line under the heading (e.g. what a file added); empty hides it. */
  say(text: string): void {
    this.note.textContent = text;
  }

  setDataset(name: string): void {
    if (this.datasetNames.includes(name)) {
      this.datasetSelect.value = name;
      this.refresh();
    }
  }

  get dataset(): string {
    return this.datasetSelect.value;
  }

  setSelected(selected: string | null, compared: string | null): void {
    const changed = selected !== this.selected;
    this.selected = selected;
    this.compared = compared;
    if (selected) this.active = selected;
    this.paintSelection();
    if (changed && selected) this.reveal(selected);
  }

  /** Scroll the table (only the table, never the page around it) so row `id` is visible. */
  private reveal(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    const box = this.scroller;
    const head = box.querySelector("thead")?.getBoundingClientRect().height ?? 0;
    const top = row.offsetTop;
    const bottom = top + row.offsetHeight;
    if (top - head < box.scrollTop) box.scrollTop = top - head;
    else if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight;
  }

  private refresh(): void {
    const q = this.search.value;
    const ds = this.datasetSelect.value;
    this.shown = this.all.filter((d) => (!ds || d.dataset === ds) && matchesQuery(d, q));
    this.count.textContent = `${this.shown.length} of ${this.all.length}`;
    const hadFocus = this.tbody.contains(document.activeElement);
    this.rows.clear();
    const rows = this.shown.map((d) => {
      const row = h(
        "tr",
        {
          attrs: { tabindex: -1, "data-id": d.id, title: d.id },
          on: {
            click: () => this.choose(d.id),
            focus: () => {
              this.active = d.id;
              this.paintSelection();
            },
          },
        },
        h("td", { class: "pl-cell-ds", attrs: { title: d.dataset } }, d.dataset, d.origin === "user" ? h("span", { class: "pl-badge", attrs: { title: "Added or edited by a user" } }, "user") : null),
        h("td", { class: "pl-cell-src", attrs: { title: `${d.source || "(no source)"} · ${d.id}` } }, d.source || "—"),
        h("td", { class: "pl-cell-prompt" }, preview(d.prompt, 70)),
        h("td", { class: "pl-cell-target" }, d.target ? preview(d.target, 40) : h("span", { class: "pl-muted" }, "—")),
      );
      this.rows.set(d.id, row);
      return row;
    });
    if (rows.length === 0) {
      rows.push(h("tr", null, h("td", { class: "pl-muted pl-empty", attrs: { colspan: 4 } }, this.all.length ? "No example matches the search." : "No examples yet.")));
    }
    replace(this.tbody, ...rows);
    this.paintSelection();
    if (hadFocus) this.focusActive();
  }

  private paintSelection(): void {
    let tabbable = this.active && this.rows.has(this.active) ? this.active : this.selected && this.rows.has(this.selected) ? this.selected : null;
    if (!tabbable && this.shown.length) tabbable = this.shown[0].id;
    for (const [id, row] of this.rows) {
      row.classList.toggle("pl-selected", id === this.selected);
      row.classList.toggle("pl-compared", id === this.compared);
      row.setAttribute("aria-selected", id === this.selected ? "true" : "false");
      row.tabIndex = id === tabbable ? 0 : -1;
    }
  }

  private focusActive(): void {
    const id = this.active ?? this.selected;
    const row = id ? this.rows.get(id) : undefined;
    (row ?? this.tbody.querySelector<HTMLElement>("tr[tabindex]"))?.focus();
  }

  private choose(id: string): void {
    this.active = id;
    this.cb.onSelect(id);
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.shown.length) return;
    const ids = this.shown.map((d) => d.id);
    const cur = Math.max(0, ids.indexOf(this.active ?? this.selected ?? ids[0]));
    let next = cur;
    switch (e.key) {
      case "ArrowDown":
        next = Math.min(ids.length - 1, cur + 1);
        break;
      case "ArrowUp":
        next = Math.max(0, cur - 1);
        break;
      case "PageDown":
        next = Math.min(ids.length - 1, cur + 10);
        break;
      case "PageUp":
        next = Math.max(0, cur - 10);
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = ids.length - 1;
        break;
      case "Enter":
      case " ":
        e.preventDefault();
        this.choose(ids[cur]);
        return;
      case "c":
      case "C":
        if (e.ctrlKey || e.metaKey || e.altKey) return;
        e.preventDefault();
        this.cb.onCompare(ids[cur]);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.active = ids[next];
    this.focusActive();
    this.choose(ids[next]);
    this.reveal(ids[next]);
  }
}
