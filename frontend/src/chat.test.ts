import { describe, expect, it } from "vitest";
import { resultCuts, splitAt } from "./aggregate";
import { buildDisplay, isTemplateText } from "./salience";
import { chatPreview, messagesOf, type SalienceResult } from "./types";

// "<u>\nhi there<e>\n<m>\n" + target "ok": two template stretches around one message.
const text = "<u>\nhi there<e>\n<m>\nok";
const chat: SalienceResult = {
  schema_version: 1,
  model: "toy",
  text,
  prompt_span: [0, 20],
  target_span: [20, 22],
  selected_span: [20, 22],
  objective: "f",
  objective_value: -1,
  method: "grad_l2",
  methods: { grad_l2: { signed: false, level: "tokens" } },
  tokens: [
    { text: "", start: 0, end: 0, special: true, scores: { grad_l2: 0.5 } },
    { text: "<u>\n", start: 0, end: 4, template: true, scores: { grad_l2: 9 } },
    { text: "hi", start: 4, end: 6, scores: { grad_l2: 1 } },
    { text: " there", start: 6, end: 12, scores: { grad_l2: 2 } },
    { text: "<e>\n<m>\n", start: 12, end: 20, template: true, scores: { grad_l2: 7 } },
    { text: "ok", start: 20, end: 22, scores: { grad_l2: null } },
  ],
  target_token_span: [5, 6],
  boundaries: {
    words: [[0, 4], [4, 7], [7, 12], [12, 20], [20, 22]],
    messages: [[0, 4], [4, 12], [12, 20], [20, 22]],
  },
  messages: [{ role: "user", start: 4, end: 12 }],
};

describe("chat results", () => {
  it("splits segments at the prompt's end and every message edge", () => {
    expect(resultCuts(chat)).toEqual([4, 12, 20]);
    expect(splitAt([[0, 22]], resultCuts(chat))).toEqual([[0, 4], [4, 12], [12, 20], [20, 22]]);
    expect(splitAt([[0, 3], [3, 9]], [3, 5, 9])).toEqual([[0, 3], [3, 5], [5, 9]]);
    // A custom regex never joins template text with a message.
    const d = buildDisplay(chat, { method: "grad_l2", granularity: "regex:[^\\n]+\\n?" });
    expect(d.pieces.filter((p) => p.region === "prompt").map((p) => p.text)).toEqual(["<u>\n", "hi there", "<e>\n", "<m>\n"]);
  });

  it("mutes template text: off the scale and out of the top list unless asked", () => {
    expect(isTemplateText(chat, 0, 4)).toBe(true);
    expect(isTemplateText(chat, 4, 7)).toBe(false);
    const d = buildDisplay(chat, { method: "grad_l2", granularity: "messages" });
    expect(d.scale.maxAbs).toBe(3);
    expect(d.ranked.map((r) => r.text)).toEqual(["hi there"]);
    const templates = d.pieces.filter((p) => p.template);
    expect(templates.map((p) => [p.text, p.score, p.onScale])).toEqual([
      ["<u>\n", 9, false],
      ["<e>\n<m>\n", 7, false],
    ]);
    const all = buildDisplay(chat, { method: "grad_l2", granularity: "messages", includeBos: true });
    expect(all.scale.maxAbs).toBe(9);
    expect(all.ranked.map((r) => r.text)).toEqual(["<u>\n", "<e>\n<m>\n", "hi there"]);
  });

  it("reads a chat datapoint's messages and previews them as Python does", () => {
    const messages = messagesOf({ fields: { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] } });
    expect(messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
    expect(chatPreview(messages ?? [])).toBe("system: Be brief.\n\nuser: Hi");
    expect(messagesOf({ fields: { messages: [{ role: "robot", content: "x" }] } })).toBeNull();
    expect(messagesOf({ fields: {} })).toBeNull();
  });
});
