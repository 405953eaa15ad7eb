import { describe, expect, it } from "vitest";
import { datasetStop, stopText } from "./types";

describe("datasetStop", () => {
  it("reads a string or a list of strings, as Python's Example.stop", () => {
    expect(datasetStop({ fields: { stop: "\n\n" } })).toEqual(["\n\n"]);
    expect(datasetStop({ fields: { stop: ["###", "\n"] } })).toEqual(["###", "\n"]);
  });
  it("gives none for a missing, empty or malformed value", () => {
    expect(datasetStop({})).toEqual([]);
    expect(datasetStop({ fields: { stop: "" } })).toEqual([]);
    expect(datasetStop({ fields: { stop: 3 } })).toEqual([]);
    expect(datasetStop({ fields: { stop: ["ok", ""] } })).toEqual([]);
  });
});

describe("stopText", () => {
  it("writes newlines and tabs as the settings field reads them", () => {
    expect(stopText(["\n\n", "a\tb", "###"])).toBe("\\n\\n, a\\tb, ###");
  });
});
