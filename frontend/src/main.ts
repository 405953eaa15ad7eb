/**
 * Entry of the promptlight UI bundle (`promptlight/server/static/app.js`).
 *
 *   import { mount } from "./app.js";
 *   const app = mount(document.getElementById("root"), { apiBase: "" });
 *
 * The same file is an anywidget module: its default export has `render({ model, el })`,
 * which reads the widget traits `api_base`, `token` and `initial` and mounts without
 * touching the page URL.
 */
import "./style.css";
import { App, type AppHandle, type MountOptions } from "./app";

export type { AppHandle, InitialView, MountOptions } from "./app";

/** Mount the app into `el`; returns a handle (select, compare, result, destroy). */
export function mount(el: HTMLElement, opts: MountOptions): AppHandle {
  if (!el) throw new Error("mount(el, opts): el must be an HTMLElement.");
  if (!opts || typeof opts.apiBase !== "string") {
    throw new Error("mount(el, opts): opts.apiBase must be a string ('' for the server that served this page).");
  }
  const app = new App(el, opts);
  void app.start();
  return app;
}

/** The part of an anywidget model this module uses. */
interface WidgetModel {
  get(name: string): unknown;
}

/** anywidget entry: mount into the output cell's element; returns the cleanup. */
export function render({ model, el }: { model: WidgetModel; el: HTMLElement }): () => void {
  const initial = (model.get("initial") as MountOptions["initial"]) ?? undefined;
  const token = (model.get("token") as string | undefined) || undefined;
  const host = document.createElement("div");
  host.className = "pl-widget";
  el.appendChild(host);
  const app = mount(host, { apiBase: String(model.get("api_base") ?? ""), token, initial, urlState: false });
  return () => app.destroy();
}

export default { render };
