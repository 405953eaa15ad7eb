/** The hover tooltip over heatmap segments, special tokens and output units: raw values and where they are. */
import { h, replace } from "../dom";
import { infoOf, tooltipLines } from "./heatmap";

export function installTooltip(app: HTMLElement, tip: HTMLElement): void {
  tip.hidden = true;
  const move = (e: MouseEvent) => {
    const target = (e.target as Element | null)?.closest?.(".pl-seg, .pl-special, .pl-tgt");
    const info = target ? infoOf(target) : undefined;
    if (!info) {
      tip.hidden = true;
      return;
    }
    replace(tip, ...tooltipLines(info).map((l) => h("div", null, l)));
    tip.hidden = false;
    const pad = 14;
    const w = tip.offsetWidth;
    const x = Math.min(e.clientX + pad, window.innerWidth - w - 8);
    const y = e.clientY + pad + tip.offsetHeight > window.innerHeight ? e.clientY - tip.offsetHeight - pad : e.clientY + pad;
    tip.style.left = `${Math.max(4, x)}px`;
    tip.style.top = `${Math.max(4, y)}px`;
  };
  app.addEventListener("mousemove", move);
  app.addEventListener("mouseleave", () => (tip.hidden = true));
}
