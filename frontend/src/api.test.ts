import { describe, expect, it } from "vitest";
import { Api, ApiError, errorFromResponse, errorMessage, type Activity } from "./api";

describe("API errors", () => {
  it("reads the server's error envelope", () => {
    const body = JSON.stringify({ error: { code: "invalid_request", message: "Unknown salience method 'ig'. Available: grad_dot_input, grad_l2.", field: "method" } });
    const err = errorFromResponse(422, "Unprocessable Entity", body, null);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("invalid_request");
    expect(err.field).toBe("method");
    expect(err.readable).toBe("Unknown salience method 'ig'. Available: grad_dot_input, grad_l2.");
  });

  it("names the field when the message does not, and says when to retry", () => {
    const e1 = errorFromResponse(400, "Bad Request", JSON.stringify({ error: { code: "invalid_request", message: "Must be positive.", field: "top_k" } }), null);
    expect(e1.readable).toBe("Must be positive. (field: top_k)");
    const e2 = errorFromResponse(503, "Service Unavailable", JSON.stringify({ error: { code: "busy", message: "The model is busy." } }), "12");
    expect(e2.retryAfter).toBe(12);
    expect(e2.readable).toBe("The model is busy. Try again in 12 s.");
  });

  it("copes with bodies that are not the envelope", () => {
    expect(errorFromResponse(404, "Not Found", JSON.stringify({ detail: "Not Found" }), null).readable).toBe("Not Found");
    const v = errorFromResponse(422, "Unprocessable", JSON.stringify({ detail: [{ loc: ["body", "prompt"], msg: "Field required" }] }), null);
    expect([v.field, v.message]).toEqual(["prompt", "Field required"]);
    expect(errorFromResponse(502, "Bad Gateway", "<html>proxy</html>", null).readable).toBe("The server answered 502 Bad Gateway: <html>proxy</html>");
    expect(errorMessage(new Error("boom"))).toBe("boom");
  });

  it("reports calls in flight and turns a dead connection into a readable error", async () => {
    const seen: number[] = [];
    const api = new Api({
      base: "http://127.0.0.1:1/",
      token: "s3cret",
      onActivity: (a: Activity[]) => seen.push(a.length),
      fetch: async (url, init) => {
        expect(url).toBe("http://127.0.0.1:1/api/generate");
        expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer s3cret");
        throw new TypeError("Failed to fetch");
      },
    });
    await expect(api.generate("tiny", { prompt: "hi" }, { max_new_tokens: 1, temperature: 0, top_p: 1, top_k: 0, seed: 0, stop: [] })).rejects.toThrow(
      /Cannot reach the promptlight server at http:\/\/127.0.0.1:1/,
    );
    expect(seen).toEqual([1, 0]);
  });

  it("parses JSON answers and empty 204s", async () => {
    const api = new Api({
      base: "",
      fetch: async (url) => (String(url).includes("datapoints/u%3A1") ? new Response(null, { status: 204 }) : new Response(JSON.stringify([{ name: "tiny", spec: "tiny" }]))),
    });
    expect(await api.models()).toEqual([{ name: "tiny", spec: "tiny" }]);
    expect(await api.deleteDatapoint("u:1")).toBeUndefined();
  });
});
