/**
 * The panels of the app, in display order: a panel is one file in `ui/` plus one line here.
 *
 * `region` says where it goes: `left` (the examples column, hidden in the compare view)
 * or `right` (the main column). `create` gets the app's context and returns the panel;
 * its `render()` runs on every redraw, so it reads what it needs from `ctx.store`.
 */
import { setChat, setFoil, setGranularity, setMethod, setOption, setRegex, setSource } from "./actions/view";
import { compare } from "./actions/compare";
import type { AppContext } from "./context";
import { PanesPanel } from "./ui/panes";
import { Toolbar } from "./ui/toolbar";

export interface Panel {
  readonly el: HTMLElement;
  /** Redraw from the store (runs often: keep it cheap). */
  render(): void;
  /** Redraw the panel's controls after a choice changed (method, granularity, ...). */
  renderControls?(): void;
  destroy?(): void;
}

export interface PanelSpec {
  id: string;
  region: "left" | "right";
  create(ctx: AppContext): Panel;
}

export const PANELS: PanelSpec[] = [
  { id: "examples", region: "left", create: (ctx) => ({ el: ctx.examplesView.el, render: () => ctx.examplesView.setSelected(ctx.store.panes.A.datapoint?.id ?? null, ctx.store.comparing ? (ctx.store.panes.B.datapoint?.id ?? null) : null) }) },
  { id: "editor", region: "left", create: (ctx) => ({ el: ctx.editor.el, render: () => undefined }) },
  {
    id: "toolbar",
    region: "right",
    create: (ctx) =>
      new Toolbar(ctx.store, {
        setSource: (v) => setSource(ctx, v),
        setMethod: (v) => setMethod(ctx, v),
        setOption: (name, value) => setOption(ctx, name, value),
        setFoil: (foil) => setFoil(ctx, foil),
        setChat: (on) => setChat(ctx, on),
        setGranularity: (v) => setGranularity(ctx, v),
        setRegex: (p) => setRegex(ctx, p),
        redraw: () => {
          ctx.renderPanes();
          ctx.syncUrl();
        },
        setGeneration: (g) => {
          ctx.store.gen = g;
          ctx.syncUrl();
        },
        compare: (id) => void compare(ctx, id),
      }),
  },
  { id: "panes", region: "right", create: (ctx) => new PanesPanel(ctx) },
];
