/**
 * Model calls: generate a pane's output, explain its selection, and what to re-run after a
 * change. The last click wins: every call carries the pane's sequence number, and an answer
 * that arrives after a later action is dropped.
 */
import { ApiError, errorMessage } from "../api";
import type { AppContext } from "../context";
import type { Side } from "../state";
import { cpLength } from "../text";
import { aboutSeconds, CONFIRM_SECONDS, passesDone, passesPlanned } from "../estimate";
import { datasetStop, type Datapoint, type GenerationSettings, type Pair, type SalienceRequest, type SalienceResult } from "../types";
import { alignB, followA, sameSpan } from "./compare";

/** How often a busy pane asks the server how far its call has got. */
const PROGRESS_POLL_MS = 500;

/** A fresh id for a model call (the X-Promptlight-Call header). */
function newCallId(side: Side): string {
  const random = Math.random().toString(36).slice(2, 12);
  return `ui-${side}-${Date.now().toString(36)}-${random}`;
}

/**
 * Mark pane `side` busy with call `callId` and poll its progress until `seq` is superseded or
 * the pane is idle again; returns the function that stops polling.
 */
function watchCall(ctx: AppContext, side: Side, callId: string, seq: number): () => void {
  const pane = ctx.store.panes[side];
  // The last click wins: a call this one replaces is stopped on the server, not left to run.
  if (pane.callId && pane.callId !== callId) void ctx.api.cancelCall(pane.callId).catch(() => undefined);
  Object.assign(pane, { callId, progress: null });
  const timer = setInterval(() => {
    if (ctx.store.seq[side] !== seq || ctx.store.panes[side].busy === null) return;
    ctx.api.callProgress(callId).then(
      (p) => {
        const now = ctx.store.panes[side];
        if (ctx.store.seq[side] === seq && now.callId === callId && now.busy !== null) {
          now.progress = p;
          ctx.renderPanes();
        }
      },
      () => undefined, // not known yet (queued behind the request) or already gone: nothing to show
    );
  }, PROGRESS_POLL_MS);
  return () => {
    clearInterval(timer);
    const now = ctx.store.panes[side];
    if (now.callId === callId) Object.assign(now, { callId: null, progress: null });
  };
}

/** Stop pane `side`'s running call on the server; its request then ends with "cancelled". */
export async function cancelCall(ctx: AppContext, side: Side): Promise<void> {
  const pane = ctx.store.panes[side];
  const callId = pane.callId;
  if (!callId) return;
  try {
    await ctx.api.cancelCall(callId);
    ctx.showBanner(null, "cancel");
  } catch (err) {
    ctx.showBanner(`Could not cancel the call: ${errorMessage(err)}`, "cancel");
  }
}

/**
 * Drop pane `side`'s running call, if any: its answer is no longer wanted (the sequence number
 * moves on, so it is ignored when it comes) and its work on the server stops.
 */
function dropRunningCall(ctx: AppContext, side: Side): void {
  const pane = ctx.store.panes[side];
  ctx.store.seq[side]++;
  if (pane.callId) void ctx.api.cancelCall(pane.callId).catch(() => undefined);
  Object.assign(pane, { busy: null, callId: null, progress: null, callKeys: [] });
}

/** The pane's message for a failed call: a cancel is not an error, just said. */
function failure(err: unknown): string {
  return err instanceof ApiError && err.code === "cancelled" ? "Cancelled: the call was stopped on the server." : errorMessage(err);
}

/** The generation settings for datapoint `d`: with no stop strings of their own, the row's (a few-shot prompt stops at its blank line). */
function generationFor(ctx: AppContext, d: Datapoint): GenerationSettings {
  const gen = ctx.store.gen;
  return gen.stop.length ? gen : { ...gen, stop: datasetStop(d) };
}

export async function generate(ctx: AppContext, side: Side): Promise<boolean> {
  const { store } = ctx;
  const pane = store.panes[side];
  const d = pane.datapoint;
  if (!d) return false;
  if (!store.model) {
    pane.error = "No model is available: start the server with --models NAME:PATH.";
    ctx.renderPanes();
    return false;
  }
  const seq = ++store.seq[side];
  Object.assign(pane, { busy: "generate", busySince: Date.now(), error: null, note: null });
  const callId = newCallId(side);
  const unwatch = watchCall(ctx, side, callId, seq);
  ctx.renderPanes();
  try {
    const g = await ctx.api.generate(store.model, store.promptInput(d), generationFor(ctx, d), callId);
    if (seq !== store.seq[side]) return false;
    // A new text drops the selection made on the old one; a first generation keeps a span
    // that came with the view (a link to a selection of the output) if it fits the text.
    const changed = pane.generation !== null && pane.generation.text !== g.text;
    pane.generation = g;
    if (store.source === "output" && (changed || (pane.span !== null && pane.span[1] > cpLength(g.text)))) {
      pane.span = null;
      markStale(ctx, side);
      if (side === "B") store.bOwn = null; // B's own span went with the old text
    }
    // A new text on either side: B's span follows A's selection on it.
    if (side === "A") followA(ctx);
    else alignB(ctx);
    return true;
  } catch (err) {
    if (seq === store.seq[side]) pane.error = failure(err);
    return false;
  } finally {
    unwatch();
    if (seq === store.seq[side]) pane.busy = null;
    ctx.renderAll();
  }
}

/**
 * The cache keys a salience call for `sent` answers: its own, and when it is the checked form
 * of `plain`, the plain request's too (a checked result answers both).
 */
function answeredBy(ctx: AppContext, plain: SalienceRequest, sent: SalienceRequest): string[] {
  const keys = [ctx.store.cacheKey(sent)];
  if (sent !== plain) keys.push(ctx.store.cacheKey(plain));
  return keys;
}

/**
 * Why an auto-run of `req` in pane `side` should wait for the user (a sentence), or null: null
 * unless the call is expected to take over CONFIRM_SECONDS, from what earlier calls took.
 */
function longCall(ctx: AppContext, side: Side, req: SalienceRequest): string | null {
  const { store } = ctx;
  const defaults = Object.fromEntries((store.methodInfo(req.method)?.options ?? []).map((o) => [o.name, o.default]));
  const work = passesPlanned(req.method, { ...defaults, ...req.options }, promptSegments(store.panes[side].result, req.granularity));
  const expected = work && store.rates.estimate(req.model, req.method, work);
  if (!work || !expected || expected.seconds <= CONFIRM_SECONDS) return null;
  return (
    `${req.method} at ${req.granularity} would take ${aboutSeconds(expected.seconds)} here ` +
    `(${work.passes} ${work.unit}; ${expected.basis}), so Auto-run waits for you.`
  );
}

/** How many segments of the prompt `result` has at `granularity` (words when it has none of those). */
function promptSegments(result: SalienceResult | null, granularity: string): number {
  if (!result) return 0;
  const end = result.prompt_span[1];
  return (result.boundaries[granularity] ?? result.boundaries.words ?? []).filter(([start]) => start < end).length;
}

/** A result that took less than this is checked for faithfulness at once (about 17 more suffix passes). */
export const AUTO_CHECK_MS = 3000;

/**
 * Explain pane `side`'s selection. `check`: also run the faithfulness check at the shown
 * granularity (a cached checked result answers a plain request too). A plain result that
 * came back within AUTO_CHECK_MS is checked right after. `auto`: an auto-run (not a click
 * on Explain), which waits for the user instead of starting a call expected to take more
 * than CONFIRM_SECONDS (the pane says how long, and why it thinks so).
 */
export async function explain(ctx: AppContext, side: Side, { check = false, auto = false } = {}): Promise<void> {
  const { store } = ctx;
  const pane = store.panes[side];
  if (!pane.datapoint) return;
  if (store.source === "output" && !pane.generation) {
    const ok = await generate(ctx, side);
    if (!ok) return;
  }
  if (side === "B") alignB(ctx);
  const plain = store.request(side);
  const req = plain && check ? { ...plain, check: true, granularity: store.granularityName() } : plain;
  if (!req) {
    pane.error =
      store.source === "target"
        ? "This example has no dataset target. Switch “Explain” to model output, or add a target in the editor."
        : "There is no model output to explain yet: press Generate.";
    ctx.renderPanes();
    return;
  }
  const hit = store.cachedResult(req); // a checked request's own key is the first one looked up
  if (hit) {
    dropRunningCall(ctx, side); // an answer still on its way for an older request must not replace this one
    showResult(ctx, side, hit);
    return;
  }
  const answerFrom = store.recordFor(req);
  if (answerFrom && (await answerFromRecord(ctx, side, req, answerFrom))) return;
  if (auto && !store.autoRun) return; // only a record's answer comes by itself with Auto-run off
  if (auto) {
    const long = longCall(ctx, side, req);
    if (long) {
      // What is running answers an older question: stop it, as a click would.
      if (pane.busy === "salience" || pane.busy === "check") dropRunningCall(ctx, side);
      pane.confirm = long;
      ctx.renderPanes();
      return;
    }
  }
  pane.confirm = null;
  const seq = ++store.seq[side];
  const began = Date.now();
  Object.assign(pane, { busy: check ? "check" : "salience", busySince: began, error: null, note: null, callKeys: answeredBy(ctx, plain ?? req, req) });
  const callId = newCallId(side);
  const unwatch = watchCall(ctx, side, callId, seq);
  ctx.renderPanes();
  let autoCheck = false;
  try {
    const result = await ctx.api.salience(req, callId);
    store.cache.set(store.cacheKey(req), result);
    const work = passesDone(result, req.method);
    if (work && !result.cached && !req.check) store.rates.learn(req.model, req.method, work, (Date.now() - began) / 1000);
    // One gradient pass answers its sibling methods too (they take no options of their own).
    // (Not a checked result: its check ranks this method's scores, not its siblings'.)
    if (!req.check && Object.keys(req.options).length === 0) {
      for (const [m, meta] of Object.entries(result.methods ?? {})) {
        if (meta.level === "tokens" && (store.methodInfo(m)?.options ?? []).length === 0) store.cache.set(store.cacheKey(req, m), result);
      }
    }
    if (seq !== store.seq[side]) return;
    Object.assign(pane, { result, resultStale: null });
    autoCheck = !check && !result.faithfulness && Date.now() - began < AUTO_CHECK_MS;
  } catch (err) {
    if (seq === store.seq[side]) pane.error = failure(err);
  } finally {
    unwatch();
    if (seq === store.seq[side]) Object.assign(pane, { busy: null, callKeys: [] });
    ctx.renderPanes();
    ctx.syncUrl();
  }
  if (autoCheck && seq === store.seq[side]) void explain(ctx, side, { check: true });
}

/**
 * Answer pane `side`'s request from the record of the held run over `answerFrom` (a perturbation
 * method's variants): the server sums the recorded log-probabilities and refits, with no model
 * call. False when it cannot (that run left the server's cache, or its record does not cover the
 * selection): the caller then runs the method as usual.
 */
async function answerFromRecord(ctx: AppContext, side: Side, req: SalienceRequest, answerFrom: Pair): Promise<boolean> {
  const { store } = ctx;
  dropRunningCall(ctx, side); // an answer still on its way for an older request must not replace this one
  const seq = store.seq[side];
  let result: SalienceResult | null;
  try {
    result = await ctx.api.salienceFromRecord(req, answerFrom);
  } catch {
    return false;
  }
  if (!result) return false;
  store.cache.set(store.cacheKey(req), result);
  if (seq === store.seq[side]) showResult(ctx, side, result);
  return true;
}

/** Put `result` in pane `side` at once (it answers what the pane asks now). */
function showResult(ctx: AppContext, side: Side, result: SalienceResult): void {
  Object.assign(ctx.store.panes[side], { result, resultStale: null, error: null, note: null, confirm: null });
  ctx.renderPanes();
  ctx.syncUrl();
}

/**
 * Show what the server already has for pane `side`, computing nothing: the output (when the
 * model output is explained) and the salience result, from the server's cache. A page opened
 * from a link without run=1 restores a result made before this way; on a miss nothing changes.
 */
export async function restoreCached(ctx: AppContext, side: Side): Promise<void> {
  const { store } = ctx;
  const pane = store.panes[side];
  const d = pane.datapoint;
  if (!d || !store.model || pane.result || pane.busy !== null) return;
  const seq = store.seq[side];
  const current = () => seq === store.seq[side] && pane === store.panes[side] && pane.busy === null;
  try {
    if (store.source === "output" && !pane.generation) {
      const g = await ctx.api.cachedGeneration(store.model, store.promptInput(d), generationFor(ctx, d));
      if (!g || !current()) return;
      pane.generation = g;
      if (pane.span !== null && pane.span[1] > cpLength(g.text)) pane.span = null;
      if (side === "A") followA(ctx);
      else alignB(ctx);
    }
    const req = store.request(side);
    if (!req) return;
    const hit = store.cache.get(store.cacheKey(req)) ?? (await ctx.api.cachedSalience(req));
    if (!hit || !current()) return;
    store.cache.set(store.cacheKey(req), hit);
    Object.assign(pane, { result: hit, resultStale: null });
  } catch {
    return; // nothing to restore (the server is unreachable or refuses the request): the pane stays as it was
  } finally {
    ctx.renderAll();
  }
  ctx.syncUrl();
}

export function commitSpan(ctx: AppContext, side: Side, span: Pair | null): void {
  const { store } = ctx;
  const pane = store.panes[side];
  if (sameSpan(pane.span, span)) return;
  pane.span = span;
  if (side === "B") {
    // A selection made in B wins over following A, until A's selection changes.
    store.bOwn = store.selectionKeyA();
    pane.follow = "own";
  }
  markStale(ctx, side);
  ctx.renderPanes();
  ctx.syncUrl();
  // A selection a held run's record answers needs no model call: it is answered even with Auto-run off.
  const req = store.request(side);
  if (pane.datapoint && (store.autoRun || (req && store.recordFor(req)))) void explain(ctx, side, { auto: true });
  if (side === "A") followA(ctx);
}

/** Note that the shown result no longer matches the selection (kept on screen until replaced). */
export function markStale(ctx: AppContext, side: Side): void {
  const pane = ctx.store.panes[side];
  if (pane.result) pane.resultStale = "The selection or text changed since this result was computed.";
}

/**
 * After a model or chat-template change (`what`, e.g. "The model changed to gemma"): outputs go,
 * results are marked stale, and a call still running is stopped on the server, with a note in
 * its pane saying so (its answer would be for the old model).
 */
export function invalidateAll(ctx: AppContext, what: string): void {
  const { store } = ctx;
  for (const side of ["A", "B"] as Side[]) {
    const p = store.panes[side];
    if (p.busy !== null && p.callId) {
      const doing = p.busy === "generate" ? "generating" : p.busy === "check" ? "checking faithfulness" : "computing salience";
      p.note = `${what} while this pane was ${doing}: that call was stopped on the server. Press ${p.busy === "generate" ? "Generate" : "Explain"} to run it again.`;
    }
    dropRunningCall(ctx, side);
    Object.assign(p, { generation: null, confirm: null });
    if (store.source === "output") p.span = null; // it selected the old model's output
    if (p.result) p.resultStale = `${what}, so this result is for the old settings.`;
  }
  if (store.source === "output") store.bOwn = null;
  alignB(ctx);
  ctx.renderAll();
}

/** After a method/option/granularity/source change: re-run where the shown result cannot answer. */
export function rerunWhereNeeded(ctx: AppContext, { optionsChanged = false } = {}): void {
  const { store } = ctx;
  for (const side of store.activeSides()) {
    const p = store.panes[side];
    p.confirm = null; // what is asked now decides again
    const computing = p.busy === "salience" || p.busy === "check";
    if (!store.autoRun) continue;
    const req = store.request(side);
    if (computing) {
      // The last click wins: a call that no longer answers what is asked is replaced (and stopped).
      if (req && !(p.callKeys ?? []).includes(store.cacheKey(req))) void explain(ctx, side, { auto: true });
      continue;
    }
    if (!p.result) continue;
    const method = store.method;
    const has = p.result.methods[method];
    const perSegOk = !store.isPerSegment(method) || p.result.segment_scores?.[method]?.granularity === store.granularityName();
    if (!req || !has || !perSegOk || p.resultStale || optionsChanged) void explain(ctx, side, { auto: true });
  }
}
