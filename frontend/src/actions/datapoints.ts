/** The editor's actions: save, add (and compare), delete a datapoint. */
import { editedName } from "../names";
import { errorMessage } from "../api";
import type { AppContext } from "../context";
import type { NewDatapoint } from "../types";
import { emptyPane } from "../ui/pane";
import { loadExamples } from "./view";
import { alignB, compare, select } from "./compare";

export async function saveDatapoint(ctx: AppContext, id: string, f: NewDatapoint): Promise<void> {
  const body: Partial<NewDatapoint> = { ...f };
  if (!body.dataset) delete body.dataset;
  try {
    const d = await ctx.api.updateDatapoint(id, body);
    await loadExamples(ctx);
    ctx.editor.load(d);
    await select(ctx, d.id);
    ctx.showBanner(null, "save");
  } catch (err) {
    ctx.showBanner(`Could not save: ${errorMessage(err)}`, "save");
  }
}

export async function addDatapoint(ctx: AppContext, f: NewDatapoint, compareIt: boolean): Promise<void> {
  if (!f.prompt) {
    ctx.showBanner("Write a prompt first: a datapoint needs one.", "add");
    return;
  }
  const body: NewDatapoint = { ...f };
  // An edited copy gets a name of its own ("fewshot-mistake (edit 2)"), so two panes never share a title.
  if (body.source) body.source = editedName(body.source, ctx.store.examples.map((e) => e.source));
  if (!body.dataset) delete body.dataset; // the server files it under its default dataset
  try {
    const d = await ctx.api.createDatapoint(body);
    await loadExamples(ctx);
    if (compareIt && ctx.store.panes.A.datapoint) {
      await compare(ctx, d.id);
      ctx.editor.load(d);
    } else {
      ctx.editor.load(d);
      await select(ctx, d.id);
    }
    ctx.showBanner(null, "add");
  } catch (err) {
    ctx.showBanner(`Could not add the datapoint: ${errorMessage(err)}`, "add");
  }
}

/**
 * Add a dataset file's rows as datapoints: the server reads it with the CLI's loaders and
 * stores every row or none; the table then shows that dataset with its first row selected.
 */
export async function uploadDataset(ctx: AppContext, file: File): Promise<void> {
  let content: string;
  try {
    content = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
  } catch {
    ctx.showBanner(`${file.name} is not UTF-8 text: save it as UTF-8 and add it again.`, "upload");
    return;
  }
  try {
    const added = await ctx.api.uploadDataset(file.name, content);
    await loadExamples(ctx);
    ctx.examplesView.setDataset(added.dataset);
    ctx.examplesView.say(`Added ${added.added} row${added.added === 1 ? "" : "s"} from ${file.name} as the dataset “${added.dataset}”.`);
    ctx.showBanner(null, "upload");
    if (added.ids[0]) await select(ctx, added.ids[0]);
  } catch (err) {
    ctx.showBanner(`Could not add ${file.name}: ${errorMessage(err)}`, "upload");
  }
}

export async function deleteDatapoint(ctx: AppContext, id: string): Promise<void> {
  const { store } = ctx;
  try {
    await ctx.api.deleteDatapoint(id);
    if (store.panes.B.datapoint?.id === id) await compare(ctx, null);
    if (store.panes.A.datapoint?.id === id) {
      store.panes.A = emptyPane();
      ctx.editor.load(null);
      alignB(ctx);
    }
    await loadExamples(ctx);
    ctx.renderAll();
    ctx.showBanner(null, "delete");
  } catch (err) {
    ctx.showBanner(`Could not delete: ${errorMessage(err)}`, "delete");
  }
}
