/**
 * Loading what the server offers, applying a view (from the URL or the notebook), and the
 * toolbar's choices: what to explain, the method and its options, the granularity.
 */
import { isRegexGranularity, REGEX_PREFIX } from "../aggregate";
import { errorMessage } from "../api";
import type { AppContext } from "../context";
import type { Side } from "../state";
import { DEFAULT_GENERATION, FALLBACK_METHODS, type Pair } from "../types";
import type { ExplainSource, InitialView, OptionValue, ViewState } from "../viewstate";
import { explain, generate, invalidateAll, markStale, rerunWhereNeeded, restoreCached } from "./calls";
import { alignB, compare, followA, select } from "./compare";

/** The models the server has, and those it may load on request; the header's picker shows both. */
export async function refreshModels(ctx: AppContext): Promise<void> {
  const { store, api } = ctx;
  const [models, files] = await Promise.allSettled([api.models(), api.modelFiles()]);
  if (models.status === "fulfilled") {
    store.models = models.value.map((m) => m.name);
    store.chatModels = models.value.filter((m) => m.chat_template).map((m) => m.name);
    if (!store.model || !store.models.includes(store.model)) store.model = store.models[0] ?? "";
    ctx.showBanner(null, "models");
  } else {
    ctx.showBanner(`Could not load the models: ${errorMessage(models.reason)}`, "models");
  }
  if (files.status === "fulfilled") {
    store.modelDirs = files.value.dirs;
    store.modelFiles = files.value.files;
  }
}

/** Load model file `id` (from `--model-dirs`) on the server and switch to it; it answers once loaded. */
export async function loadModelFile(ctx: AppContext, id: string): Promise<void> {
  try {
    const added = await ctx.api.addModel(id);
    await refreshModels(ctx);
    ctx.store.model = added.name;
    invalidateAll(ctx, `The model changed to ${added.name}`);
    void refreshHealth(ctx);
  } catch (err) {
    ctx.showBanner(`Could not load ${id}: ${errorMessage(err)}`, "models");
  }
  ctx.renderControls();
}

export async function loadMeta(ctx: AppContext): Promise<void> {
  const { store, api } = ctx;
  const [, datasets, methods, grans, settings] = await Promise.allSettled([
    refreshModels(ctx),
    api.datasets(),
    api.methods(),
    api.granularities(),
    api.request<{ settings: { name: string; value: unknown }[] }>("GET", "/api/settings"),
  ]);
  if (settings.status === "fulfilled") {
    const cap = settings.value.settings.find((row) => row.name === "max_new_tokens")?.value;
    if (typeof cap === "number" && cap >= 1) store.maxNewTokens = cap;
  }
  if (datasets.status === "fulfilled") store.datasets = datasets.value.map((d) => d.name);
  if (methods.status === "fulfilled" && Array.isArray(methods.value) && methods.value.length) {
    const order = FALLBACK_METHODS.map((m) => m.name);
    const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
    store.methods = [...methods.value].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  }
  if (grans.status === "fulfilled" && Array.isArray(grans.value)) store.granularities = grans.value.filter((g) => !isRegexGranularity(g));
  ctx.editor.setDatasets(store.datasets);
  ctx.renderControls();
  void refreshHealth(ctx);
}

export async function loadExamples(ctx: AppContext): Promise<void> {
  try {
    ctx.store.examples = await ctx.api.examples();
    ctx.examplesView.setData(ctx.store.examples, ctx.store.datasets);
    ctx.renderControls();
    ctx.showBanner(null, "examples");
  } catch (err) {
    ctx.showBanner(`Could not load the examples: ${errorMessage(err)}`, "examples");
  }
}

export async function refreshHealth(ctx: AppContext, attempt = 0): Promise<void> {
  const { store } = ctx;
  try {
    const health = await ctx.api.health();
    const m = health.models?.[store.model];
    if (!m) store.modelStatus = "";
    else if (m.error || m.state === "error") store.modelStatus = `failed to load: ${m.error ?? "see the server log"}`;
    else if (!m.loaded) store.modelStatus = "loading…";
    else store.modelStatus = m.busy ? `busy${m.queued ? `, ${m.queued} queued` : ""}` : "ready";
    ctx.renderStatus();
    if (m && attempt > 0 && (m.loaded || m.error)) {
      // It finished loading while watched: what it can do (a chat template) is known now.
      await refreshModels(ctx);
      ctx.renderControls();
    }
    if (m && !m.loaded && !m.error && attempt < 200) {
      const t = window.setTimeout(() => void refreshHealth(ctx, attempt + 1), 3000);
      ctx.cleanups.push(() => window.clearTimeout(t));
    }
  } catch {
    store.modelStatus = "";
    ctx.renderStatus();
  }
}

/** Apply a view (from the URL or `initial`). */
export async function applyView(ctx: AppContext, v: InitialView | ViewState): Promise<void> {
  const { store } = ctx;
  if (v.model && (store.models.length === 0 || store.models.includes(v.model))) store.model = v.model;
  if (v.method) store.method = v.method;
  if (v.options) store.options[store.method] = { ...(store.options[store.method] ?? {}), ...v.options };
  if (v.foil !== undefined) store.foil = v.foil;
  if (v.granularity) {
    if (isRegexGranularity(v.granularity)) {
      store.regex = v.granularity.slice(REGEX_PREFIX.length);
      store.granularity = "regex";
    } else store.granularity = v.granularity;
  }
  if (v.source) store.source = v.source;
  if ("intensity" in v && v.intensity !== undefined) store.intensity = v.intensity;
  if (v.generation) store.gen = { ...DEFAULT_GENERATION, ...v.generation };
  if (v.dataset) ctx.examplesView.setDataset(v.dataset);
  ctx.renderControls();
  if (v.example) await select(ctx, v.example, v.span ?? null);
  else ctx.renderPanes();
  if (v.compare) await compare(ctx, v.compare, v.compareSpan ?? null);
  if (v.run) {
    // Pane B's span follows A's selection, so A's text comes first.
    if (store.comparing && store.bOwn === null && store.panes.A.span && store.source === "output" && !store.panes.A.generation) await generate(ctx, "A");
    await Promise.all([explain(ctx, "A"), store.comparing ? explain(ctx, "B") : Promise.resolve()]);
  } else if (v.example) {
    // Not asked to run: still show what the server already has for this view (no computing).
    await restoreCached(ctx, "A");
    if (store.comparing) await restoreCached(ctx, "B");
  }
}

export function setSource(ctx: AppContext, v: ExplainSource): void {
  const { store } = ctx;
  if (v === store.source) return;
  store.source = v;
  for (const side of ["A", "B"] as Side[]) {
    store.panes[side].span = null;
    markStale(ctx, side);
  }
  store.bOwn = null;
  alignB(ctx);
  afterChange(ctx);
  rerunWhereNeeded(ctx);
}

export function setMethod(ctx: AppContext, v: string): void {
  if (v === ctx.store.method) return;
  ctx.store.method = v;
  afterChange(ctx);
  rerunWhereNeeded(ctx);
}

/** An option of the current method; `null` puts it back to its default. */
export function setOption(ctx: AppContext, name: string, value: OptionValue): void {
  const { store } = ctx;
  const current = { ...(store.options[store.method] ?? {}) };
  if (current[name] === value) return;
  if (value === null) delete current[name];
  else current[name] = value;
  store.options[store.method] = current;
  afterChange(ctx);
  rerunWhereNeeded(ctx, { optionsChanged: true });
}

/** The contrastive foil ("" = back to the plain objective). */
export function setFoil(ctx: AppContext, foil: string): void {
  if (foil === ctx.store.foil) return;
  ctx.store.foil = foil;
  afterChange(ctx);
  rerunWhereNeeded(ctx, { optionsChanged: true });
}

/** Send plain prompts through the model's chat template (one user message) or not: the model reads another text. */
export function setChat(ctx: AppContext, on: boolean): void {
  const { store } = ctx;
  if (on === store.chat) return;
  store.chat = on;
  if (!store.isChat() && store.granularity === "messages") store.granularity = "words";
  invalidateAll(ctx, `The chat template was turned ${on ? "on" : "off"}`);
  afterChange(ctx);
  rerunWhereNeeded(ctx);
}

/** "Why this token rather than that one": select the token at `span` and make `foil` the foil, then explain. */
export function contrastAt(ctx: AppContext, side: Side, span: Pair, foil: string): void {
  const { store } = ctx;
  store.foil = foil;
  const pane = store.panes[side];
  pane.span = span;
  if (side === "B") {
    store.bOwn = store.selectionKeyA();
    pane.follow = "own";
  } else followA(ctx);
  markStale(ctx, side);
  afterChange(ctx);
  void explain(ctx, side);
}

export function setRegex(ctx: AppContext, pattern: string): void {
  const { store } = ctx;
  if (pattern === store.regex && store.granularity === "regex") return;
  store.regex = pattern;
  store.granularity = "regex";
  afterGranularityChange(ctx);
}

export function setGranularity(ctx: AppContext, v: string): void {
  if (v === ctx.store.granularity) return;
  ctx.store.granularity = v;
  afterGranularityChange(ctx);
}

function afterGranularityChange(ctx: AppContext): void {
  afterChange(ctx);
  if (ctx.store.isPerSegment(ctx.store.method)) rerunWhereNeeded(ctx);
}

function afterChange(ctx: AppContext): void {
  ctx.renderControls();
  ctx.renderPanes();
  ctx.syncUrl();
}
