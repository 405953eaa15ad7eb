/**
 * Types of the JSON the promptlight HTTP API speaks (docs/api.md) and of the salience
 * result record (docs/result-schema.md, schema version 1).
 *
 * Every `start`/`end`/`*_span` here counts code points of a Python `str`, not UTF-16
 * units: convert with `text.ts` before indexing a JavaScript string.
 */

/** A half-open range `[start, end)`. */
export type Pair = [number, number];

export interface Datapoint {
  id: string;
  dataset: string;
  prompt: string;
  target: string;
  source: string;
  fields: Record<string, unknown>;
  origin: "dataset" | "user";
  created?: string | null;
  updated?: string | null;
}

export interface NewDatapoint {
  /** Omitted or empty: the server's default ("scratch"). */
  dataset?: string;
  prompt: string;
  target: string;
  source: string;
  fields?: Record<string, unknown>;
}

export interface GenerationToken {
  id: number;
  text: string;
  start: number;
  end: number;
}

export interface Generation {
  model: string;
  prompt: string;
  text: string;
  finish_reason: string;
  tokens: GenerationToken[];
  cached?: boolean;
}

export interface GenerationSettings {
  max_new_tokens: number;
  temperature: number;
  top_p: number;
  top_k: number;
  seed: number;
  stop: string[];
}

export const DEFAULT_GENERATION: GenerationSettings = {
  max_new_tokens: 64,
  temperature: 0,
  top_p: 1,
  top_k: 0,
  seed: 0,
  stop: [],
};

export interface ResultToken {
  text: string;
  start: number;
  end: number;
  special?: boolean;
  /** A chat-template token (role marker, turn delimiter): scored, but muted and off the scale. */
  template?: boolean;
  scores: Record<string, number | null>;
}

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** What the model reads: a prompt text, or a chat's messages (rendered with its chat template). */
export type PromptInput = { prompt: string } | { messages: ChatMessage[] };

const ROLES: readonly string[] = ["system", "user", "assistant"];

/** The messages a datapoint carries in `fields.messages` (a chat row), or null. */
export function messagesOf(d: { fields?: Record<string, unknown> }): ChatMessage[] | null {
  const raw = d.fields?.messages;
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const out: ChatMessage[] = [];
  for (const m of raw) {
    if (!m || typeof m !== "object") return null;
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== "string" || !ROLES.includes(role) || typeof content !== "string") return null;
    out.push({ role: role as ChatRole, content });
  }
  return out;
}

/**
 * The stop strings a datapoint suggests for generating from it (its `fields.stop`: a string or
 * a list of strings, as Python's `Example.stop`); [] when none or malformed. A few-shot prompt
 * carries "\n\n", so generation ends with its answer. Used when the settings give none.
 */
export function datasetStop(d: { fields?: Record<string, unknown> }): string[] {
  const raw = d.fields?.stop;
  const items = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  return items.every((s) => typeof s === "string" && s !== "") ? (items as string[]) : [];
}

/** Stop strings as the settings field writes them: comma-separated, a newline as \n, a tab as \t. */
export function stopText(stop: string[]): string {
  return stop.map((x) => x.replace(/\n/g, "\\n").replace(/\t/g, "\\t")).join(", ");
}

/**
 * What a datapoint asks the model to explain: its target, or for a chat whose last message is
 * the assistant's (and no target of its own), that reply.
 */
export function datasetTarget(d: Datapoint): string {
  const messages = messagesOf(d);
  const last = messages?.[messages.length - 1];
  return !d.target && last?.role === "assistant" ? last.content : d.target;
}

/** A chat's messages as the model reads them before the reply: a trailing assistant message used as the target is left out. */
export function promptMessages(d: Datapoint): ChatMessage[] | null {
  const messages = messagesOf(d);
  if (!messages) return null;
  const last = messages[messages.length - 1];
  return !d.target && last.role === "assistant" && messages.length > 1 ? messages.slice(0, -1) : messages;
}

/** The plain-text view of a chat that a chat datapoint keeps as its `prompt` (as promptlight.chat.preview writes it). */
export function chatPreview(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join("\n\n");
}

/** A chat result's message: its role and the code-point range of its content in `text`. */
export interface MessageSpan {
  role: ChatRole;
  start: number;
  end: number;
}

export interface MethodMeta {
  signed: boolean;
  level: string;
  [key: string]: unknown;
}

export interface SalienceResult {
  schema_version: number;
  model: string;
  text: string;
  prompt_span: Pair;
  target_span: Pair;
  selected_span: Pair;
  objective: string;
  objective_value: number;
  method: string;
  methods: Record<string, MethodMeta>;
  tokens: ResultToken[];
  target_token_span: Pair;
  boundaries: Record<string, Pair[]>;
  segment_scores?: Record<string, { granularity: string; values: (number | null)[] }>;
  options?: Record<string, unknown>;
  device?: string;
  dtype?: string;
  objective_spec?: Record<string, unknown>;
  /** Contrastive results: the foil and both sides' log-probabilities (f = f_target - f_foil). */
  foil?: string | null;
  f_target?: number | null;
  f_foil?: number | null;
  /** Per selected target token: its probability and the model's top next tokens there. */
  alternatives?: Alternative[];
  /** Chat prompts (rendered with the model's template): each message's content range. */
  messages?: MessageSpan[];
  /** The faithfulness check, when it was asked for (`check: true`). */
  faithfulness?: FaithfulnessCheck | null;
  /** Perturbation methods: their variants and the recorded target tokens' log-probabilities (new selections need no model call). */
  variants?: Record<string, VariantRecord>;
  cached?: boolean;
}

/** What a perturbation method kept of its variants (promptlight/salience/variants.py). */
export interface VariantRecord {
  granularity: string;
  /** Index of the first recorded target token; `full.length` tokens from there are recorded. */
  first_token: number;
  players: number[];
  removed: number[][];
  full: number[];
  logprobs: number[][];
}

/** One removal the faithfulness check made: the top segments or one random set of the same size. */
export interface CheckedRemoval {
  size: number;
  segments: number[];
  drop: number;
  random: { segments: number[]; drop: number }[];
  random_median: number | null;
  ratio: number | null;
  above_random: boolean;
}

/** `faithfulness` of the result record (docs/result-schema.md). */
export interface FaithfulnessCheck {
  granularity: string;
  ranked_by: "score" | "magnitude";
  f: number;
  segments_ranked: number;
  random_sets: number;
  seed: number;
  forward_passes: number;
  top1: CheckedRemoval;
  top3: CheckedRemoval;
}

export interface Alternative {
  token_index: number;
  id: number;
  text: string;
  start: number;
  end: number;
  prob: number;
  top: { id: number; text: string; prob: number }[];
}

/** `GET /api/calls/{id}`: how far a model call has got. */
export interface CallProgress {
  id: string;
  model: string;
  state: "queued" | "running" | "finished" | "cancelled";
  done: number;
  total: number;
  unit: string;
  elapsed_s: number;
  eta_s: number | null;
}

export interface SalienceRequest {
  model: string;
  /** The prompt text, or (instead) a chat's messages for the model's chat template. */
  prompt?: string;
  messages?: ChatMessage[];
  target: string;
  target_span: Pair | null;
  method: string;
  granularity: string;
  options: Record<string, unknown>;
  /** Contrastive objective: why the selection rather than this text (absent: the plain objective). */
  foil?: string;
  /** Add the faithfulness check at `granularity`. */
  check?: boolean;
  /** Answer from the record of the cached run of this request over this target_span: no model call. */
  answer_from?: Pair;
}

/** One row of a method's option table (`/api/methods`, promptlight/salience/options.py). */
export interface OptionInfo {
  name: string;
  type: "integer" | "number" | "string" | "boolean";
  default: string | number | boolean | null;
  help: string;
  minimum: number | null;
  maximum: number | null;
  choices: string[] | null;
  /** String values an integer option also takes (e.g. "auto"). */
  special: string[];
  /** The server setting that caps the value, if any. */
  cap: string | null;
  /** May be left empty: the method then chooses (e.g. a batch size sized to memory). */
  nullable: boolean;
}

export interface MethodInfo {
  name: string;
  signed: boolean;
  cost?: string;
  reference?: string;
  description?: string;
  /** "tokens" (token scores, any granularity client-side) or "segments" (scored per granularity). */
  level?: string;
  options?: OptionInfo[];
  also_computes?: string[];
  /** A perturbation method: a new selection in the same target is answered from its run, with no model call. */
  answers_new_selections?: boolean;
}

export interface ModelInfo {
  name: string;
  spec: string;
  state?: string;
  device?: string | null;
  dtype?: string | null;
  /** Whether the model has a chat template (can read messages). */
  chat_template?: boolean | null;
}

/** A model under `serve --model-dirs` that can be loaded on request (`GET /api/model-files`). */
export interface ModelFile {
  id: string;
  kind: "folder" | "gguf";
  name: string;
  /** The name it is loaded under, or null. */
  loaded_as: string | null;
}

export interface DatasetInfo {
  name: string;
  spec: string;
  count: number;
}

export interface Health {
  status: string;
  models: Record<string, { state?: string; loaded: boolean; busy: boolean; queued: number; error?: string | null }>;
}

/** The four methods, used until `/api/methods` answers (and if it cannot). */
export const FALLBACK_METHODS: MethodInfo[] = [
  { name: "grad_l2", signed: false, level: "tokens", description: "Gradient L2 norm: how strongly each token's embedding moves f. Unsigned." },
  { name: "grad_dot_input", signed: true, level: "tokens", description: "Gradient · input: signed first-order effect of each token on f." },
  {
    name: "integrated_gradients",
    signed: true,
    level: "tokens",
    description: "Integrated gradients from a zero baseline; sums to f(input) − f(baseline) up to the completeness gap.",
  },
  {
    name: "occlusion",
    signed: true,
    level: "segments",
    description: "Leave one segment out: f(full) − f(without the segment). Computed per granularity.",
  },
];

export const BASE_GRANULARITIES = ["tokens", "words", "sentences", "lines", "paragraphs"] as const;
