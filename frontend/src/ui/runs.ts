/**
 * The Runs view: batch runs the server was started with (`promptlight serve --runs DIR`).
 *
 * A run's rows as a sortable, filterable table; salience per template part (or per segment
 * place) across rows as a chart; an A/B comparison with a second run of the same dataset;
 * and any row's saved result drawn as a heatmap, from the record on disk (no model call).
 */
import type { Api } from "../api";
import { errorMessage } from "../api";
import { h, preview, replace } from "../dom";
import { compareSummary, filterRows, partBars, sortRows, type RowFilter, type RunCompare, type RunInfo, type RunParts, type RunRow, type SortColumn } from "../runs";
import { buildDisplay, formatScore } from "../salience";
import type { SalienceResult } from "../types";
import { heatmapSpans, legend, topList } from "./heatmap";

interface SavedRecord {
  source: string;
  method: string;
  row: number;
  record: SalienceResult;
}

const COLUMNS: { id: SortColumn; label: string; numeric?: boolean }[] = [
  { id: "row", label: "Row", numeric: true },
  { id: "source", label: "Source" },
  { id: "method", label: "Method" },
  { id: "status", label: "Status" },
  { id: "f", label: "f (nats)", numeric: true },
  { id: "top_score", label: "Top score", numeric: true },
  { id: "seconds", label: "Seconds", numeric: true },
];
const CHART_WIDTH = 360;
const BAR_HEIGHT = 18;

export class RunsView {
  readonly el: HTMLElement;
  private readonly api: Api;
  private runs: RunInfo[] = [];
  private run = "";
  private other = "";
  private method = "";
  private rows: RunRow[] = [];
  private parts: RunParts | null = null;
  private comparison: RunCompare | null = null;
  private filter: RowFilter = { status: "all", query: "" };
  private sort: { column: SortColumn; descending: boolean } = { column: "row", descending: false };
  private opened: SavedRecord[] = [];
  private error: string | null = null;
  private readonly body = h("div", { class: "pl-runs-body" });

  constructor(api: Api, onClose: () => void) {
    this.api = api;
    this.el = h(
      "section",
      { class: "pl-runs", attrs: { "aria-label": "Batch runs" } },
      h(
        "div",
        { class: "pl-card-head" },
        h("h2", null, "Batch runs"),
        h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button" }, on: { click: onClose } }, "Back to examples"),
      ),
      this.body,
    );
  }

  /** Load the runs list (and the first run) and draw. */
  async open(): Promise<void> {
    try {
      this.runs = await this.api.request<RunInfo[]>("GET", "/api/runs");
      this.error = null;
      if (!this.runs.some((r) => r.name === this.run)) this.run = this.runs[0]?.name ?? "";
      await this.loadRun();
    } catch (err) {
      this.error = errorMessage(err);
      this.render();
    }
  }

  private info(name = this.run): RunInfo | undefined {
    return this.runs.find((r) => r.name === name);
  }

  private async loadRun(): Promise<void> {
    this.opened = [];
    this.rows = [];
    this.parts = null;
    this.comparison = null;
    const info = this.info();
    if (!info) return this.render();
    if (!info.job.methods.includes(this.method)) this.method = info.job.methods[0] ?? "";
    try {
      const q = `?method=${encodeURIComponent(this.method)}`;
      const name = encodeURIComponent(this.run);
      const [rows, parts] = await Promise.all([
        this.api.request<{ rows: RunRow[] }>("GET", `/api/runs/${name}/rows`),
        this.api.request<RunParts>("GET", `/api/runs/${name}/parts${q}`),
      ]);
      this.rows = rows.rows;
      this.parts = parts;
      this.error = null;
      await this.loadComparison();
    } catch (err) {
      this.error = errorMessage(err);
    }
    this.render();
  }

  private async loadComparison(): Promise<void> {
    this.comparison = null;
    if (!this.other || this.other === this.run) return;
    const q = `?a=${encodeURIComponent(this.run)}&b=${encodeURIComponent(this.other)}&method=${encodeURIComponent(this.method)}`;
    try {
      this.comparison = await this.api.request<RunCompare>("GET", `/api/runs/compare${q}`);
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  private async openRecords(which: { run: string; key: string }[]): Promise<void> {
    try {
      this.opened = await Promise.all(
        which.map((w) => this.api.request<SavedRecord>("GET", `/api/runs/${encodeURIComponent(w.run)}/records/${encodeURIComponent(w.key)}`)),
      );
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    }
    this.render();
    this.body.querySelector(".pl-run-record")?.scrollIntoView?.({ block: "nearest" });
  }

  private render(): void {
    if (this.error && !this.runs.length) return replace(this.body, h("p", { class: "pl-error" }, this.error));
    if (!this.runs.length) {
      return replace(
        this.body,
        h("p", { class: "pl-muted" }, "No batch runs here. Write one with `promptlight batch --out runs/NAME ...`, then start the server with `--runs runs`."),
      );
    }
    const info = this.info();
    replace(
      this.body,
      this.controls(),
      this.error ? h("p", { class: "pl-error", attrs: { role: "alert" } }, this.error) : null,
      info ? this.summary(info) : null,
      this.comparison ? this.compareCard(this.comparison) : null,
      this.parts ? this.chart(this.parts) : null,
      this.opened.length ? this.recordsCard() : null,
      this.table(),
    );
  }

  private select(label: string, value: string, options: [string, string][], onChange: (v: string) => void): HTMLElement {
    const sel = h("select", { class: "pl-input", attrs: { "aria-label": label } }, ...options.map(([v, text]) => h("option", { attrs: { value: v } }, text)));
    sel.value = value;
    sel.addEventListener("change", () => onChange(sel.value));
    return h("label", { class: "pl-row pl-gap-s pl-small" }, label, sel);
  }

  private controls(): HTMLElement {
    const info = this.info();
    const names = this.runs.map((r): [string, string] => [r.name, `${r.name} (${r.rows ?? "no"} rows)`]);
    return h(
      "div",
      { class: "pl-row pl-gap pl-wrap pl-runs-controls" },
      this.select("Run", this.run, names, (v) => {
        this.run = v;
        void this.loadRun();
      }),
      this.select("Compare with", this.other, [["", "— none —"], ...names.filter(([n]) => n !== this.run)], (v) => {
        this.other = v;
        void this.loadComparison().then(() => this.render());
      }),
      this.select("Method", this.method, (info?.job.methods ?? []).map((m): [string, string] => [m, m]), (v) => {
        this.method = v;
        void this.loadRun();
      }),
    );
  }

  private summary(info: RunInfo): HTMLElement {
    const j = info.job;
    const failed = info.failed ? `, ${info.failed} failed` : "";
    return h(
      "p",
      { class: "pl-small pl-run-summary" },
      `${j.model} on ${j.device} (${j.dtype}) · ${j.methods.join(", ")} at ${j.granularity} · target: ${j.target_rule} · ${info.ok ?? 0} done${failed}`,
    );
  }

  private chart(parts: RunParts): HTMLElement {
    const title = parts.templated ? `Salience per template part across rows (${parts.method})` : `Salience per ${parts.granularity} place across rows (${parts.method})`;
    if (!parts.parts.length) return h("div", { class: "pl-card" }, h("h3", null, title), h("p", { class: "pl-muted pl-small" }, "No scored segments."));
    const { zero, bars } = partBars(parts.parts, CHART_WIDTH);
    const svgNs = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNs, "svg");
    const height = bars.length * BAR_HEIGHT + 4;
    svg.setAttribute("viewBox", `0 0 ${CHART_WIDTH} ${height}`);
    svg.setAttribute("width", String(CHART_WIDTH));
    svg.setAttribute("height", String(height));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `${title}: ${parts.parts.map((p) => `${p.part} mean ${formatScore(p.mean)}`).join("; ")}`);
    const add = (tag: string, attrs: Record<string, string | number>) => {
      const el = document.createElementNS(svgNs, tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
      svg.appendChild(el);
      return el;
    };
    bars.forEach((b, i) => {
      const y = i * BAR_HEIGHT + 2;
      const mean = parts.parts[i].mean ?? 0;
      add("line", { x1: b.w0, x2: b.w1, y1: y + BAR_HEIGHT / 2 - 1, y2: y + BAR_HEIGHT / 2 - 1, stroke: "#8a94a3", "stroke-width": 1 });
      add("rect", { x: Math.min(b.sd0, b.sd1), y: y + 3, width: Math.max(1, Math.abs(b.sd1 - b.sd0)), height: BAR_HEIGHT - 8, fill: "none", stroke: "#5b6470", "stroke-dasharray": "2 2" });
      add("rect", { x: b.x0, y: y + 5, width: Math.max(1, b.x1 - b.x0), height: BAR_HEIGHT - 12, fill: !parts.signed ? "#5b3a9e" : mean >= 0 ? "#c0392b" : "#2b6cb0", class: "pl-part-bar" });
    });
    add("line", { x1: zero, x2: zero, y1: 0, y2: height, stroke: "#1b1f24", "stroke-width": 1 });
    const labels = h(
      "ol",
      { class: "pl-part-labels" },
      ...parts.parts.map((p) =>
        h(
          "li",
          { attrs: { title: `mean ${formatScore(p.mean)}, sd ${formatScore(p.std)}, min ${formatScore(p.min)}, max ${formatScore(p.max)} over ${p.rows} rows` } },
          h("span", { class: "pl-part-name" }, p.part),
          h("span", { class: "pl-muted pl-small" }, ` ${formatScore(p.mean)} ± ${formatScore(p.std)}${p.top_share !== null ? ` · top in ${Math.round(p.top_share * 100)}%` : ""}`),
        ),
      ),
    );
    return h(
      "div",
      { class: "pl-card pl-parts" },
      h("h3", null, title),
      h("p", { class: "pl-muted pl-small" }, `Bar: mean score over rows; dashed box: ±1 standard deviation; line: min to max. ${parts.signed ? "Red pushes the selection up, blue pulls it down." : `${parts.method} is unsigned: longer means more influence, either way.`}`),
      h("div", { class: "pl-parts-chart" }, labels, svg),
    );
  }

  private table(): HTMLElement {
    const shown = sortRows(filterRows(this.rows, { ...this.filter, method: this.method }), this.sort.column, this.sort.descending);
    const search = h("input", { class: "pl-input", attrs: { type: "search", placeholder: "Search source, target, top segment, error", "aria-label": "Search rows", value: this.filter.query ?? "" } });
    search.addEventListener("input", () => {
      this.filter.query = search.value;
      const table = this.body.querySelector(".pl-run-table");
      const fresh = this.table();
      table?.replaceWith(fresh);
      (fresh.querySelector("input[type=search]") as HTMLInputElement | null)?.focus();
    });
    const status = h(
      "select",
      { class: "pl-input", attrs: { "aria-label": "Status" } },
      ...(["all", "ok", "error"] as const).map((s) => h("option", { attrs: { value: s } }, s === "all" ? "all rows" : s === "ok" ? "done" : "failed")),
    );
    status.value = this.filter.status ?? "all";
    status.addEventListener("change", () => {
      this.filter.status = status.value as RowFilter["status"];
      this.render();
    });
    const head = h(
      "tr",
      null,
      ...COLUMNS.map((c) => {
        const active = this.sort.column === c.id;
        return h(
          "th",
          { attrs: { "aria-sort": active ? (this.sort.descending ? "descending" : "ascending") : "none", scope: "col" } },
          h(
            "button",
            {
              class: "pl-th-sort",
              attrs: { type: "button" },
              on: {
                click: () => {
                  this.sort = { column: c.id, descending: active ? !this.sort.descending : !!c.numeric && c.id !== "row" };
                  this.render();
                },
              },
            },
            c.label,
            active ? (this.sort.descending ? " ▼" : " ▲") : "",
          ),
        );
      }),
      h("th", { attrs: { scope: "col" } }, "Top segment"),
    );
    const body = shown.map((r) =>
      h(
        "tr",
        {
          class: r.status === "ok" ? "pl-run-row" : "pl-run-row pl-run-failed",
          attrs: { tabindex: "0", title: r.status === "ok" ? "Open the saved result" : (r.error ?? "failed") },
          on: {
            click: () => r.status === "ok" && void this.openRecords([{ run: this.run, key: r.key }]),
            keydown: (e: Event) => {
              if ((e as KeyboardEvent).key === "Enter" && r.status === "ok") void this.openRecords([{ run: this.run, key: r.key }]);
            },
          },
        },
        h("td", { class: "pl-num" }, String(r.row)),
        h("td", null, r.source),
        h("td", null, r.method),
        h("td", null, r.status === "ok" ? "done" : "failed"),
        h("td", { class: "pl-num" }, formatScore(r.f)),
        h("td", { class: "pl-num" }, formatScore(r.top_score)),
        h("td", { class: "pl-num" }, r.seconds.toFixed(2)),
        h("td", { class: "pl-run-top" }, r.status === "ok" ? preview(r.top_segment ?? "", 120) : (r.error ?? "")),
      ),
    );
    return h(
      "div",
      { class: "pl-card pl-run-table" },
      h("div", { class: "pl-row pl-gap pl-wrap" }, h("h3", null, `Rows (${shown.length} of ${this.rows.filter((r) => r.method === this.method).length})`), search, status),
      h("div", { class: "pl-table-wrap" }, h("table", { class: "pl-run-grid" }, h("thead", null, head), h("tbody", null, ...body))),
    );
  }

  private compareCard(c: RunCompare): HTMLElement {
    const rows = c.rows.map((r) =>
      h(
        "tr",
        {
          class: "pl-run-row",
          attrs: { tabindex: "0", title: "Open both saved results" },
          on: {
            click: () =>
              void this.openRecords([
                { run: c.a, key: r.key_a },
                { run: c.b, key: r.key_b },
              ].filter((_, i) => (i === 0 ? r.status_a : r.status_b) === "ok")),
          },
        },
        h("td", null, r.source),
        h("td", { class: "pl-num" }, formatScore(r.f_a)),
        h("td", { class: "pl-num" }, formatScore(r.f_b)),
        h("td", { class: `pl-num ${r.delta !== null && r.delta < 0 ? "pl-neg" : "pl-pos"}` }, r.delta === null ? "—" : `${r.delta >= 0 ? "+" : ""}${formatScore(r.delta)}`),
        h("td", null, r.output_changed ? "changed" : "same"),
        h("td", { class: "pl-run-top" }, preview(r.top_a ?? "", 60)),
        h("td", { class: "pl-run-top" }, preview(r.top_b ?? "", 60)),
      ),
    );
    return h(
      "div",
      { class: "pl-card pl-run-compare" },
      h("h3", null, "A/B"),
      h("p", { class: "pl-small pl-compare-summary" }, compareSummary(c)),
      h(
        "div",
        { class: "pl-table-wrap" },
        h(
          "table",
          { class: "pl-run-grid" },
          h("thead", null, h("tr", null, ...["Source", `f in ${c.a}`, `f in ${c.b}`, "Δf", "Output", `Top in ${c.a}`, `Top in ${c.b}`].map((t) => h("th", { attrs: { scope: "col" } }, t)))),
          h("tbody", null, ...rows),
        ),
      ),
    );
  }

  private recordsCard(): HTMLElement {
    return h(
      "div",
      { class: "pl-card pl-run-record" },
      h(
        "div",
        { class: "pl-card-head" },
        h("h3", null, "Saved result"),
        h("span", { class: "pl-muted pl-small" }, "from the run's records: no model call"),
        h("button", { class: "pl-btn pl-btn-small", attrs: { type: "button" }, on: { click: () => ((this.opened = []), this.render()) } }, "Close"),
      ),
      h("div", { class: this.opened.length > 1 ? "pl-run-records pl-two" : "pl-run-records" }, ...this.opened.map((saved) => this.recordView(saved))),
    );
  }

  private recordView(saved: SavedRecord): HTMLElement {
    const r = saved.record;
    const chosen = String(r.options?.granularity ?? "words");
    const granularity = r.boundaries[chosen] ? chosen : "words";
    const display = buildDisplay(r, { method: saved.method, granularity });
    const bos = display.pieces.find((p) => p.region === "special");
    return h(
      "div",
      { class: "pl-run-saved" },
      h("p", { class: "pl-small" }, h("strong", null, saved.source), ` · row ${saved.row} · ${saved.method} at ${granularity} · f = ${formatScore(r.objective_value)}`),
      legend(display, bos),
      h("div", { class: "pl-heatmap" }, ...heatmapSpans(display)),
      topList(display, 5, () => undefined, granularity),
    );
  }
}
