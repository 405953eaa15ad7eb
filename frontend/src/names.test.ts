import { expect, it } from "vitest";
import { editedName } from "./names";

it("names an edited copy apart from the rows already there", () => {
  expect(editedName("fewshot-mistake", ["math-cot-1"])).toBe("fewshot-mistake");
  expect(editedName("fewshot-mistake", ["fewshot-mistake"])).toBe("fewshot-mistake (edit 2)");
  expect(editedName("fewshot-mistake", ["fewshot-mistake", "fewshot-mistake (edit 2)"])).toBe("fewshot-mistake (edit 3)");
  expect(editedName("fewshot-mistake (edit 2)", ["fewshot-mistake", "fewshot-mistake (edit 2)"])).toBe("fewshot-mistake (edit 3)");
});
