/**
 * Batch runs (`promptlight serve --runs DIR`): the shapes `/api/runs` sends and the pure
 * logic of the Runs view — sorting and filtering the rows, and the geometry of the
 * per-part chart (mean bar with a min–max whisker and a ±1 standard deviation box).
 */

export interface RunJob {
  model: string;
  device: string;
  dtype: string;
  methods: string[];
  granularity: string;
  target_rule: string;
}

export interface RunInfo {
  name: string;
  job: RunJob;
  rows: number | null;
  ok: number | null;
  failed: number | null;
  templates: string[];
}

/** One row of `results.parquet`: an example × method. */
export interface RunRow {
  key: string;
  row: number;
  source: string;
  method: string;
  status: string;
  error: string | null;
  f: number | null;
  target: string | null;
  selected: string | null;
  top_segment: string | null;
  top_score: number | null;
  faithfulness_ratio: number | null;
  seconds: number;
}

export interface PartStats {
  part: string;
  rows: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  top_share: number | null;
}

export interface RunParts {
  name: string;
  method: string;
  /** Whether the method's scores have a sign (else they are magnitudes, drawn in one colour). */
  signed: boolean;
  granularity: string;
  templated: boolean;
  parts: PartStats[];
}

export interface CompareRow {
  source: string;
  row: number;
  key_a: string;
  key_b: string;
  status_a: string;
  status_b: string;
  f_a: number | null;
  f_b: number | null;
  delta: number | null;
  target_a: string | null;
  target_b: string | null;
  output_changed: boolean;
  top_a: string | null;
  top_b: string | null;
}

export interface RunCompare {
  a: string;
  b: string;
  method: string;
  rows: CompareRow[];
  mean_delta: number | null;
  changed_outputs: number;
}

export type SortColumn = "row" | "source" | "method" | "status" | "f" | "top_score" | "seconds";
export interface RowFilter {
  method?: string;
  status?: "all" | "ok" | "error";
  query?: string;
}

/** The rows that pass `filter` (method, status, and a case-insensitive search of source, target, top segment and error). */
export function filterRows(rows: RunRow[], filter: RowFilter): RunRow[] {
  const q = (filter.query ?? "").trim().toLowerCase();
  return rows.filter((r) => {
    if (filter.method && r.method !== filter.method) return false;
    if (filter.status && filter.status !== "all" && (filter.status === "ok") !== (r.status === "ok")) return false;
    if (!q) return true;
    return [r.source, r.target, r.top_segment, r.error].some((v) => (v ?? "").toLowerCase().includes(q));
  });
}

/** `rows` sorted by `column` (missing numbers last either way; ties keep dataset order). */
export function sortRows(rows: RunRow[], column: SortColumn, descending: boolean): RunRow[] {
  const sign = descending ? -1 : 1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const a = x.r[column];
      const b = y.r[column];
      if (a === null || a === undefined) return b === null || b === undefined ? x.i - y.i : 1;
      if (b === null || b === undefined) return -1;
      const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
      return c !== 0 ? sign * c : x.i - y.i;
    })
    .map(({ r }) => r);
}

/** Geometry of one bar of the parts chart, in chart coordinates (x from the zero line). */
export interface PartBar {
  part: string;
  /** Bar from 0 to the mean. */
  x0: number;
  x1: number;
  /** ±1 standard deviation around the mean. */
  sd0: number;
  sd1: number;
  /** Whisker from min to max. */
  w0: number;
  w1: number;
}

/**
 * Bars for `parts` on a horizontal axis `width` wide that holds every min and max and 0:
 * `zero` is where 0 lies; each value v maps to `zero + v * scale`.
 */
export function partBars(parts: PartStats[], width: number): { zero: number; scale: number; bars: PartBar[] } {
  const values = parts.flatMap((p) => [p.min, p.max, p.mean].filter((v): v is number => v !== null && Number.isFinite(v)));
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const span = hi - lo || 1;
  const scale = width / span;
  const zero = lo === 0 ? 0 : -lo * scale; // not -0
  const at = (v: number | null) => zero + (v ?? 0) * scale;
  const bars = parts.map((p) => {
    const mean = p.mean ?? 0;
    const sd = p.std ?? 0;
    return {
      part: p.part,
      x0: Math.min(zero, at(mean)),
      x1: Math.max(zero, at(mean)),
      sd0: at(mean - sd),
      sd1: at(mean + sd),
      w0: at(p.min ?? mean),
      w1: at(p.max ?? mean),
    };
  });
  return { zero, scale, bars };
}

/** The one-line summary of an A/B comparison. */
export function compareSummary(c: RunCompare): string {
  const n = c.rows.length;
  const mean = c.mean_delta === null ? "—" : `${c.mean_delta >= 0 ? "+" : ""}${c.mean_delta.toPrecision(3)}`;
  return `${c.b} vs ${c.a} (${c.method}): ${n} rows in common; mean Δf ${mean} nats; output changed in ${c.changed_outputs} of ${n}.`;
}
