/**
 * The HTTP client of the promptlight API (docs/api.md).
 *
 * Every failure becomes an `ApiError` whose `message` a person can read: the server's error
 * envelope `{"error": {"code", "message", "field"}}` when there is one, otherwise what went
 * wrong with the connection. Calls in flight are reported to `onActivity`, so the UI can show
 * that a (possibly minute-long) model call is running.
 */
import type {
  DatasetInfo,
  Datapoint,
  Generation,
  GenerationSettings,
  Health,
  MethodInfo,
  ModelFile,
  ModelInfo,
  CallProgress,
  NewDatapoint,
  Pair,
  PromptInput,
  SalienceRequest,
  SalienceResult,
} from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, field: string | null = null, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }

  /** One or two sentences for the UI. */
  get readable(): string {
    let text = this.message;
    if (this.field && !text.includes(this.field)) text += ` (field: ${this.field})`;
    if (this.code === "busy") text += this.retryAfter ? ` Try again in ${this.retryAfter} s.` : " Try again in a moment.";
    return text;
  }
}

/** A cached-only answer: the value, or null when the server has none (404 `not_cached`). */
async function orNotCached<T>(answer: Promise<T>): Promise<T | null> {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_cached") return null;
    throw err;
  }
}

/** A readable message for anything thrown by a call. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.readable;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Parse a non-2xx response into an ApiError (pure, for tests). */
export function errorFromResponse(status: number, statusText: string, body: string, retryAfterHeader: string | null): ApiError {
  const retryAfter = retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null;
  try {
    const parsed = JSON.parse(body) as unknown;
    const env = (parsed as { error?: { code?: unknown; message?: unknown; field?: unknown } }).error;
    if (env && typeof env === "object" && typeof env.message === "string") {
      return new ApiError(
        status,
        typeof env.code === "string" ? env.code : "internal",
        env.message,
        typeof env.field === "string" ? env.field : null,
        retryAfter,
      );
    }
    // FastAPI's own shape, in case a route escapes the envelope: {"detail": "..."} or [{loc, msg}].
    const detail = (parsed as { detail?: unknown }).detail;
    if (typeof detail === "string") return new ApiError(status, "internal", detail, null, retryAfter);
    if (Array.isArray(detail) && detail.length > 0) {
      const first = detail[0] as { loc?: unknown[]; msg?: string };
      const field = Array.isArray(first.loc) ? String(first.loc[first.loc.length - 1]) : null;
      return new ApiError(status, "invalid_request", first.msg ?? "Invalid request.", field, retryAfter);
    }
  } catch {
    // not JSON: fall through
  }
  const snippet = body.trim().slice(0, 200);
  return new ApiError(status, status >= 500 ? "internal" : "invalid_request", `The server answered ${status} ${statusText}${snippet ? `: ${snippet}` : "."}`, null, retryAfter);
}

export interface Activity {
  id: number;
  /** What is running, e.g. "Generating with gemma3-270m". */
  label: string;
  started: number;
}

export interface ApiOptions {
  /** Prefix of every route: '' for the page's own server, or e.g. 'http://127.0.0.1:5432'. */
  base: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  onActivity?: (running: Activity[]) => void;
  fetch?: typeof fetch;
}

export class Api {
  private readonly base: string;
  private readonly token?: string;
  private readonly onActivity?: (running: Activity[]) => void;
  private readonly fetchImpl: typeof fetch;
  private running: Activity[] = [];
  private nextId = 1;

  constructor(options: ApiOptions) {
    this.base = options.base.replace(/\/+$/, "");
    this.token = options.token;
    this.onActivity = options.onActivity;
    this.fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** One call; `label` marks it as a model call to show as running; `callId` names it (X-Promptlight-Call) for progress and cancel. */
  async request<T>(method: string, path: string, body?: unknown, label?: string, callId?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (callId) headers["X-Promptlight-Call"] = callId;
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let activity: Activity | null = null;
    if (label) {
      activity = { id: this.nextId++, label, started: Date.now() };
      this.running = [...this.running, activity];
      this.onActivity?.(this.running);
    }
    try {
      let res: Response;
      try {
        res = await this.fetchImpl(this.url(path), {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        const where = this.base || "this page's server";
        throw new ApiError(0, "network", `Cannot reach the promptlight server at ${where} (${(err as Error).message}). Is \`promptlight serve\` still running?`);
      }
      const text = await res.text();
      if (!res.ok) throw errorFromResponse(res.status, res.statusText, text, res.headers.get("Retry-After"));
      if (res.status === 204 || text === "") return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ApiError(res.status, "internal", `The server sent something that is not JSON for ${method} ${path}.`);
      }
    } finally {
      if (activity) {
        const id = activity.id;
        this.running = this.running.filter((a) => a.id !== id);
        this.onActivity?.(this.running);
      }
    }
  }

  health(): Promise<Health> {
    return this.request("GET", "/api/health");
  }
  methods(): Promise<MethodInfo[]> {
    return this.request("GET", "/api/methods");
  }
  granularities(): Promise<string[]> {
    return this.request("GET", "/api/granularities");
  }
  models(): Promise<ModelInfo[]> {
    return this.request("GET", "/api/models");
  }
  /** What the server may load on request (`serve --model-dirs`). */
  modelFiles(): Promise<{ dirs: string[]; files: ModelFile[] }> {
    return this.request("GET", "/api/model-files");
  }
  /** Load the listed model `id` (the answer's `state` is "loading"; /api/health says when it is ready). */
  addModel(id: string): Promise<ModelInfo> {
    return this.request("POST", "/api/models", { file: id }, `Loading ${id}`);
  }
  datasets(): Promise<DatasetInfo[]> {
    return this.request("GET", "/api/datasets");
  }
  examples(dataset?: string): Promise<Datapoint[]> {
    const q = dataset ? `?dataset=${encodeURIComponent(dataset)}` : "";
    return this.request("GET", `/api/examples${q}`);
  }
  datapoint(id: string): Promise<Datapoint> {
    return this.request("GET", `/api/datapoints/${encodeURIComponent(id)}`);
  }
  /** Add a dataset file's rows as datapoints (read by the server's loaders, all rows or none). */
  uploadDataset(filename: string, content: string): Promise<{ dataset: string; added: number; ids: string[] }> {
    return this.request("POST", "/api/datasets", { filename, content }, `Adding ${filename}`);
  }
  createDatapoint(d: NewDatapoint): Promise<Datapoint> {
    return this.request("POST", "/api/datapoints", d);
  }
  updateDatapoint(id: string, d: Partial<NewDatapoint>): Promise<Datapoint> {
    return this.request("PUT", `/api/datapoints/${encodeURIComponent(id)}`, d);
  }
  deleteDatapoint(id: string): Promise<void> {
    return this.request("DELETE", `/api/datapoints/${encodeURIComponent(id)}`);
  }
  /** Continue `input`: `{ prompt }` text or `{ messages }` for the model's chat template. */
  generate(model: string, input: PromptInput, settings: GenerationSettings, callId?: string): Promise<Generation> {
    return this.request("POST", "/api/generate", { model, ...input, ...settings }, `Generating with ${model}`, callId);
  }
  salience(req: SalienceRequest, callId?: string): Promise<SalienceResult> {
    return this.request("POST", "/api/salience", req, `Salience (${req.method}) on ${req.model}`, callId);
  }
  /** The server's cached generation for this request, or null: nothing is computed (`cached_only`). */
  cachedGeneration(model: string, input: PromptInput, settings: GenerationSettings): Promise<Generation | null> {
    return orNotCached(this.request("POST", "/api/generate?cached_only=true", { model, ...input, ...settings }));
  }
  /** The server's cached salience result for this request, or null: nothing is computed (`cached_only`). */
  cachedSalience(req: SalienceRequest): Promise<SalienceResult | null> {
    return orNotCached(this.request("POST", "/api/salience?cached_only=true", req));
  }
  /**
   * `req` answered from the record of the server's cached run over `answerFrom` (same request, that
   * target_span): no model call. Null when the server has no such run or its record cannot answer.
   */
  async salienceFromRecord(req: SalienceRequest, answerFrom: Pair): Promise<SalienceResult | null> {
    try {
      return await this.request("POST", "/api/salience", { ...req, answer_from: answerFrom });
    } catch (err) {
      if (err instanceof ApiError && (err.code === "not_cached" || err.status === 422)) return null;
      throw err;
    }
  }
  /** Progress of the model call named `callId`. */
  callProgress(callId: string): Promise<CallProgress> {
    return this.request("GET", `/api/calls/${encodeURIComponent(callId)}`);
  }
  /** Stop the model call named `callId` (its request then fails with code "cancelled"). */
  cancelCall(callId: string): Promise<CallProgress & { cancelled: boolean }> {
    return this.request("POST", `/api/calls/${encodeURIComponent(callId)}/cancel`);
  }
}
