/**
 * The view: one definition, with its encoding in the URL hash, so a link reproduces it:
 * `#ex=sample_prompts:3&span=12-40&method=integrated_gradients&o.steps=64&gran=lines&cmp=u:7`.
 *
 * The keys and their URL names come from `public/view-keys.json`, the file the notebook
 * widget reads too (it ships in the package next to the bundle). Lives in the hash (no
 * reload, works behind any static server). Spans are target-relative code-point offsets,
 * as the API counts them. Settings at their defaults are left out.
 */
import VIEW_KEYS from "../public/view-keys.json";
import { DEFAULT_GENERATION, type GenerationSettings, type Pair } from "./types";

export type ExplainSource = "target" | "output";
export type OptionValue = string | number | boolean | null;

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
  /** Options of `method` that differ from their defaults. */
  options?: Record<string, OptionValue>;
  /** Contrastive: why the selection rather than this text. */
  foil?: string;
  granularity?: string;
  source?: ExplainSource;
  /** Intensity slider position (log2 of the gain). */
  intensity?: number;
  /** Run generation/salience on load (the link was made from a view showing a result). */
  run?: boolean;
  generation?: Partial<GenerationSettings>;
}

/** A view to start from: a ViewState plus rows to add first (the notebook's `render(data=...)`). */
export interface InitialView extends ViewState {
  /** Datapoints to add (to `dataset`, default "notebook") and show; the first is selected, the second compared. */
  data?: { prompt: string; target?: string; source?: string }[];
}

type Kind = "string" | "span" | "source" | "intensity" | "flag" | "options" | "generation";
const KEYS = VIEW_KEYS.keys as Record<keyof ViewState, { url: string; kind: Kind }>;
const GEN_KEYS = Object.entries(VIEW_KEYS.generation) as [keyof GenerationSettings, string][];

/** Every key of the view, in the order of `view-keys.json`. */
export const VIEW_STATE_KEYS = Object.keys(KEYS) as (keyof ViewState)[];

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

function parseOptionValue(s: string): OptionValue {
  if (s === "true" || s === "false") return s === "true";
  const n = parseNumber(s);
  return n !== undefined && String(n) === s.trim() ? n : s;
}

/** ViewState -> hash string (with the leading `#`, or "" when empty). */
export function encodeView(v: ViewState): string {
  const p = new URLSearchParams();
  for (const key of VIEW_STATE_KEYS) {
    const { url, kind } = KEYS[key];
    const value = v[key];
    if (value === undefined) continue;
    if (kind === "string" && value) p.set(url, String(value));
    else if (kind === "span") p.set(url, spanToString(value as Pair));
    else if (kind === "source" && value !== "target") p.set(url, String(value));
    else if (kind === "intensity" && value !== 0) p.set(url, String(value));
    else if (kind === "flag" && value) p.set(url, "1");
    else if (kind === "options") {
      for (const [name, val] of Object.entries(value as Record<string, OptionValue>)) if (val !== null) p.set(`${url}${name}`, String(val));
    } else if (kind === "generation") {
      const g = value as Partial<GenerationSettings>;
      for (const [gk, short] of GEN_KEYS) {
        if (gk === "stop") continue;
        const val = g[gk];
        if (val !== undefined && val !== DEFAULT_GENERATION[gk]) p.set(short, String(val));
      }
      if (g.stop && g.stop.length > 0) for (const s of g.stop) p.append(VIEW_KEYS.generation.stop, s);
    }
  }
  const s = p.toString();
  return s ? `#${s}` : "";
}

/** Hash string (with or without `#`) -> ViewState. Unknown or malformed parts are ignored. */
export function decodeView(hash: string): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const v: Record<string, unknown> = {};
  const str = (k: string) => {
    const x = p.get(k);
    return x === null || x === "" ? undefined : x;
  };
  for (const key of VIEW_STATE_KEYS) {
    const { url, kind } = KEYS[key];
    if (kind === "string") v[key] = str(url);
    else if (kind === "span") v[key] = parseSpan(p.get(url));
    else if (kind === "source") {
      const src = p.get(url);
      if (src === "output" || src === "target") v[key] = src;
    } else if (kind === "intensity") {
      const intensity = parseNumber(p.get(url));
      if (intensity !== undefined) v[key] = Math.min(2, Math.max(-2, intensity));
    } else if (kind === "flag") {
      if (p.get(url) === "1") v[key] = true;
    } else if (kind === "options") {
      const options: Record<string, OptionValue> = {};
      for (const [name, val] of p.entries()) if (name.startsWith(url) && name.length > url.length) options[name.slice(url.length)] = parseOptionValue(val);
      if (Object.keys(options).length > 0) v[key] = options;
    } else if (kind === "generation") {
      const gen: Partial<GenerationSettings> = {};
      for (const [gk, short] of GEN_KEYS) {
        if (gk === "stop") continue;
        const n = parseNumber(p.get(short));
        if (n !== undefined) (gen as Record<string, number>)[gk] = n;
      }
      const stops = p.getAll(VIEW_KEYS.generation.stop).filter((s) => s !== "");
      if (stops.length > 0) gen.stop = stops;
      if (Object.keys(gen).length > 0) v[key] = gen;
    }
  }
  for (const k of Object.keys(v)) if (v[k] === undefined) delete v[k];
  return v as ViewState;
}

/**
 * A view from a link that must not run by itself: a custom regex granularity is a pattern
 * someone else wrote, run on the server, so the user confirms it (presses Explain) first.
 * Returns the view without `run`, and why, or the view unchanged and null.
 */
export function withoutUnconfirmedRun(v: ViewState): { view: ViewState; reason: string | null } {
  if (v.run && v.granularity?.startsWith("regex:")) {
    const { run: _dropped, ...rest } = v;
    void _dropped;
    return { view: rest, reason: `This link asks for the custom pattern ${JSON.stringify(v.granularity.slice(6))}; it was not run. Press Explain to run it.` };
  }
  return { view: v, reason: null };
}
