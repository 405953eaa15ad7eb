/**
 * Selecting and comparing examples: pane A, pane B, the swap, and B following A's selection
 * (align.ts finds the span in B that corresponds to A's).
 */
import { alignSpan } from "../align";
import { errorMessage } from "../api";
import type { AppContext } from "../context";
import { isWholeTarget } from "../selection";
import type { Side } from "../state";
import type { Pair } from "../types";
import { emptyPane, explainedText } from "../ui/pane";
import { explain, markStale } from "./calls";

export function sameSpan(a: Pair | null, b: Pair | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

export async function select(ctx: AppContext, id: string, span: Pair | null = null): Promise<void> {
  await load(ctx, "A", id, span);
  const { store } = ctx;
  const d = store.panes.A.datapoint;
  if (d && ctx.editor.loadedId !== id) ctx.editor.load(d);
  // The controls depend on the datapoint: a chat offers the messages granularity and no chat toggle.
  if (!store.isChat() && store.granularity === "messages") store.granularity = "words";
  ctx.renderControls();
}

export async function compare(ctx: AppContext, id: string | null, span: Pair | null = null): Promise<void> {
  const { store } = ctx;
  if (id === null) {
    if (ctx.leftAutoHidden()) ctx.setLeftVisible(true);
    store.comparing = false;
    store.panes.B = emptyPane();
    store.bOwn = null;
    store.seq.B++;
    ctx.renderAll();
    return;
  }
  if (!store.comparing && ctx.leftVisible()) ctx.setLeftVisible(false, true); // two panes need the width
  store.comparing = true;
  await load(ctx, "B", id, span);
  if (store.autoRun && store.panes.A.result && !store.panes.B.result) void explain(ctx, "B", { auto: true });
}

async function load(ctx: AppContext, side: Side, id: string, span: Pair | null): Promise<void> {
  const { store } = ctx;
  let d = store.examples.find((e) => e.id === id) ?? null;
  if (!d) {
    try {
      d = await ctx.api.datapoint(id);
    } catch (err) {
      ctx.showBanner(`Could not open example ${id}: ${errorMessage(err)}`, "open");
      return;
    }
  }
  ctx.showBanner(null, "open");
  const prev = store.panes[side];
  // Pane B asked for without a span keeps the span it follows A with.
  const sameSelection = sameSpan(prev.span, span) || (side === "B" && span === null && store.bOwn === null);
  // The same datapoint with the same text keeps its output and result; an edited one starts afresh.
  if (prev.datapoint?.id === d.id && sameSelection && prev.datapoint.prompt === d.prompt && prev.datapoint.target === d.target) {
    prev.datapoint = d;
    if (side === "B" && span !== null && store.bOwn === null) {
      store.bOwn = store.selectionKeyA();
      prev.follow = "own";
    }
    ctx.renderAll();
    return;
  }
  store.seq[side]++;
  store.panes[side] = { ...emptyPane(), datapoint: d, span };
  if (side === "B") {
    // A span that comes with the view wins over following A.
    store.bOwn = span !== null ? store.selectionKeyA() : null;
    store.panes.B.follow = span !== null ? "own" : null;
    alignB(ctx);
  } else followA(ctx);
  ctx.renderAll();
}

export function swap(ctx: AppContext): void {
  const { store } = ctx;
  [store.panes.A, store.panes.B] = [store.panes.B, store.panes.A];
  [store.seq.A, store.seq.B] = [store.seq.B + 1, store.seq.A + 1];
  // Both keep what they explain: B's span (A's before) counts as B's own.
  const [a, b] = [store.panes.A, store.panes.B];
  a.follow = null;
  store.bOwn = store.selectionKeyA();
  b.follow = a.span !== null || b.span !== null ? "own" : null;
  if (a.datapoint) ctx.editor.load(a.datapoint);
  ctx.renderAll();
}

/**
 * Give pane B the span that corresponds to pane A's selection (align.ts), unless B has its
 * own and A's selection has not changed since. Needs both texts; until then, and when A
 * explains its whole text, B explains its whole text. True if B's span changed.
 */
export function alignB(ctx: AppContext): boolean {
  const { store } = ctx;
  const a = store.panes.A;
  const b = store.panes.B;
  if (!store.comparing || !b.datapoint) return false;
  if (store.bOwn !== null) {
    if (store.bOwn === store.selectionKeyA()) return false;
    store.bOwn = null;
  }
  const textA = explainedText(a, store.source);
  const textB = explainedText(b, store.source);
  let span: Pair | null = null;
  b.follow = null;
  if (a.span && textA !== null && textB !== null) {
    const found = alignSpan(textA, a.span, textB);
    b.follow = found;
    span = found.span && !isWholeTarget(textB, found.span) ? found.span : null;
  }
  if (sameSpan(b.span, span)) return false;
  b.span = span;
  markStale(ctx, "B");
  return true;
}

/** After A's selection or text changed: B follows, and (Auto-run) explains its new span. */
export function followA(ctx: AppContext): void {
  if (!alignB(ctx)) return;
  const { store } = ctx;
  const a = store.panes.A;
  const b = store.panes.B;
  // A generation under way goes on to explain (or not, for a bare Generate) by itself.
  if (store.autoRun && b.busy !== "generate" && (a.result || b.result) && explainedText(b, store.source) !== null) void explain(ctx, "B", { auto: true });
}

/** The "Follow A" button: drop B's own span. */
export function followAgain(ctx: AppContext): void {
  const { store } = ctx;
  store.bOwn = null;
  store.panes.B.follow = null;
  const moved = alignB(ctx);
  ctx.renderPanes();
  ctx.syncUrl();
  if (moved && store.autoRun) void explain(ctx, "B", { auto: true });
}
