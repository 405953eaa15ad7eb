/**
 * The datapoint editor: create, edit, duplicate, delete; "Add" and "Add and compare".
 * Built-in dataset rows are read-only on the server: saving one creates a user copy.
 *
 * A chat datapoint (`fields.messages`) is edited as its messages, a role and a text each;
 * its `prompt` is kept as the chat's plain-text preview. "Edit as chat" turns a prompt into
 * one user message.
 */
import { h, uniqueId } from "../dom";
import { chatPreview, messagesOf, type ChatMessage, type ChatRole, type Datapoint, type NewDatapoint } from "../types";

const ROLES: ChatRole[] = ["system", "user", "assistant"];

interface MessageRow {
  el: HTMLElement;
  role: HTMLSelectElement;
  content: HTMLTextAreaElement;
}

export interface EditorCallbacks {
  onSave(id: string, fields: NewDatapoint): void;
  onAdd(fields: NewDatapoint, compare: boolean): void;
  onDuplicate(id: string, fields: NewDatapoint): void;
  onDelete(id: string): void;
  onNew(): void;
}

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || uniqueId("f");
  control.id = id;
  return h("div", { class: "pl-field" }, h("label", { attrs: { for: id } }, label, hint ? h("span", { class: "pl-muted pl-small" }, ` ${hint}`) : null), control);
}

export class Editor {
  readonly el: HTMLElement;
  private readonly cb: EditorCallbacks;
  private readonly source: HTMLInputElement;
  private readonly dataset: HTMLInputElement;
  private readonly datasetList: HTMLDataListElement;
  private readonly prompt: HTMLTextAreaElement;
  private readonly target: HTMLTextAreaElement;
  private readonly idLabel: HTMLElement;
  private readonly dirtyLabel: HTMLElement;
  private readonly saveBtn: HTMLButtonElement;
  private readonly dupBtn: HTMLButtonElement;
  private readonly deleteBtn: HTMLButtonElement;
  private readonly promptField: HTMLElement;
  private readonly messagesList = h("div", { class: "pl-messages", attrs: { role: "list", "aria-label": "Chat messages" } });
  private readonly messagesField: HTMLElement;
  private readonly chatBtn: HTMLButtonElement;
  private rows: MessageRow[] = [];
  private current: Datapoint | null = null;
  private confirmDelete = false;

  constructor(cb: EditorCallbacks) {
    this.cb = cb;
    const listId = uniqueId("datasets");
    const onInput = () => this.paint();
    this.source = h("input", { class: "pl-input", attrs: { type: "text", placeholder: "e.g. fewshot-constitution", autocomplete: "off" }, on: { input: onInput } });
    this.dataset = h("input", { class: "pl-input", attrs: { type: "text", list: listId, autocomplete: "off" }, on: { input: onInput } });
    this.datasetList = h("datalist", { attrs: { id: listId } });
    this.prompt = h("textarea", { class: "pl-input pl-mono", attrs: { rows: 7, spellcheck: "false" }, on: { input: onInput } });
    this.target = h("textarea", { class: "pl-input pl-mono", attrs: { rows: 2, spellcheck: "false", placeholder: "Optional: the expected output" }, on: { input: onInput } });
    this.idLabel = h("span", { class: "pl-muted pl-small" });
    this.dirtyLabel = h("span", { class: "pl-dirty pl-small", attrs: { "aria-live": "polite" } });
    const btn = (label: string, title: string, on: () => void, cls = "pl-btn") =>
      h("button", { class: cls, attrs: { type: "button", title }, on: { click: on } }, label);
    this.saveBtn = btn("Save", "Save the changes to this datapoint (a built-in row is saved as a new user datapoint)", () => {
      if (this.current) this.cb.onSave(this.current.id, this.fields());
    }, "pl-btn pl-btn-primary");
    this.dupBtn = btn("Duplicate", "Add a copy of this datapoint", () => {
      if (this.current) this.cb.onDuplicate(this.current.id, this.fields());
    });
    this.deleteBtn = btn("Delete", "Delete this user datapoint", () => this.onDeleteClick(), "pl-btn pl-btn-danger");
    this.promptField = field("Prompt", this.prompt);
    this.chatBtn = btn("Edit as chat", "Turn the prompt into chat messages (one user message to start with), rendered with the model's chat template", () => {
      this.setMessages([{ role: "user", content: this.prompt.value }]);
      this.paint();
    }, "pl-btn pl-btn-small");
    this.messagesField = h(
      "div",
      { class: "pl-field" },
      h("span", { class: "pl-label" }, "Messages", h("span", { class: "pl-muted pl-small" }, " (rendered with the model's chat template; a last assistant message is the target)")),
      this.messagesList,
      h("div", { class: "pl-row pl-gap-s" },
        btn("Add message", "Add a message at the end", () => {
          const last = this.rows[this.rows.length - 1]?.role.value;
          this.addRow({ role: last === "user" ? "assistant" : "user", content: "" });
          this.paint();
        }, "pl-btn pl-btn-small"),
      ),
    );
    this.el = h(
      "section",
      { class: "pl-card pl-editor", attrs: { "aria-label": "Datapoint editor" } },
      h("div", { class: "pl-card-head" }, h("h2", null, "Datapoint"), this.idLabel, this.dirtyLabel),
      h("form", { class: "pl-form", on: { submit: (e) => e.preventDefault() } },
        h("div", { class: "pl-row pl-gap" }, field("Source", this.source), field("Dataset", this.dataset)),
        this.datasetList,
        this.promptField,
        this.messagesField,
        h("div", { class: "pl-row pl-gap-s" }, this.chatBtn),
        field("Target", this.target, "(dataset target, optional)"),
        h(
          "div",
          { class: "pl-row pl-wrap pl-gap-s" },
          this.saveBtn,
          btn("Add", "Add the editor's contents as a new datapoint and select it", () => this.cb.onAdd(this.fields(), false)),
          btn("Add and compare", "Add as a new datapoint and compare it side by side with the selected one", () => this.cb.onAdd(this.fields(), true)),
          this.dupBtn,
          btn("New", "Clear the editor to write a new datapoint", () => this.cb.onNew()),
          this.deleteBtn,
        ),
      ),
    );
    this.paint();
  }

  setDatasets(names: string[]): void {
    while (this.datasetList.firstChild) this.datasetList.removeChild(this.datasetList.firstChild);
    for (const n of names) this.datasetList.appendChild(h("option", { attrs: { value: n } }));
  }

  /** Show `d` (or an empty form for a new datapoint in `defaultDataset`). */
  load(d: Datapoint | null, defaultDataset = ""): void {
    this.current = d;
    this.confirmDelete = false;
    this.source.value = d?.source ?? "";
    this.dataset.value = d?.dataset ?? defaultDataset;
    this.prompt.value = d?.prompt ?? "";
    this.target.value = d?.target ?? "";
    this.setMessages(d ? messagesOf(d) : null);
    this.paint();
  }

  /** The chat being edited, or null when the datapoint is a plain prompt. */
  messages(): ChatMessage[] | null {
    if (this.messagesField.hidden) return null;
    return this.rows.map((r) => ({ role: r.role.value as ChatRole, content: r.content.value }));
  }

  private setMessages(messages: ChatMessage[] | null): void {
    this.rows = [];
    while (this.messagesList.firstChild) this.messagesList.removeChild(this.messagesList.firstChild);
    this.messagesField.hidden = messages === null;
    for (const m of messages ?? []) this.addRow(m);
  }

  private addRow(m: ChatMessage): void {
    const onInput = () => this.paint();
    const role = h("select", { class: "pl-input pl-role", attrs: { "aria-label": "Role" }, on: { change: onInput } }, ...ROLES.map((r) => h("option", { attrs: { value: r } }, r)));
    role.value = m.role;
    const content = h("textarea", { class: "pl-input pl-mono", attrs: { rows: 3, spellcheck: "false", "aria-label": "Message text" }, props: { value: m.content }, on: { input: onInput } });
    const row: MessageRow = { el: h("div", { class: "pl-message", attrs: { role: "listitem" } }), role, content };
    const remove = h("button", {
      class: "pl-btn pl-btn-small",
      attrs: { type: "button", title: "Remove this message", "aria-label": "Remove message" },
      on: {
        click: () => {
          this.rows = this.rows.filter((r) => r !== row);
          row.el.remove();
          this.paint();
        },
      },
    }, "×");
    row.el.append(role, content, remove);
    this.rows.push(row);
    this.messagesList.appendChild(row.el);
  }

  get loadedId(): string | null {
    return this.current?.id ?? null;
  }

  isDirty(): boolean {
    const d = this.current;
    const messages = this.messages();
    if (!d) return Boolean(this.prompt.value || this.target.value || this.source.value || messages);
    const chatChanged = JSON.stringify(messages) !== JSON.stringify(messagesOf(d));
    const promptChanged = messages === null && d.prompt !== this.prompt.value;
    return d.source !== this.source.value || d.dataset !== this.dataset.value || promptChanged || chatChanged || d.target !== this.target.value;
  }

  fields(): NewDatapoint {
    const base = { dataset: this.dataset.value.trim(), source: this.source.value, target: this.target.value };
    const messages = this.messages();
    if (messages === null) return { ...base, prompt: this.prompt.value };
    // A chat keeps its preview as the prompt (for lists and search) and its messages in fields.
    const kept = messages.filter((m) => m.content.trim());
    return { ...base, prompt: kept.length ? chatPreview(kept) : "", fields: { ...(this.current?.fields ?? {}), messages: kept } };
  }

  focusPrompt(): void {
    this.prompt.focus();
  }

  private onDeleteClick(): void {
    if (!this.current) return;
    if (!this.confirmDelete) {
      this.confirmDelete = true;
      this.paint();
      return;
    }
    this.confirmDelete = false;
    this.cb.onDelete(this.current.id);
  }

  private paint(): void {
    const d = this.current;
    this.idLabel.textContent = d ? `${d.id}${d.origin === "dataset" ? " · built-in (saving makes a copy)" : ""}` : "new datapoint";
    this.dirtyLabel.textContent = this.isDirty() ? "unsaved changes" : "";
    this.saveBtn.disabled = !d || !this.isDirty();
    this.dupBtn.disabled = !d;
    this.deleteBtn.hidden = !d || d.origin !== "user";
    this.deleteBtn.textContent = this.confirmDelete ? "Click again to delete" : "Delete";
    const chat = !this.messagesField.hidden;
    this.promptField.hidden = chat;
    this.chatBtn.hidden = chat;
  }
}
