/**
 * The app's state, in one place, and everything derived from it: the salience request of a
 * pane, the client-side result-cache key (derived from the whole request, so a new request
 * field can never serve a stale result), and the view kept in the URL. The actions in
 * `actions/` change it; the panels in `ui/` draw it.
 */
import { isRegexGranularity, REGEX_PREFIX } from "./aggregate";
import type { Activity } from "./api";
import { PassRates } from "./estimate";
import { cpLength } from "./text";
import { BASE_GRANULARITIES, DEFAULT_GENERATION, FALLBACK_METHODS, promptMessages, type Datapoint, type GenerationSettings, type MethodInfo, type ModelFile, type Pair, type PromptInput, type SalienceRequest, type SalienceResult, type VariantRecord } from "./types";
import { emptyPane, explainedText, type PaneState } from "./ui/pane";
import type { ExplainSource, OptionValue, ViewState } from "./viewstate";

export type Side = "A" | "B";

/** A cache key without its selection (and whether it was checked): the requests one record can answer. */
function familyKey(key: string): string {
  const pairs = (JSON.parse(key) as [string, unknown][]).filter(([k]) => k !== "check");
  return JSON.stringify(pairs.map(([k, v]) => [k, k === "target_span" ? null : v]));
}

/** Whether `record` (of `result`) recorded every target token the selection `span` (code points of the target) overlaps. */
export function recordCovers(result: SalienceResult, record: VariantRecord, span: Pair): boolean {
  const start = result.target_span[0] + span[0];
  const end = result.target_span[0] + span[1];
  const hits = result.tokens.map((t, i) => (!t.special && t.start < end && start < t.end ? i : -1)).filter((i) => i >= 0);
  if (!hits.length) return false;
  return hits[0] >= record.first_token && hits[hits.length - 1] < record.first_token + record.full.length;
}

export class Store {
  /** Seconds per pass learned from this session's calls: how auto-run knows a call will be long. */
  readonly rates = new PassRates();
  models: string[] = [];
  /** Models the server may load on request (`--model-dirs`), and those folders' names. */
  modelFiles: ModelFile[] = [];
  modelDirs: string[] = [];
  model = "";
  datasets: string[] = [];
  examples: Datapoint[] = [];
  methods: MethodInfo[] = FALLBACK_METHODS;
  granularities: string[] = [...BASE_GRANULARITIES];
  method = "grad_l2";
  /** Option values the user set, per method (only those differing from the default are sent). */
  options: Record<string, Record<string, OptionValue>> = {};
  granularity = "words";
  /** Contrastive: the foil text ("" = the plain objective). */
  foil = "";
  regex = "[^\\n]+\\n*";
  /** Send plain prompts as one user message through the model's chat template. */
  chat = false;
  /** The models that have a chat template (from /api/models). */
  chatModels: string[] = [];
  source: ExplainSource = "target";
  intensity = 0;
  includeBos = false;
  /** The server's max_new_tokens setting (the generation field's upper bound). */
  maxNewTokens = 512;
  /** Compare view: colour both panes on one scale (the larger max |score| of the two). */
  sharedScale = true;
  autoRun = true;
  gen: GenerationSettings = { ...DEFAULT_GENERATION };
  panes: Record<Side, PaneState> = { A: emptyPane(), B: emptyPane() };
  comparing = false;
  /**
   * Pane B has its own span (chosen in B, from the view's link, or kept by a swap): the key of
   * pane A's selection at that moment (`selectionKeyA`). Null = B follows A's selection. B's
   * own span is dropped when A's selection changes.
   */
  bOwn: string | null = null;
  /** Bumped to drop the answer of a call that a later action made obsolete (the last click wins). */
  seq: Record<Side, number> = { A: 0, B: 0 };
  running: Activity[] = [];
  modelStatus = "";
  readonly cache = new Map<string, SalienceResult>();

  granularityName(): string {
    return this.granularity === "regex" ? `${REGEX_PREFIX}${this.regex}` : this.granularity;
  }

  methodInfo(method = this.method): MethodInfo | undefined {
    return this.methods.find((m) => m.name === method);
  }

  /** Whether `method` scores segments at the requested granularity (occlusion) instead of tokens. */
  isPerSegment(method: string): boolean {
    const info = this.methodInfo(method);
    return info?.level ? info.level !== "tokens" : method === "occlusion";
  }

  /** The options of `method` to send: those set to something other than their default. */
  requestOptions(method = this.method): Record<string, OptionValue> {
    const table = this.methodInfo(method)?.options ?? [];
    const set = this.options[method] ?? {};
    const out: Record<string, OptionValue> = {};
    for (const opt of table) {
      const v = set[opt.name];
      if (v !== undefined && v !== null && v !== "" && v !== opt.default) out[opt.name] = v;
    }
    return out;
  }

  /** Whether the current model can read messages. */
  modelHasChat(): boolean {
    return this.chatModels.includes(this.model);
  }

  /** What the model reads for `d`: its own messages (a chat row), the prompt as one user message (chat on), or the prompt. */
  promptInput(d: Datapoint): PromptInput {
    const messages = promptMessages(d);
    if (messages) return { messages };
    if (this.chat && this.modelHasChat()) return { messages: [{ role: "user", content: d.prompt }] };
    return { prompt: d.prompt };
  }

  /** Whether pane `side` explains a chat (so the `messages` granularity applies). */
  isChat(side: Side = "A"): boolean {
    const d = this.panes[side].datapoint;
    return d !== null && "messages" in this.promptInput(d);
  }

  /** The salience request of pane `side` for `method` (default: the shown one), or null without a target. */
  request(side: Side, method = this.method): SalienceRequest | null {
    const pane = this.panes[side];
    const d = pane.datapoint;
    const target = explainedText(pane, this.source);
    if (!d || !target) return null;
    const gran = this.granularityName();
    const req: SalienceRequest = {
      model: this.model,
      ...this.promptInput(d),
      target,
      target_span: pane.span,
      method,
      // Only per-segment methods' scores depend on the granularity; gradient methods get every boundary.
      granularity: this.isPerSegment(method) || !isRegexGranularity(gran) ? gran : "words",
      options: this.requestOptions(method),
    };
    if (this.foil.trim()) req.foil = this.foil;
    return req;
  }

  /** The cache key of `req` (as if for `method`): every field of the request, the granularity only where it
   * matters (per-segment methods, and a faithfulness check, which removes segments of that granularity). */
  cacheKey(req: SalienceRequest, method = req.method): string {
    const granularity = this.isPerSegment(method) || req.check ? req.granularity : "";
    const fields = Object.keys(req).sort() as (keyof SalienceRequest)[];
    return JSON.stringify(fields.map((k) => [k, k === "method" ? method : k === "granularity" ? granularity : req[k]]));
  }

  /** The result this page holds for `req`: a checked one first (the same scores, and the check), else the plain one. */
  cachedResult(req: SalienceRequest): SalienceResult | undefined {
    return this.cache.get(this.cacheKey({ ...req, check: true, granularity: this.granularityName() })) ?? this.cache.get(this.cacheKey(req));
  }

  /**
   * A result this page holds whose record answers `req`'s selection with no model call: the same
   * request over another span of the same target, by a perturbation method that keeps its
   * variants, whose recorded target tokens cover the new selection. Returns the target_span that
   * run was asked with (for `answer_from`), or null.
   */
  recordFor(req: SalienceRequest): Pair | null {
    if (req.check || req.foil || !this.methodInfo(req.method)?.answers_new_selections) return null;
    const family = familyKey(this.cacheKey(req));
    const span = req.target_span ?? [0, cpLength(req.target)];
    for (const [key, result] of this.cache) {
      const record = result.variants?.[req.method];
      if (!record || result.method !== req.method || familyKey(key) !== family) continue;
      if (!recordCovers(result, record, span)) continue;
      const asked = (JSON.parse(key) as [string, unknown][]).find(([k]) => k === "target_span")?.[1] as Pair | null | undefined;
      return asked ?? [0, cpLength(req.target)];
    }
    return null;
  }

  /** Results this page already has for pane `side`'s selection from methods other than the shown one. */
  otherMethodResults(side: Side): { method: string; result: SalienceResult }[] {
    const out: { method: string; result: SalienceResult }[] = [];
    for (const { name } of this.methods) {
      const req = name === this.method ? null : this.request(side, name);
      if (!req) continue;
      const result = this.cachedResult(req);
      if (result?.methods[name]) out.push({ method: name, result });
    }
    return out;
  }

  activeSides(): Side[] {
    return this.comparing ? ["A", "B"] : ["A"];
  }

  /** What pane B's own span is kept against: A's example, selection and what is explained. */
  selectionKeyA(): string {
    const a = this.panes.A;
    return JSON.stringify([a.datapoint?.id ?? null, a.span, this.source]);
  }

  viewState(dataset: string | undefined): ViewState {
    const a = this.panes.A;
    const b = this.panes.B;
    const options = this.requestOptions();
    return {
      model: this.models.length > 1 ? this.model : undefined,
      dataset: dataset || undefined,
      example: a.datapoint?.id,
      span: a.span ?? undefined,
      compare: this.comparing ? b.datapoint?.id : undefined,
      // Only B's own span: one that follows A's selection is found again from the link.
      compareSpan: this.comparing && this.bOwn !== null ? (b.span ?? undefined) : undefined,
      method: this.method,
      options: Object.keys(options).length ? options : undefined,
      foil: this.foil || undefined,
      granularity: this.granularityName(),
      source: this.source,
      intensity: this.intensity,
      run: Boolean(a.result),
      generation: this.gen,
    };
  }
}
