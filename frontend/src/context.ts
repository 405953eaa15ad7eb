/**
 * What the actions and panels share: the state, the API client, the left-column views, and
 * the few redraw hooks. The app (`app.ts`) builds one and hands it to everything.
 */
import type { Api } from "./api";
import type { Store } from "./state";
import type { Editor } from "./ui/editor";
import type { ExamplesTable } from "./ui/examples";
import type { InitialView } from "./viewstate";

export interface MountOptions {
  /** Prefix of the API routes: '' when the page is served by `promptlight serve`, else e.g. 'http://127.0.0.1:5432'. */
  apiBase: string;
  /** Sent as `Authorization: Bearer <token>` (for a server that asks for one). */
  token?: string;
  initial?: InitialView;
  /** Keep the view in the page URL's hash (default true; the notebook widget turns it off). */
  urlState?: boolean;
  /** Show the examples column (default true). */
  showExamples?: boolean;
}

/** What a banner is about: the action whose failure it reports. */
export type BannerTopic = "models" | "examples" | "cancel" | "open" | "save" | "add" | "delete" | "link" | "upload";

export interface AppContext {
  readonly store: Store;
  readonly api: Api;
  readonly opts: MountOptions;
  readonly editor: Editor;
  readonly examplesView: ExamplesTable;
  /** Cleanups to run when the app is destroyed. */
  readonly cleanups: (() => void)[];
  renderAll(): void;
  renderPanes(): void;
  renderControls(): void;
  renderStatus(): void;
  /**
   * Show `message` in the app's banner, as the latest word on `about` (what the user tried).
   * `null` clears it; with `about`, only when the banner shown is about that, so a success
   * takes its own failure's banner away and leaves others.
   */
  showBanner(message: string | null, about?: BannerTopic): void;
  syncUrl(): void;
  /** Show or hide the examples column; `auto` marks a hide the compare view did by itself. */
  setLeftVisible(visible: boolean, auto?: boolean): void;
  leftVisible(): boolean;
  /** Whether the compare view hid the examples column by itself (it comes back when compare closes). */
  leftAutoHidden(): boolean;
}
