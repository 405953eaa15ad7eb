/**
 * The view in the URL, so a link reproduces it: `#ex=sample_prompts:3&span=12-40&method=grad_l2&gran=lines&cmp=u:7`.
 *
 * Lives in the hash (no reload, works behind any static server). Spans are target-relative
 * code-point offsets, as the API counts them. Settings at their defaults are left out.
 */
import { DEFAULT_GENERATION, type GenerationSettings, type Pair } from "./types";

export type ExplainSource = "target" | "output";

export interface ViewState {
  model?: string;
  dataset?: string;
  /** Selected example (pane A). */
  example?: string;
  /** Selected target span of pane A; absent = the whole target. */
  span?: Pair;
  /** Compared example (pane B) and its span. */
  compare?: string;
  compareSpan?: Pair;
  method?: string;
  granularity?: string;
  source?: ExplainSource;
  /** Intensity slider position (log2 of the gain). */
  intensity?: number;
  /** Run generation/salience on load (the link was made from a view showing a result). */
  run?: boolean;
  generation?: Partial<GenerationSettings>;
}

function spanToString(span: Pair): string {
  return `${span[0]}-${span[1]}`;
}

function parseSpan(s: string | null): Pair | undefined {
  if (!s) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a < b ? [a, b] : undefined;
}

function parseNumber(s: string | null): number | undefined {
  if (s === null || s.trim() === "") return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

const GEN_KEYS: [keyof GenerationSettings, string][] = [
  ["max_new_tokens", "mnt"],
  ["temperature", "temp"],
  ["top_p", "topp"],
  ["top_k", "topk"],
  ["seed", "seed"],
];

/** ViewState -> hash string (with the leading `#`, or "" when empty). */
export function encodeView(v: ViewState): string {
  const p = new URLSearchParams();
  if (v.model) p.set("model", v.model);
  if (v.dataset) p.set("ds", v.dataset);
  if (v.example) p.set("ex", v.example);
  if (v.span) p.set("span", spanToString(v.span));
  if (v.compare) p.set("cmp", v.compare);
  if (v.compareSpan) p.set("cspan", spanToString(v.compareSpan));
  if (v.method) p.set("method", v.method);
  if (v.granularity) p.set("gran", v.granularity);
  if (v.source && v.source !== "target") p.set("src", v.source);
  if (v.intensity !== undefined && v.intensity !== 0) p.set("int", String(v.intensity));
  if (v.run) p.set("run", "1");
  const g = v.generation ?? {};
  for (const [key, short] of GEN_KEYS) {
    const val = g[key];
    if (val !== undefined && val !== DEFAULT_GENERATION[key]) p.set(short, String(val));
  }
  if (g.stop && g.stop.length > 0) for (const s of g.stop) p.append("stop", s);
  const s = p.toString();
  return s ? `#${s}` : "";
}

/** Hash string (with or without `#`) -> ViewState. Unknown or malformed parts are ignored. */
export function decodeView(hash: string): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const v: ViewState = {};
  const str = (k: string) => {
    const x = p.get(k);
    return x === null || x === "" ? undefined : x;
  };
  v.model = str("model");
  v.dataset = str("ds");
  v.example = str("ex");
  v.span = parseSpan(p.get("span"));
  v.compare = str("cmp");
  v.compareSpan = parseSpan(p.get("cspan"));
  v.method = str("method");
  v.granularity = str("gran");
  const src = p.get("src");
  if (src === "output" || src === "target") v.source = src;
  const intensity = parseNumber(p.get("int"));
  if (intensity !== undefined) v.intensity = Math.min(2, Math.max(-2, intensity));
  if (p.get("run") === "1") v.run = true;
  const gen: Partial<GenerationSettings> = {};
  for (const [key, short] of GEN_KEYS) {
    const n = parseNumber(p.get(short));
    if (n !== undefined) (gen as Record<string, number>)[key] = n;
  }
  const stops = p.getAll("stop").filter((s) => s !== "");
  if (stops.length > 0) gen.stop = stops;
  if (Object.keys(gen).length > 0) v.generation = gen;
  for (const k of Object.keys(v) as (keyof ViewState)[]) if (v[k] === undefined) delete v[k];
  return v;
}
