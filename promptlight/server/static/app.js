// src/api.ts
var ApiError = class extends Error {
	status;
	code;
	field;
	retryAfter;
	constructor(status, code, message, field = null, retryAfter = null) {
		super(message);
		this.name = "ApiError";
		this.status = status;
		this.code = code;
		this.field = field;
		this.retryAfter = retryAfter;
	}
	/** One or two sentences for the UI. */
	get readable() {
		let text = this.message;
		if (this.field && !text.includes(this.field)) text += ` (field: ${this.field})`;
		if (this.code === "busy") text += this.retryAfter ? ` Try again in ${this.retryAfter} s.` : " Try again in a moment.";
		return text;
	}
};
/** A cached-only answer: the value, or null when the server has none (404 `not_cached`). */
async function orNotCached(answer) {
	try {
		return await answer;
	} catch (err) {
		if (err instanceof ApiError && err.code === "not_cached") return null;
		throw err;
	}
}
/** A readable message for anything thrown by a call. */
function errorMessage(err) {
	if (err instanceof ApiError) return err.readable;
	if (err instanceof Error) return err.message;
	return String(err);
}
/** Parse a non-2xx response into an ApiError (pure, for tests). */
function errorFromResponse(status, statusText, body, retryAfterHeader) {
	const retryAfter = retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null;
	try {
		const parsed = JSON.parse(body);
		const env = parsed.error;
		if (env && typeof env === "object" && typeof env.message === "string") return new ApiError(status, typeof env.code === "string" ? env.code : "internal", env.message, typeof env.field === "string" ? env.field : null, retryAfter);
		const detail = parsed.detail;
		if (typeof detail === "string") return new ApiError(status, "internal", detail, null, retryAfter);
		if (Array.isArray(detail) && detail.length > 0) {
			const first = detail[0];
			const field = Array.isArray(first.loc) ? String(first.loc[first.loc.length - 1]) : null;
			return new ApiError(status, "invalid_request", first.msg ?? "Invalid request.", field, retryAfter);
		}
	} catch {}
	const snippet = body.trim().slice(0, 200);
	return new ApiError(status, status >= 500 ? "internal" : "invalid_request", `The server answered ${status} ${statusText}${snippet ? `: ${snippet}` : "."}`, null, retryAfter);
}
var Api = class {
	base;
	token;
	onActivity;
	fetchImpl;
	running = [];
	nextId = 1;
	constructor(options) {
		this.base = options.base.replace(/\/+$/, "");
		this.token = options.token;
		this.onActivity = options.onActivity;
		this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
	}
	url(path) {
		return `${this.base}${path}`;
	}
	/** One call; `label` marks it as a model call to show as running; `callId` names it (X-Promptlight-Call) for progress and cancel. */
	async request(method, path, body, label, callId) {
		const headers = { Accept: "application/json" };
		if (body !== void 0) headers["Content-Type"] = "application/json";
		if (callId) headers["X-Promptlight-Call"] = callId;
		if (this.token) headers.Authorization = `Bearer ${this.token}`;
		let activity = null;
		if (label) {
			activity = {
				id: this.nextId++,
				label,
				started: Date.now()
			};
			this.running = [...this.running, activity];
			this.onActivity?.(this.running);
		}
		try {
			let res;
			try {
				res = await this.fetchImpl(this.url(path), {
					method,
					headers,
					body: body === void 0 ? void 0 : JSON.stringify(body)
				});
			} catch (err) {
				throw new ApiError(0, "network", `Cannot reach the promptlight server at ${this.base || "this page's server"} (${err.message}). Is \`promptlight serve\` still running?`);
			}
			const text = await res.text();
			if (!res.ok) throw errorFromResponse(res.status, res.statusText, text, res.headers.get("Retry-After"));
			if (res.status === 204 || text === "") return void 0;
			try {
				return JSON.parse(text);
			} catch {
				throw new ApiError(res.status, "internal", `The server sent something that is not JSON for ${method} ${path}.`);
			}
		} finally {
			if (activity) {
				const id = activity.id;
				this.running = this.running.filter((a) => a.id !== id);
				this.onActivity?.(this.running);
			}
		}
	}
	health() {
		return this.request("GET", "/api/health");
	}
	methods() {
		return this.request("GET", "/api/methods");
	}
	granularities() {
		return this.request("GET", "/api/granularities");
	}
	models() {
		return this.request("GET", "/api/models");
	}
	/** What the server may load on request (`serve --model-dirs`). */
	modelFiles() {
		return this.request("GET", "/api/model-files");
	}
	/** Load the listed model `id` (the answer's `state` is "loading"; /api/health says when it is ready). */
	addModel(id) {
		return this.request("POST", "/api/models", { file: id }, `Loading ${id}`);
	}
	datasets() {
		return this.request("GET", "/api/datasets");
	}
	examples(dataset) {
		const q = dataset ? `?dataset=${encodeURIComponent(dataset)}` : "";
		return this.request("GET", `/api/examples${q}`);
	}
	datapoint(id) {
		return this.request("GET", `/api/datapoints/${encodeURIComponent(id)}`);
	}
	/** Add a dataset file's rows as datapoints (read by the server's loaders, all rows or none). */
	uploadDataset(filename, content) {
		return this.request("POST", "/api/datasets", {
			filename,
			content
		}, `Adding ${filename}`);
	}
	createDatapoint(d) {
		return this.request("POST", "/api/datapoints", d);
	}
	updateDatapoint(id, d) {
		return this.request("PUT", `/api/datapoints/${encodeURIComponent(id)}`, d);
	}
	deleteDatapoint(id) {
		return this.request("DELETE", `/api/datapoints/${encodeURIComponent(id)}`);
	}
	/** Continue `input`: `{ prompt }` text or `{ messages }` for the model's chat template. */
	generate(model, input, settings, callId) {
		return this.request("POST", "/api/generate", {
			model,
			...input,
			...settings
		}, `Generating with ${model}`, callId);
	}
	salience(req, callId) {
		return this.request("POST", "/api/salience", req, `Salience (${req.method}) on ${req.model}`, callId);
	}
	/** The server's cached generation for this request, or null: nothing is computed (`cached_only`). */
	cachedGeneration(model, input, settings) {
		return orNotCached(this.request("POST", "/api/generate?cached_only=true", {
			model,
			...input,
			...settings
		}));
	}
	/** The server's cached salience result for this request, or null: nothing is computed (`cached_only`). */
	cachedSalience(req) {
		return orNotCached(this.request("POST", "/api/salience?cached_only=true", req));
	}
	/**
	* `req` answered from the record of the server's cached run over `answerFrom` (same request, that
	* target_span): no model call. Null when the server has no such run or its record cannot answer.
	*/
	async salienceFromRecord(req, answerFrom) {
		try {
			return await this.request("POST", "/api/salience", {
				...req,
				answer_from: answerFrom
			});
		} catch (err) {
			if (err instanceof ApiError && (err.code === "not_cached" || err.status === 422)) return null;
			throw err;
		}
	}
	/** Progress of the model call named `callId`. */
	callProgress(callId) {
		return this.request("GET", `/api/calls/${encodeURIComponent(callId)}`);
	}
	/** Stop the model call named `callId` (its request then fails with code "cancelled"). */
	cancelCall(callId) {
		return this.request("POST", `/api/calls/${encodeURIComponent(callId)}/cancel`);
	}
};
// src/text.ts
/**
* Code points (Python `str` offsets) <-> UTF-16 indices (JavaScript string offsets).
*
* The server counts characters in code points: "😀" is 1 character in Python and 2 UTF-16
* units in JavaScript. Every offset that crosses the API boundary goes through here.
* Offsets are positions *between* characters, so a string of n code points has n + 1 of them.
*/
function isHighSurrogate(unit) {
	return unit >= 55296 && unit <= 56319;
}
function isLowSurrogate(unit) {
	return unit >= 56320 && unit <= 57343;
}
/** Number of code points of `s` (Python's `len(s)`). A lone surrogate counts as one. */
function cpLength(s) {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		if (isHighSurrogate(s.charCodeAt(i)) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) i++;
		n++;
	}
	return n;
}
/**
* A precomputed two-way map between code-point offsets and UTF-16 indices of one string.
* Build it once per text and convert many offsets in O(1) (code point -> UTF-16) or
* O(log n) (UTF-16 -> code point).
*/
var OffsetMap = class {
	text;
	/** `utf16Of[cp]` is the UTF-16 index of code-point offset `cp`, for `cp` in `0..length`. */
	utf16Of;
	constructor(text) {
		this.text = text;
		const starts = [];
		for (let i = 0; i < text.length; i++) {
			starts.push(i);
			if (isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) i++;
		}
		starts.push(text.length);
		this.utf16Of = Uint32Array.from(starts);
	}
	/** Number of code points. */
	get length() {
		return this.utf16Of.length - 1;
	}
	/** UTF-16 index of code-point offset `cp`. Throws a RangeError outside `0..length`. */
	toUtf16(cp) {
		if (!Number.isInteger(cp) || cp < 0 || cp > this.length) throw new RangeError(`Code-point offset ${cp} is outside 0..${this.length} of a ${this.length}-character text.`);
		return this.utf16Of[cp];
	}
	/**
	* Code-point offset of UTF-16 index `i`. An index inside a surrogate pair (between the two
	* halves of an emoji) rounds down to the start of that character.
	*/
	toCp(i) {
		if (!Number.isInteger(i) || i < 0 || i > this.text.length) throw new RangeError(`UTF-16 index ${i} is outside 0..${this.text.length}.`);
		let lo = 0;
		let hi = this.length;
		while (lo < hi) {
			const mid = lo + hi + 1 >> 1;
			if (this.utf16Of[mid] <= i) lo = mid;
			else hi = mid - 1;
		}
		return lo;
	}
	/** `text[start:end]` in Python terms: slice by code-point offsets. */
	slice(start, end) {
		return this.text.slice(this.toUtf16(start), this.toUtf16(end));
	}
};
/** `s[start:end]` with Python (code-point) offsets. */
function sliceCp(s, start, end) {
	return new OffsetMap(s).slice(start, end);
}
/**
* Python's `str.isspace()` for one code point. It differs from JavaScript's `\s`: Python
* counts U+001C..U+001F and U+0085 as whitespace, JavaScript counts U+FEFF.
*/
function isPySpace(codePoint) {
	return codePoint >= 9 && codePoint <= 13 || codePoint >= 28 && codePoint <= 32 || codePoint === 133 || codePoint === 160 || codePoint === 5760 || codePoint >= 8192 && codePoint <= 8202 || codePoint === 8232 || codePoint === 8233 || codePoint === 8239 || codePoint === 8287 || codePoint === 12288;
}
/** The code points of `s` as numbers (index = code-point offset). */
function codePoints(s) {
	const out = [];
	for (const ch of s) out.push(ch.codePointAt(0));
	return out;
}
// src/estimate.ts
/** What integrated gradients' steps="auto" usually takes: 16 then 32 steps. */
var AUTO_IG_STEPS = 48;
var num = (v, fallback) => typeof v === "number" && Number.isFinite(v) ? v : fallback;
/**
* The passes a call of `method` with `options` (defaults filled in) makes over a prompt of
* `segments` segments at the chosen granularity; null for a method this table does not know.
*/
function passesPlanned(method, options, segments) {
	switch (method) {
		case "grad_l2":
		case "grad_dot_input": return {
			kind: "gradient",
			passes: 1,
			unit: "gradient pass"
		};
		case "integrated_gradients": return {
			kind: "gradient",
			passes: options.steps === "auto" ? AUTO_IG_STEPS : num(options.steps, 32),
			unit: "path steps"
		};
		case "occlusion": return {
			kind: "forward",
			passes: segments + 1,
			unit: "forward passes"
		};
		case "kernel_shap": return {
			kind: "forward",
			passes: Math.min(num(options.samples, 64), Math.max(2 ** Math.min(segments, 30) - 2, 0)) + 2,
			unit: "forward passes"
		};
		case "lime": return {
			kind: "forward",
			passes: num(options.samples, 64) + 1,
			unit: "forward passes"
		};
		case "context_cite": return {
			kind: "forward",
			passes: num(options.samples, 64) + num(options.holdout, 16) + 1,
			unit: "forward passes"
		};
		default: return null;
	}
}
/** The passes a finished result of `method` made (its own report where it gives one), or null. */
function passesDone(result, method) {
	const meta = result.methods[method];
	if (!meta) return null;
	if (method === "integrated_gradients") {
		const tries = Array.isArray(meta.tries) ? meta.tries : [];
		const steps = tries.length ? tries.reduce((sum, t) => sum + num(t.steps, 0), 0) : num(meta.steps, 0);
		return steps > 0 ? {
			kind: "gradient",
			passes: steps,
			unit: "path steps"
		} : null;
	}
	if (typeof meta.forward_passes === "number") return {
		kind: "forward",
		passes: meta.forward_passes,
		unit: "forward passes"
	};
	if (typeof meta.segments_scored === "number") return {
		kind: "forward",
		passes: meta.segments_scored + 1,
		unit: "forward passes"
	};
	if (meta.level === "tokens") return {
		kind: "gradient",
		passes: 1,
		unit: "gradient pass"
	};
	return null;
}
/** Seconds per pass, learned from finished calls: by model and method, and by model and kind. */
var PassRates = class {
	rates = /* @__PURE__ */ new Map();
	/** A call of `method` on `model` that made `work` took `seconds` (a cached answer teaches nothing). */
	learn(model, method, work, seconds) {
		if (!(work.passes > 0) || !(seconds > 0)) return;
		const rate = seconds / work.passes;
		this.rates.set(`${model}|${method}`, rate);
		this.rates.set(`${model}|${work.kind}`, rate);
	}
	/** The expected seconds of `work` by `method` on `model`, and what it is based on; null when nothing is known. */
	estimate(model, method, work) {
		const own = this.rates.get(`${model}|${method}`);
		if (own !== void 0) return {
			seconds: own * work.passes,
			basis: `${fmt(own)} per ${singular(work.unit)} when ${method} last ran on this model`
		};
		const kind = work.kind === "forward" ? this.rates.get(`${model}|forward`) : void 0;
		if (kind !== void 0) return {
			seconds: kind * work.passes,
			basis: `${fmt(kind)} per forward pass, from another perturbation method on this model`
		};
		return null;
	}
};
function fmt(seconds) {
	return seconds >= 1 ? `${seconds.toFixed(1)} s` : `${Math.max(1, Math.round(seconds * 1e3))} ms`;
}
function singular(unit) {
	return unit.replace(/passes$/, "pass").replace(/steps$/, "step");
}
/** "about 40 s", "about 2 min": an estimate as a person reads it. */
function aboutSeconds(seconds) {
	if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
	return `about ${Math.round(seconds / 60)} min`;
}
// src/types.ts
var DEFAULT_GENERATION = {
	max_new_tokens: 64,
	temperature: 0,
	top_p: 1,
	top_k: 0,
	seed: 0,
	stop: []
};
var ROLES$1 = [
	"system",
	"user",
	"assistant"
];
/** The messages a datapoint carries in `fields.messages` (a chat row), or null. */
function messagesOf(d) {
	const raw = d.fields?.messages;
	if (!Array.isArray(raw) || raw.length === 0) return null;
	const out = [];
	for (const m of raw) {
		if (!m || typeof m !== "object") return null;
		const { role, content } = m;
		if (typeof role !== "string" || !ROLES$1.includes(role) || typeof content !== "string") return null;
		out.push({
			role,
			content
		});
	}
	return out;
}
/**
* The stop strings a datapoint suggests for generating from it (its `fields.stop`: a string or
* a list of strings, as Python's `Example.stop`); [] when none or malformed. A few-shot prompt
* carries "\n\n", so generation ends with its answer. Used when the settings give none.
*/
function datasetStop(d) {
	const raw = d.fields?.stop;
	const items = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
	return items.every((s) => typeof s === "string" && s !== "") ? items : [];
}
/** Stop strings as the settings field writes them: comma-separated, a newline as \n, a tab as \t. */
function stopText(stop) {
	return stop.map((x) => x.replace(/\n/g, "\\n").replace(/\t/g, "\\t")).join(", ");
}
/**
* What a datapoint asks the model to explain: its target, or for a chat whose last message is
* the assistant's (and no target of its own), that reply.
*/
function datasetTarget(d) {
	const messages = messagesOf(d);
	const last = messages?.[messages.length - 1];
	return !d.target && last?.role === "assistant" ? last.content : d.target;
}
/** A chat's messages as the model reads them before the reply: a trailing assistant message used as the target is left out. */
function promptMessages(d) {
	const messages = messagesOf(d);
	if (!messages) return null;
	const last = messages[messages.length - 1];
	return !d.target && last.role === "assistant" && messages.length > 1 ? messages.slice(0, -1) : messages;
}
/** The plain-text view of a chat that a chat datapoint keeps as its `prompt` (as promptlight.chat.preview writes it). */
function chatPreview(messages) {
	return messages.map((m) => `${m.role}: ${m.content}`).join("\n\n");
}
/** The four methods, used until `/api/methods` answers (and if it cannot). */
var FALLBACK_METHODS = [
	{
		name: "grad_l2",
		signed: false,
		level: "tokens",
		description: "Gradient L2 norm: how strongly each token's embedding moves f. Unsigned."
	},
	{
		name: "grad_dot_input",
		signed: true,
		level: "tokens",
		description: "Gradient · input: signed first-order effect of each token on f."
	},
	{
		name: "integrated_gradients",
		signed: true,
		level: "tokens",
		description: "Integrated gradients from a zero baseline; sums to f(input) − f(baseline) up to the completeness gap."
	},
	{
		name: "occlusion",
		signed: true,
		level: "segments",
		description: "Leave one segment out: f(full) − f(without the segment). Computed per granularity."
	}
];
var BASE_GRANULARITIES = [
	"tokens",
	"words",
	"sentences",
	"lines",
	"paragraphs"
];
// src/align.ts
/**
* The compare view's second pane follows the first one's selection: given the text pane A
* explains, the span selected in it, and the text pane B explains, find the span of B that
* answers the same question. Three rules, in order:
*
* 1. "text": B contains A's selected text exactly: its first occurrence.
* 2. "label": A's selection starts at the beginning of a line (only whitespace before it on
*    that line), stays on that line, and the line starts with a label (`LABEL_RE`, e.g.
*    `Recommendation:`): B's first line starting with the same label, to the end of that line
*    (trailing whitespace left out, as a selection made by hand leaves it out). Its start
*    matches how much of A's line was selected: the whole line (extent "line") when A's
*    selection took the line's leading whitespace too, else from the label (extent "label").
*    Without leading whitespace the two are the same.
* 3. "none": the whole of B's text (span null), as without a selection.
*
* Offsets are code points relative to each text (what the API counts); see text.ts.
*/
/** A line that starts with a label: optional whitespace, 1-40 word characters, spaces or hyphens, a colon. */
var LABEL_RE = /^\s*[\w -]{1,40}:/;
var NONE = {
	rule: "none",
	span: null
};
/** The label a line starts with ("Recommendation:"), or null. A label needs a word character. */
function lineLabel(line) {
	const m = LABEL_RE.exec(line);
	if (!m) return null;
	const label = m[0].trim();
	return /\w/.test(label) ? label : null;
}
/** UTF-16 index just past the last non-whitespace (Python's idea of it) character in s[from:to]. */
function trimmedEnd(s, from, to) {
	let end = to;
	while (end > from && isPySpace(s.charCodeAt(end - 1))) end--;
	return end;
}
/** [start, end) UTF-16 indices of the line of `s` holding index `i` (end before its "\n"). */
function lineAt(s, i) {
	const start = i === 0 ? 0 : s.lastIndexOf("\n", i - 1) + 1;
	const nl = s.indexOf("\n", i);
	return [start, nl < 0 ? s.length : nl];
}
/**
* The span of `textB` that corresponds to `spanA` in `textA` (both code-point offsets), and
* which rule found it. A span that does not fit `textA`, or is empty, matches nothing.
*/
function alignSpan(textA, spanA, textB) {
	const mapA = new OffsetMap(textA);
	const [s, e] = spanA;
	if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > mapA.length || s >= e) return NONE;
	const a0 = mapA.toUtf16(s);
	const a1 = mapA.toUtf16(e);
	const selected = textA.slice(a0, a1);
	const mapB = new OffsetMap(textB);
	const at = textB.indexOf(selected);
	if (at >= 0) return {
		rule: "text",
		span: [mapB.toCp(at), mapB.toCp(at + selected.length)]
	};
	const [lineStart, lineEnd] = lineAt(textA, a0);
	if (a1 > lineEnd) return NONE;
	const line = textA.slice(lineStart, lineEnd);
	const label = lineLabel(line);
	if (label === null) return NONE;
	const labelStart = lineStart + line.indexOf(label);
	if (a0 > labelStart) return NONE;
	const extent = a0 < labelStart ? "line" : "label";
	for (let b0 = 0; b0 <= textB.length;) {
		const nl = textB.indexOf("\n", b0);
		const b1 = nl < 0 ? textB.length : nl;
		const lineB = textB.slice(b0, b1);
		if (lineLabel(lineB) === label) {
			const start = extent === "line" ? b0 : b0 + lineB.indexOf(label);
			const end = trimmedEnd(textB, start, b1);
			if (end > start) return {
				rule: "label",
				span: [mapB.toCp(start), mapB.toCp(end)],
				label,
				extent
			};
		}
		if (nl < 0) break;
		b0 = nl + 1;
	}
	return NONE;
}
/** How pane B's span was found, for the note in pane B: `what` is "output" or "target". */
function alignmentNote(a, what = "output") {
	if (a.rule === "text") return "same text";
	if (a.rule === "label") return `same label '${a.label ?? ""}'`;
	return `whole ${what} — no matching span`;
}
// src/selection.ts
/**
* Selecting the span of the target to explain.
*
* The target is cut into units (a word with its trailing whitespace; leading whitespace is a
* unit of its own). A selection is an anchor unit and a focus unit: a click sets both, a drag
* moves the focus, shift-click moves the focus from the kept anchor. The selected character
* span runs from the first selected unit's start to the last selected unit's last
* non-whitespace character, in code points relative to the target (what
* `POST /api/salience`'s `target_span` wants).
*/
/** Cut `text` into word units that cover it exactly (code-point offsets). */
function wordUnits(text) {
	const cps = codePoints(text);
	const units = [];
	let i = 0;
	if (cps.length > 0 && isPySpace(cps[0])) {
		while (i < cps.length && isPySpace(cps[i])) i++;
		units.push({
			start: 0,
			end: i
		});
	}
	while (i < cps.length) {
		const start = i;
		while (i < cps.length && !isPySpace(cps[i])) i++;
		while (i < cps.length && isPySpace(cps[i])) i++;
		units.push({
			start,
			end: i
		});
	}
	return units;
}
/** Pointer down on unit `i`: a new selection, or (with shift) extend the current one. */
function pointerDown(sel, i, shift) {
	if (shift && sel) return {
		anchor: sel.anchor,
		focus: i,
		dragging: true
	};
	return {
		anchor: i,
		focus: i,
		dragging: true
	};
}
/** Pointer moved over unit `i`: while dragging, the focus follows. */
function pointerMove(sel, i) {
	if (!sel || !sel.dragging || sel.focus === i) return sel;
	return {
		...sel,
		focus: i
	};
}
/** Pointer released: the selection is final. */
function pointerUp(sel) {
	return sel && sel.dragging ? {
		...sel,
		dragging: false
	} : sel;
}
/** Keyboard: move (or with shift, extend) the focus by `delta` units, clamped. */
function keyMove(sel, delta, shift, count) {
	if (count === 0) return null;
	const from = sel ? sel.focus : delta > 0 ? -1 : count;
	const to = Math.min(count - 1, Math.max(0, from + delta));
	if (shift && sel) return {
		anchor: sel.anchor,
		focus: to,
		dragging: false
	};
	return {
		anchor: to,
		focus: to,
		dragging: false
	};
}
/** Select all units. */
function selectAll(count) {
	return count === 0 ? null : {
		anchor: 0,
		focus: count - 1,
		dragging: false
	};
}
/** The units of the line holding unit `i` (for double-click). */
function lineSelection(text, units, i) {
	const cps = codePoints(text);
	const endsLine = (u) => cps.slice(u.start, u.end).includes(10);
	let a = i;
	while (a > 0 && !endsLine(units[a - 1])) a--;
	let b = i;
	while (b < units.length - 1 && !endsLine(units[b])) b++;
	return {
		anchor: a,
		focus: b,
		dragging: false
	};
}
/** Lowest and highest selected unit. */
function selectedRange(sel) {
	return sel.anchor <= sel.focus ? [sel.anchor, sel.focus] : [sel.focus, sel.anchor];
}
/**
* The character span (code points, relative to the target) of a selection, with trailing
* whitespace trimmed; `null` if it selects only whitespace.
*/
function spanOf(text, units, sel) {
	if (!sel || units.length === 0) return null;
	const [a, b] = selectedRange(sel);
	const cps = codePoints(text);
	const start = units[Math.max(0, a)].start;
	let end = units[Math.min(units.length - 1, b)].end;
	while (end > start && isPySpace(cps[end - 1])) end--;
	let s = start;
	while (s < end && isPySpace(cps[s])) s++;
	return s < end ? [s, end] : null;
}
/** True if the span covers all the target's non-whitespace text (the same as no span). */
function isWholeTarget(text, span) {
	if (span === null) return true;
	const cps = codePoints(text);
	let first = 0;
	while (first < cps.length && isPySpace(cps[first])) first++;
	let last = cps.length;
	while (last > first && isPySpace(cps[last - 1])) last--;
	return span[0] <= first && span[1] >= last;
}
/** The selection of units overlapping `span` (to restore a span from the URL); null if none. */
function selectionFromSpan(units, span) {
	if (!span) return null;
	const hit = units.map((u, i) => u.start < span[1] && span[0] < u.end ? i : -1).filter((i) => i >= 0);
	if (hit.length === 0) return null;
	return {
		anchor: hit[0],
		focus: hit[hit.length - 1],
		dragging: false
	};
}
// src/dom.ts
function h(tag, p = null, ...children) {
	const el = document.createElement(tag);
	if (p) {
		if (p.class) el.className = p.class;
		if (p.attrs) for (const [k, v] of Object.entries(p.attrs)) {
			if (v === false || v === null || v === void 0) continue;
			el.setAttribute(k, v === true ? "" : String(v));
		}
		if (p.style) for (const [k, v] of Object.entries(p.style)) el.style.setProperty(k, v);
		if (p.props) Object.assign(el, p.props);
		if (p.on) for (const [k, fn] of Object.entries(p.on)) el.addEventListener(k, fn);
	}
	append(el, ...children);
	return el;
}
function append(el, ...children) {
	for (const c of children) {
		if (c === null || c === void 0 || c === false) continue;
		el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
	}
}
/** Replace all children of `el`. */
function replace(el, ...children) {
	while (el.firstChild) el.removeChild(el.firstChild);
	append(el, ...children);
}
/** Offer `content` as a file download. */
function download(filename, content, type) {
	const url = URL.createObjectURL(new Blob([content], { type }));
	const a = h("a", {
		attrs: {
			href: url,
			download: filename
		},
		style: { display: "none" }
	});
	document.body.appendChild(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1e3);
}
var uid = 0;
/** A page-unique id for label/aria wiring (several apps may be mounted on one page). */
function uniqueId(prefix) {
	uid += 1;
	return `pl-${prefix}-${uid}`;
}
/** A short one-line preview of a long text. */
function preview(text, max = 90) {
	const flat = text.replace(/\s+/g, " ").trim();
	const chars = [...flat];
	return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : flat;
}
// src/aggregate.ts
/**
* Token scores -> segment scores, exactly as docs/result-schema.md says:
*
* - each token belongs to the segment holding its first non-whitespace character;
* - a whitespace-only token belongs to the segment holding its `start`;
* - an empty token (a byte-fallback piece completing the previous token's character) belongs
*   to the segment of the token before it; an empty first token (BOS) to the first segment;
* - a segment's score is the sum of its tokens' non-null scores, `null` if it has none.
*
* Also the custom-regex granularity, computed here in JavaScript with the rule Python uses:
* every match is a segment, every gap between matches is a segment, empty matches are ignored.
* All offsets are code points into the result's `text`.
*/
/**
* Index of the segment holding code-point position `pos`: the last segment starting at or
* before it (so an empty segment never wins over the non-empty one starting at the same
* place, and `pos == len(text)` falls in the last segment).
*/
function segmentAt(segments, pos) {
	if (segments.length === 0) return -1;
	let lo = 0;
	let hi = segments.length - 1;
	while (lo < hi) {
		const mid = lo + hi + 1 >> 1;
		if (segments[mid][0] <= pos) lo = mid;
		else hi = mid - 1;
	}
	return lo;
}
/** The code-point position that decides a token's segment (see the module docstring). */
function anchorOf(cps, token) {
	for (let i = token.start; i < token.end && i < cps.length; i++) if (!isPySpace(cps[i])) return i;
	return token.start;
}
/** For each token, the index of the segment it belongs to. */
function assignTokens(text, tokens, segments) {
	const cps = codePoints(text);
	const owners = [];
	for (const t of tokens) if (t.start === t.end && owners.length > 0) owners.push(owners[owners.length - 1]);
	else owners.push(segmentAt(segments, anchorOf(cps, t)));
	return owners;
}
/** Segment scores: the sum of each segment's tokens' non-null scores, `null` if none is scored. */
function aggregate(text, tokens, scores, segments, options = {}) {
	const owner = assignTokens(text, tokens, segments);
	const out = segments.map(() => null);
	tokens.forEach((tok, i) => {
		const v = scores[i];
		if (v === null || v === void 0 || Number.isNaN(v)) return;
		if (options.skipSpecial && tok.special) return;
		const k = owner[i];
		if (k < 0) return;
		out[k] = (out[k] ?? 0) + v;
	});
	return out;
}
/** `segments` with every one that strictly contains a position of `cuts` split there. */
function splitAt(segments, cuts) {
	const points = [...new Set(cuts)].sort((a, b) => a - b);
	const out = [];
	for (const [s, e] of segments) {
		let start = s;
		for (const c of points) {
			if (c <= start) continue;
			if (c >= e) break;
			out.push([start, c]);
			start = c;
		}
		out.push([start, e]);
	}
	return out;
}
/** Positions no segment of a result crosses: the prompt's end and every chat message's edges. */
function resultCuts(result) {
	const n = codePoints(result.text).length;
	const points = /* @__PURE__ */ new Set([result.prompt_span[1]]);
	for (const m of result.messages ?? []) {
		points.add(m.start);
		points.add(m.end);
	}
	return [...points].filter((p) => p > 0 && p < n).sort((a, b) => a - b);
}
/** A regex granularity name: `regex:<pattern>`. */
var REGEX_PREFIX = "regex:";
function isRegexGranularity(granularity) {
	return granularity.startsWith(REGEX_PREFIX);
}
/**
* Segments of `text` for a JavaScript regular expression (code-point offsets).
*
* Every non-empty match is a segment and so is every gap between matches, so the segments
* partition the text. The pattern uses JavaScript syntax with the `u` flag (not Python's
* `re`); an invalid pattern throws an Error that says so.
*/
function regexSegments(text, pattern) {
	if (pattern === "") throw new Error("The custom pattern is empty: type a JavaScript regular expression, e.g. [^.!?]+[.!?]\\s*");
	let re;
	try {
		re = new RegExp(pattern, "gu");
	} catch (err) {
		throw new Error(`Invalid JavaScript regular expression /${pattern}/: ${err.message}`);
	}
	const map = new OffsetMap(text);
	const out = [];
	let pos = 0;
	for (const m of text.matchAll(re)) {
		const start = m.index ?? 0;
		const end = start + m[0].length;
		if (end === start) continue;
		if (start > pos) out.push([map.toCp(pos), map.toCp(start)]);
		out.push([map.toCp(start), map.toCp(end)]);
		pos = end;
	}
	if (pos < text.length) out.push([map.toCp(pos), map.toCp(text.length)]);
	return out;
}
// src/colour.ts
/** Colour stops at t = 0, 0.5, 1 of each ramp. */
var NEUTRAL = [
	247,
	247,
	247
];
var RAMPS = {
	positive: [
		NEUTRAL,
		[
			244,
			165,
			130
		],
		[
			178,
			24,
			43
		]
	],
	negative: [
		NEUTRAL,
		[
			146,
			197,
			222
		],
		[
			33,
			102,
			172
		]
	],
	sequential: [
		[
			255,
			255,
			255
		],
		[
			188,
			189,
			220
		],
		[
			84,
			39,
			143
		]
	]
};
/** max |v| over the finite numbers in `values`; 0 if there are none. */
function maxAbs(values) {
	let m = 0;
	for (const v of values) {
		if (v === null || v === void 0 || !Number.isFinite(v)) continue;
		m = Math.max(m, Math.abs(v));
	}
	return m;
}
/** `v / maxAbs * gain`, clipped to [-1, 1] ([0, 1] for unsigned scales); 0 when maxAbs is 0. */
function normalise(v, scale) {
	if (!(scale.maxAbs > 0) || !Number.isFinite(v)) return 0;
	const t = v / scale.maxAbs * scale.gain;
	const lo = scale.signed ? -1 : 0;
	return Math.min(1, Math.max(lo, t));
}
function lerp(a, b, t) {
	return [
		0,
		1,
		2
	].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}
/** Colour of a ramp (3 stops) at `t` in [0, 1]. */
function rampAt(ramp, t) {
	const x = Math.min(1, Math.max(0, t));
	return x <= .5 ? lerp(ramp[0], ramp[1], x * 2) : lerp(ramp[1], ramp[2], (x - .5) * 2);
}
/** Colour of a normalised value `n` (in [-1, 1] signed, [0, 1] unsigned). */
function colourOfNormalised(n, signed) {
	if (!signed) return rampAt(RAMPS.sequential, n);
	return n >= 0 ? rampAt(RAMPS.positive, n) : rampAt(RAMPS.negative, -n);
}
function css(rgb) {
	return `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
}
/** Background colour for a score, or `null` (no colour) for an unscored segment. */
function colourFor(v, scale) {
	if (v === null || v === void 0 || !Number.isFinite(v)) return null;
	return css(colourOfNormalised(normalise(v, scale), scale.signed));
}
/** Relative luminance (WCAG) of an sRGB colour. */
function luminance(rgb) {
	const lin = rgb.map((c) => {
		const s = c / 255;
		return s <= .03928 ? s / 12.92 : ((s + .055) / 1.055) ** 2.4;
	});
	return .2126 * lin[0] + .7152 * lin[1] + .0722 * lin[2];
}
/** Text colour readable on `bg`: near-black on light backgrounds, white on dark ones. */
function textColourOn(bg) {
	const l = luminance(bg);
	return (l + .05) / (.0103 + .05) >= 1.05 / (l + .05) ? "#1a1a1a" : "#ffffff";
}
/** Both colours for a score, `null` when unscored. */
function styleFor(v, scale) {
	if (v === null || v === void 0 || !Number.isFinite(v)) return null;
	const rgb = colourOfNormalised(normalise(v, scale), scale.signed);
	return {
		background: css(rgb),
		color: textColourOn(rgb)
	};
}
/** CSS `linear-gradient(...)` of the legend bar, left = lowest value. */
function legendGradient(signed, steps = 10) {
	const stops = [];
	for (let i = 0; i <= steps; i++) {
		const t = i / steps;
		const rgb = signed ? colourOfNormalised(t * 2 - 1, true) : colourOfNormalised(t, false);
		stops.push(`${css(rgb)} ${Math.round(t * 100)}%`);
	}
	return `linear-gradient(to right, ${stops.join(", ")})`;
}
/** The legend's end labels: the scores that reach full colour at this gain. */
function legendRange(scale) {
	const full = scale.maxAbs > 0 ? scale.maxAbs / scale.gain : 0;
	return {
		low: scale.signed ? -full : 0,
		high: full
	};
}
/** Intensity slider position (-2..2, log2 of the gain) -> gain. */
function gainOfSlider(position) {
	return 2 ** position;
}
// src/salience.ts
/**
* What to draw for a salience result: the text cut into pieces with their scores and colours,
* at any granularity and for any method the result carries, without asking the server.
*
* Shared by the heatmap in the app and the HTML report, so both show the same numbers.
* Special tokens (BOS) are drawn as their own piece and kept out of the segment sums and,
* unless `includeBos`, out of the colour scale (BOS otherwise dominates it).
*/
/** Whether `[start, end)` of a chat result's prompt holds no character of any message's content. */
function isTemplateText(result, start, end) {
	const messages = result.messages ?? [];
	if (!messages.length || start >= result.prompt_span[1]) return false;
	return !messages.some((m) => start < m.end && m.start < end);
}
/** The granularity's segments of the result's text; the regex ones computed here in JavaScript. */
function boundariesOf(result, granularity) {
	if (isRegexGranularity(granularity)) return splitAt(regexSegments(result.text, granularity.slice(REGEX_PREFIX.length)), resultCuts(result));
	const b = result.boundaries[granularity];
	if (!b) {
		const known = Object.keys(result.boundaries).join(", ");
		throw new Error(`This result has no '${granularity}' segments. Available: ${known}.`);
	}
	return b;
}
function specialLabel(index, text) {
	if (text.trim()) return text;
	return index === 0 ? "BOS" : "special";
}
/** Cut `result.text` into pieces for `options`, with scores, the scale and the ranking. */
function buildDisplay(result, options) {
	const { method } = options;
	const gain = options.gain ?? 1;
	const map = new OffsetMap(result.text);
	const promptEnd = result.prompt_span[1];
	const [selStart, selEnd] = result.selected_span;
	const meta = result.methods[method];
	const signed = meta ? meta.signed : method !== "grad_l2";
	let granularityError = null;
	let segments;
	let granularity = options.granularity;
	try {
		segments = boundariesOf(result, granularity);
	} catch (err) {
		granularityError = err.message;
		granularity = "words" in result.boundaries ? "words" : "tokens";
		segments = result.boundaries[granularity] ?? [[0, map.length]];
	}
	let values = segments.map(() => null);
	let notice = null;
	let needsRun = false;
	const perSegment = result.segment_scores?.[method];
	if (!meta) {
		needsRun = true;
		notice = `This result has no ${method} scores (it has ${Object.keys(result.methods).join(", ")}). Run salience to compute them.`;
	} else if (perSegment) {
		if (perSegment.granularity === options.granularity && !granularityError) {
			segments = result.boundaries[perSegment.granularity] ?? segments;
			values = segments.map((_, k) => perSegment.values[k] ?? null);
		} else {
			needsRun = true;
			notice = `${method} is computed per granularity: these scores are for ${perSegment.granularity}. Run salience again to leave out ${options.granularity} instead.`;
		}
	} else {
		const scores = result.tokens.map((t) => t.scores[method] ?? null);
		values = aggregate(result.text, result.tokens, scores, segments, { skipSpecial: true });
	}
	const estimatedList = perSegment && !needsRun && Array.isArray(meta?.estimated_segments) ? meta.estimated_segments : [];
	const estimated = new Set(estimatedList);
	const pieces = [];
	const specials = result.tokens.map((t, i) => ({
		t,
		i
	})).filter(({ t }) => t.special).map(({ t, i }) => ({
		pos: t.start,
		index: i,
		label: specialLabel(i, t.text),
		score: needsRun ? null : t.scores[method] ?? null
	}));
	let nextSpecial = 0;
	const pushSpecialsUpTo = (pos) => {
		while (nextSpecial < specials.length && specials[nextSpecial].pos <= pos) {
			const s = specials[nextSpecial++];
			const inPrompt = s.pos < promptEnd || s.pos === 0 && promptEnd === 0;
			pieces.push({
				start: s.pos,
				end: s.pos,
				text: s.label,
				region: "special",
				score: s.score,
				segment: -1,
				selected: false,
				onScale: inPrompt && !!options.includeBos && s.score !== null
			});
		}
	};
	segments.forEach(([s, e], k) => {
		const cuts = /* @__PURE__ */ new Set([s, e]);
		for (const c of [
			promptEnd,
			selStart,
			selEnd
		]) if (c > s && c < e) cuts.add(c);
		const points = [...cuts].sort((a, b) => a - b);
		for (let j = 0; j + 1 < points.length; j++) {
			const a = points[j];
			const b = points[j + 1];
			pushSpecialsUpTo(a);
			const inPrompt = b <= promptEnd;
			const template = inPrompt && isTemplateText(result, a, b);
			pieces.push({
				start: a,
				end: b,
				text: map.slice(a, b),
				region: inPrompt ? "prompt" : "target",
				score: inPrompt ? values[k] : null,
				segment: k,
				selected: a >= selStart && b <= selEnd && a < b,
				onScale: inPrompt && values[k] !== null && (!template || !!options.includeBos),
				template,
				...inPrompt && estimated.has(k) ? { estimated: true } : {}
			});
		}
	});
	pushSpecialsUpTo(Number.POSITIVE_INFINITY);
	const own = maxAbs(pieces.filter((p) => p.onScale).map((p) => p.score));
	const scale = {
		signed,
		maxAbs: options.maxAbs !== void 0 && options.maxAbs > 0 ? Math.max(options.maxAbs, own) : own,
		gain
	};
	const ranked = [];
	segments.forEach(([s, e], k) => {
		const v = values[k];
		if (v === null || s >= promptEnd) return;
		const end = Math.min(e, promptEnd);
		if (isTemplateText(result, s, end) && !options.includeBos) return;
		ranked.push({
			segment: k,
			start: s,
			end,
			text: map.slice(s, end),
			score: v
		});
	});
	ranked.sort((x, y) => Math.abs(y.score) - Math.abs(x.score) || x.start - y.start);
	return {
		pieces,
		scale,
		signed,
		ranked,
		notice,
		needsRun,
		granularityError
	};
}
/**
* The objective in words, for the panel and the report: the record's own sentence, as the
* server wrote it. For an unsigned method (`method`'s scores are magnitudes) the sentence's
* sign clause ("a positive score means ...") would mislead, so it says what the numbers mean instead.
*/
function describeObjective(result, method) {
	if (!(method !== void 0 && result.methods[method]?.signed === false)) return result.objective;
	const cut = result.objective.search(/; (a )?positive( score)?( =| means)/);
	return `${cut >= 0 ? result.objective.slice(0, cut) : result.objective.replace(/\.$/, "")}; ${method} is unsigned: a larger score means that part of the prompt moves f more, in either direction.`;
}
/** Short human form of a score. */
function formatScore(v) {
	if (v === null || v === void 0 || !Number.isFinite(v)) return "—";
	if (v === 0) return "0";
	const a = Math.abs(v);
	const sign = v < 0 ? "−" : "";
	if (a >= 1e3 || a < .001) return sign + a.toExponential(2);
	if (a >= 100) return sign + a.toFixed(1);
	if (a >= 1) return sign + a.toFixed(3);
	return sign + a.toPrecision(3);
}
/** Method metadata worth showing next to the scores (e.g. integrated gradients' completeness gap). */
function methodNotes(result, method) {
	const meta = result.methods[method];
	if (!meta) return [];
	const notes = [];
	if (!meta.signed) notes.push("unsigned: how strongly a part moves f, not in which direction");
	if (typeof meta.steps === "number") notes.push(`${meta.steps} steps${meta.auto === true ? meta.converged === true ? " (auto: gap under tolerance)" : " (auto: not converged)" : ""}`);
	if (typeof meta.relative_gap === "number") notes.push(`relative gap ${(100 * meta.relative_gap).toFixed(meta.relative_gap < .01 ? 2 : 1)}%`);
	if (typeof meta.baseline === "string") notes.push(`baseline: ${meta.baseline}`);
	if (typeof meta.f_input === "number" && typeof meta.f_baseline === "number") notes.push(`f(input) − f(baseline) = ${formatScore(meta.f_input - meta.f_baseline)}`);
	if (typeof meta.completeness_gap === "number") notes.push(`completeness gap ${formatScore(meta.completeness_gap)}`);
	if (meta.exact === true) notes.push("exact Shapley values");
	else if (typeof meta.samples === "number") notes.push(`${meta.samples} samples`);
	if (typeof meta.lds === "number") notes.push(`held-out fit (LDS) ${meta.lds.toFixed(2)}`);
	if (meta.hierarchical === true && typeof meta.segments_scored === "number" && typeof meta.segments_estimated === "number") notes.push(`coarse to fine: ${meta.segments_scored} scored exactly, ${meta.segments_estimated} estimated from their paragraph or sentence`);
	if (typeof meta.forward_passes === "number") notes.push(`${meta.forward_passes} forward passes`);
	const from = meta.from_record;
	if (from && Array.isArray(from.selected_span)) {
		const [a, b] = from.selected_span;
		const whole = a === 0 && b === result.target_span[1] - result.target_span[0];
		notes.push(`answered from the run over ${whole ? "the whole target" : `target chars ${a}–${b}`}, no model call`);
		const n = from.held_fixed ?? 0;
		if (n > 0) notes.push(`the ${n} target ${n === 1 ? "token" : "tokens"} before the selection held fixed, not scored`);
	}
	return notes;
}
/** A segment of each granularity in words ("line 5", "a random line"); the same names as Python's report. */
var SEGMENT_UNITS = {
	tokens: "token",
	words: "word",
	sentences: "sentence",
	lines: "line",
	paragraphs: "paragraph",
	messages: "message",
	fields: "part"
};
function shortNumber(v) {
	if (v === null) return "n/a";
	return Number(v.toPrecision(3)).toString();
}
/**
* The faithfulness check in one line, in the same words as the CLI and the HTML report
* (promptlight/report.py: check_summary): "Removing the top line lowers f by 6.2 nats; a random line: 3.3 (x1.9)."
*/
function checkSummary(check) {
	if (!check) return "";
	const unit = SEGMENT_UNITS[check.granularity] ?? "segment";
	const top = check.top1;
	let line = `Removing the top ${top.size === 1 ? unit : `${top.size} ${unit}s`} ${top.drop >= 0 ? `lowers f by ${shortNumber(top.drop)} nats` : `raises f by ${shortNumber(-top.drop)} nats`}; a random ${unit}: ${shortNumber(top.random_median)}`;
	if (top.ratio !== null && top.drop > 0) line += ` (x${top.ratio.toFixed(1)})`;
	const three = check.top3;
	if (three.size > 1 && three.size < check.segments_ranked) line += `. Top ${three.size}: ${shortNumber(three.drop)} vs ${shortNumber(three.random_median)} at random`;
	if (!top.above_random) line += ". The top segment does no better than a random one here: read this heatmap with care";
	return line + ".";
}
// src/ui/heatmap.ts
/**
* DOM for a Display (salience.ts): the heatmap spans, the legend and the ranked segments.
* Text goes in as text nodes only.
*/
var pieceInfo = /* @__PURE__ */ new WeakMap();
function infoOf(el) {
	return pieceInfo.get(el);
}
/** The spans of the heatmap (prompt coloured, target plain with the selection marked). */
function heatmapSpans(display) {
	return display.pieces.map((p) => {
		let el;
		if (p.region === "special") {
			el = h("span", { class: `pl-special${p.onScale ? "" : " pl-offscale"}` }, p.text);
			const st = p.onScale ? styleFor(p.score, display.scale) : null;
			if (st) {
				el.style.background = st.background;
				el.style.color = st.color;
			}
		} else if (p.region === "target") el = h("span", { class: p.selected ? "pl-tgt pl-tgt-sel" : "pl-tgt" }, p.text);
		else {
			el = h("span", {
				class: `pl-seg${p.template ? " pl-template" : ""}${p.estimated ? " pl-estimated" : ""}`,
				attrs: { "data-seg": p.segment }
			}, p.text);
			const st = p.onScale ? styleFor(p.score, display.scale) : null;
			if (st) {
				el.style.background = st.background;
				el.style.color = st.color;
			}
		}
		pieceInfo.set(el, {
			piece: p,
			scale: display.scale
		});
		return el;
	});
}
/** Tooltip lines for a hovered piece. */
function tooltipLines(info) {
	const { piece, scale } = info;
	if (piece.region === "target") return [piece.selected ? "Selected target (explained)" : "Target (not scored)"];
	if (piece.region === "special") return [`${piece.text}: score ${formatScore(piece.score)}`, piece.onScale ? "on the colour scale" : "left out of the colour scale"];
	if (piece.template) return [
		`chat template: score ${formatScore(piece.score)}`,
		piece.onScale ? "on the colour scale" : "left out of the colour scale and the top list",
		`“${preview(piece.text, 60)}”`
	];
	if (piece.score === null) return ["not scored", preview(piece.text, 60)];
	const pct = scale.maxAbs > 0 ? Math.round(Math.abs(piece.score) / scale.maxAbs * 100) : 0;
	const lines = [`score ${formatScore(piece.score)} (${pct}% of max |score|)`, `“${preview(piece.text, 60)}”`];
	if (piece.estimated) lines.push("estimated (coarse to fine): an equal share of its paragraph's or sentence's score, not left out on its own");
	return lines;
}
/** The legend of a scale. */
function legend(display, bos) {
	const r = legendRange(display.scale);
	const bar = h("span", {
		class: "pl-legend-bar",
		attrs: { "aria-hidden": "true" },
		style: { background: legendGradient(display.signed) }
	});
	const parts = display.signed ? [
		h("span", null, `${formatScore(r.low)} pulls down`),
		bar,
		h("span", null, `${formatScore(r.high)} pushes up`)
	] : [
		h("span", null, "0"),
		bar,
		h("span", null, `${formatScore(r.high)} (unsigned)`)
	];
	return h("div", {
		class: "pl-legend",
		attrs: {
			role: "img",
			"aria-label": display.signed ? `Diverging colour scale from ${formatScore(r.low)} (blue, pulls the selection down) to ${formatScore(r.high)} (red, pushes it up)` : `Sequential colour scale from 0 to ${formatScore(r.high)}; unsigned method, darker = more influence`
		}
	}, ...parts, bos && bos.score !== null ? h("span", { class: "pl-muted pl-small" }, `BOS ${formatScore(bos.score)}${bos.onScale ? "" : " (off scale)"}`) : null);
}
/** Where a ranked segment is: "line 5 · chars 120–164" (its place among the granularity's segments, code points). */
function locatorText(granularity, segment, start, end) {
	return `${SEGMENT_UNITS[granularity] ?? "segment"} ${segment + 1} · chars ${start}–${end}`;
}
/** The top segments as buttons, each with its full text and where it is; `onPick(segmentIndex)` when one is activated. */
function topList(display, k, onPick, granularity = "") {
	const top = display.ranked.slice(0, k);
	if (top.length === 0) return h("p", { class: "pl-muted pl-small" }, "No scored prompt segments.");
	return h("ol", { class: "pl-top" }, ...top.map((r, i) => {
		const n = normalise(r.score, {
			...display.scale,
			gain: 1
		});
		const bg = colourFor(r.score, {
			...display.scale,
			gain: 1
		}) ?? "transparent";
		const where = locatorText(granularity, r.segment, r.start, r.end);
		const shown = r.text.trim() || "(whitespace)";
		return h("li", null, h("button", {
			class: "pl-top-item",
			attrs: {
				type: "button",
				title: `Show ${where.split(" · ")[0]} in the prompt (${where.split(" · ")[1]})`,
				"aria-label": `Rank ${i + 1}, score ${formatScore(r.score)}, ${where}: ${preview(r.text, 200)}`
			},
			on: { click: () => onPick(r.segment) }
		}, h("span", { class: "pl-top-rank" }, String(i + 1)), h("span", { class: "pl-top-score" }, formatScore(r.score)), h("span", {
			class: "pl-top-bar",
			attrs: { "aria-hidden": "true" }
		}, h("span", { style: {
			width: `${Math.round(Math.abs(n) * 100)}%`,
			background: bg
		} })), h("span", { class: "pl-top-body" }, h("span", { class: "pl-top-text" }, shown), h("span", { class: "pl-top-where" }, where))));
	}));
}
// src/ui/target.ts
/**
* The selectable target (dataset target or model output): click a word, drag across words,
* shift-click to extend, double-click for the whole line. Keyboard: arrows move, shift+arrows
* extend, Home/End, Ctrl+A selects all, Enter explains the selection, Escape = whole target.
*/
/** How long a click waits for a possible double-click before it counts. */
var CLICK_SETTLE_MS = 250;
var TargetSelector = class {
	el;
	/** Says why a selection was not taken (only whitespace selected); empty otherwise. */
	notice = h("span", {
		class: "pl-small pl-notice-text",
		attrs: {
			role: "status",
			"aria-live": "polite"
		}
	});
	/** Called with the final span (null = the whole target) after a click, drag, Enter or Escape. */
	onCommit = () => {};
	text = "";
	units = [];
	unitEls = [];
	sel = null;
	committed = null;
	settleTimer;
	onDocUp = () => this.endDrag();
	constructor(label) {
		this.el = h("div", {
			class: "pl-target pl-mono",
			attrs: {
				tabindex: 0,
				role: "group",
				"aria-label": label,
				title: "Click or drag over words to select; shift-click extends; double-click takes the line; Esc selects all"
			},
			on: {
				pointerdown: (e) => this.onDown(e),
				pointerover: (e) => this.onOver(e),
				dblclick: (e) => this.onDouble(e),
				keydown: (e) => this.onKey(e)
			}
		});
	}
	destroy() {
		document.removeEventListener("pointerup", this.onDocUp);
		window.clearTimeout(this.settleTimer);
	}
	/** Show `text` with `span` (code points, relative to it) selected; null = whole target. */
	set(text, span) {
		if (text === this.text && sameSpan$1(span, this.committed) && this.unitEls.length === this.units.length && this.units.length > 0) return;
		if (text !== this.text || this.unitEls.length === 0) {
			this.text = text;
			this.units = wordUnits(text);
			const map = new OffsetMap(text);
			this.unitEls = this.units.map((u, i) => h("span", {
				class: "pl-unit",
				attrs: { "data-i": i }
			}, map.slice(u.start, u.end)));
			if (this.unitEls.length) replace(this.el, ...this.unitEls);
			else replace(this.el, h("span", { class: "pl-muted" }, "(empty)"));
		}
		this.committed = span;
		this.sel = selectionFromSpan(this.units, span);
		this.paint();
	}
	unitIndex(e) {
		const t = e.target?.closest?.(".pl-unit");
		if (!t || !this.el.contains(t)) return -1;
		return Number(t.dataset.i);
	}
	onDown(e) {
		if (e.button !== 0) return;
		const i = this.unitIndex(e);
		if (i < 0) return;
		e.preventDefault();
		this.el.focus();
		this.sel = pointerDown(this.sel, i, e.shiftKey);
		document.addEventListener("pointerup", this.onDocUp, { once: true });
		this.paint();
	}
	onOver(e) {
		if (!this.sel?.dragging) return;
		const i = this.unitIndex(e);
		if (i < 0) return;
		this.sel = pointerMove(this.sel, i);
		this.paint();
	}
	endDrag() {
		if (!this.sel?.dragging) return;
		this.sel = pointerUp(this.sel);
		this.paint();
		window.clearTimeout(this.settleTimer);
		this.settleTimer = window.setTimeout(() => this.commit(), CLICK_SETTLE_MS);
	}
	onDouble(e) {
		const i = this.unitIndex(e);
		if (i < 0) return;
		window.clearTimeout(this.settleTimer);
		this.sel = lineSelection(this.text, this.units, i);
		this.paint();
		this.commit();
	}
	onKey(e) {
		const n = this.units.length;
		let next;
		switch (e.key) {
			case "ArrowRight":
			case "ArrowDown":
				next = keyMove(this.sel, 1, e.shiftKey, n);
				break;
			case "ArrowLeft":
			case "ArrowUp":
				next = keyMove(this.sel, -1, e.shiftKey, n);
				break;
			case "Home":
				next = keyMove(this.sel, -n, e.shiftKey, n);
				break;
			case "End":
				next = keyMove(this.sel, n, e.shiftKey, n);
				break;
			case "a":
			case "A":
				if (!(e.ctrlKey || e.metaKey)) return;
				next = selectAll(n);
				break;
			case "Enter":
			case " ":
				e.preventDefault();
				this.commit();
				return;
			case "Escape":
				e.preventDefault();
				this.sel = null;
				this.paint();
				this.commit();
				return;
			default: return;
		}
		e.preventDefault();
		this.sel = next ?? null;
		this.paint();
	}
	commit() {
		let span = spanOf(this.text, this.units, this.sel);
		if (this.sel !== null && span === null) {
			this.notice.textContent = "Only whitespace was selected, so the selection is unchanged: select some text.";
			this.sel = selectionFromSpan(this.units, this.committed);
			this.paint();
			return;
		}
		this.notice.textContent = "";
		if (span && isWholeTarget(this.text, span)) span = null;
		if (sameSpan$1(span, this.committed)) return;
		this.committed = span;
		this.onCommit(span);
	}
	paint() {
		const whole = this.sel === null;
		const [a, b] = this.sel ? selectedRange(this.sel) : [0, this.units.length - 1];
		this.unitEls.forEach((el, i) => {
			const on = i >= a && i <= b;
			el.classList.toggle("pl-unit-sel", on && !whole);
			el.classList.toggle("pl-unit-all", on && whole);
			el.classList.toggle("pl-unit-focus", !!this.sel && i === this.sel.focus);
		});
	}
};
function sameSpan$1(a, b) {
	return a === b || a !== null && b !== null && a[0] === b[0] && a[1] === b[1];
}
// src/ui/pane.ts
/** Below this rank correlation two methods tell different stories about the prompt. */
var DISAGREE_BELOW = .3;
/**
* "Agreement with other methods (Spearman over 12 words): grad_l2 0.82 · occlusion 0.41": shown when the page
* holds other methods' results for this selection; a low value says the heatmap depends on the method.
*/
function agreementStrip(ctx) {
	const rows = ctx.agreement ?? [];
	if (!rows.length) return null;
	const segments = Math.max(...rows.map((a) => a.segments));
	const unit = SEGMENT_UNITS[ctx.granularity] ?? "segment";
	const low = rows.filter((a) => a.rho < DISAGREE_BELOW).map((a) => a.method);
	return h("div", {
		class: `pl-agreement pl-small${low.length ? " pl-check-warn" : ""}`,
		attrs: {
			role: "status",
			title: "Spearman rank correlation between this heatmap's segment scores and each other method's, over the prompt segments both score (1: the same order, 0: unrelated, −1: reversed). Run another method on this selection to add it."
		}
	}, h("b", null, `Agreement with other methods (Spearman over ${segments} ${unit}${segments === 1 ? "" : "s"}): `), ...rows.map((a, i) => h("span", { class: "pl-agreement-item" }, `${i ? " · " : ""}${a.method} ${a.rho.toFixed(2)}`)), low.length ? `. ${low.join(", ")} ${low.length === 1 ? "ranks" : "rank"} this prompt differently: the heatmap depends on the method here.` : "");
}
function emptyPane() {
	return {
		datapoint: null,
		generation: null,
		span: null,
		result: null,
		resultStale: null,
		error: null,
		busy: null,
		busySince: 0,
		follow: null
	};
}
/** "step 12/32 · about 8 s left" from a progress report (empty before the first one). */
function progressText(p) {
	if (!p) return "";
	if (p.state === "queued") return "waiting for the model";
	if (!p.total) return "";
	const unit = p.unit === "steps" ? "step" : p.unit === "variants" ? "variant" : p.unit === "tokens" ? "token" : p.unit;
	const eta = p.eta_s !== null && p.eta_s !== void 0 ? ` · about ${p.eta_s < 1 ? "1" : Math.round(p.eta_s)} s left` : "";
	return `${unit} ${p.done}/${p.total}${eta}`;
}
/** The text the pane explains under `source`: the dataset target or the model output. */
function explainedText(state, source) {
	if (source === "output") return state.generation ? state.generation.text : null;
	return state.datapoint ? datasetTarget(state.datapoint) : null;
}
var PaneView = class {
	el;
	actions;
	selector;
	title = h("h2", { class: "pl-pane-title" });
	subtitle = h("div", { class: "pl-muted pl-small pl-ellipsis" });
	buttons = h("div", { class: "pl-row pl-gap-s pl-wrap" });
	errorBox = h("div", {
		class: "pl-error",
		attrs: { role: "alert" }
	});
	noteBox = h("div", {
		class: "pl-note",
		attrs: { role: "status" }
	});
	confirmBox = h("div", {
		class: "pl-confirm",
		attrs: { role: "status" }
	});
	explainBlock = h("div", { class: "pl-block" });
	otherBlock = h("div", { class: "pl-block" });
	summary = h("div", { class: "pl-summary" });
	heatmap = h("div", {
		class: "pl-heatmap pl-mono",
		attrs: {
			tabindex: 0,
			role: "region",
			"aria-label": "Prompt heatmap"
		}
	});
	top = h("div", { class: "pl-top-wrap" });
	busyBox = h("div", {
		class: "pl-busy",
		attrs: { role: "status" }
	});
	btns;
	constructor(actions) {
		this.actions = actions;
		const btn = (label, title, on, cls = "pl-btn", aria) => h("button", {
			class: cls,
			attrs: {
				type: "button",
				title,
				"aria-label": aria
			},
			on: { click: on }
		}, label);
		this.btns = {
			generate: btn("Generate", "Run the model on this prompt with the generation settings", () => this.actions.generate()),
			explain: btn("Explain", "Compute salience", () => this.actions.explain(), "pl-btn pl-btn-primary"),
			json: btn("JSON", "Download the current salience result as JSON", () => this.actions.exportJson()),
			html: btn("HTML report", "Download a self-contained HTML report of the current view", () => this.actions.exportHtml()),
			swap: btn("⇄", "Swap the two sides", () => this.actions.swap?.(), "pl-btn", "Swap sides"),
			close: btn("✕", "Close the compare view", () => this.actions.close?.(), "pl-btn", "Close compare")
		};
		replace(this.buttons, ...Object.values(this.btns));
		this.selector = new TargetSelector("Text to explain: click or drag to select words, shift-click to extend, double-click for a line; Enter explains the selection");
		this.selector.onCommit = (span) => this.actions.commitSpan(span);
		this.el = h("section", { class: "pl-pane pl-card" }, h("header", { class: "pl-pane-head" }, h("div", { class: "pl-pane-id" }, this.title, this.subtitle), this.buttons), this.errorBox, this.noteBox, this.confirmBox, this.explainBlock, this.otherBlock, h("div", { class: "pl-salience" }, this.summary, h("div", { class: "pl-heat-grid" }, h("div", { class: "pl-heat-col" }, this.heatmap, this.busyBox), this.top)));
	}
	destroy() {
		this.selector.destroy();
	}
	/** Briefly highlight segment `k` in the heatmap and scroll it into view. */
	flashSegment(k) {
		const els = this.heatmap.querySelectorAll(`.pl-seg[data-seg="${k}"]`);
		els.forEach((el) => {
			el.classList.remove("pl-flash");
			el.offsetWidth;
			el.classList.add("pl-flash");
		});
		els[0]?.scrollIntoView({
			block: "nearest",
			behavior: "smooth"
		});
	}
	render(ctx, s) {
		const d = s.datapoint;
		this.el.classList.toggle("pl-pane-compare", ctx.compare);
		this.el.setAttribute("aria-label", ctx.compare ? `Compare ${ctx.side}` : "Selected example");
		replace(this.title, ctx.compare ? h("span", { class: "pl-side" }, ctx.side) : null, h("span", { class: "pl-ellipsis" }, d ? d.source || d.id : "No example selected"));
		this.title.title = d ? d.source || d.id : "";
		this.subtitle.textContent = d ? `${d.id} · ${d.dataset}${d.origin === "user" ? " · user" : ""}` : "Pick an example on the left, or write one in the editor.";
		const busy = s.busy !== null;
		const text = explainedText(s, ctx.source);
		const b = this.btns;
		b.generate.disabled = !d || busy;
		b.explain.disabled = !d || busy || ctx.source === "target" && !text;
		b.explain.title = `Compute salience of the prompt for the selected part of the ${ctx.source === "output" ? "model output" : "dataset target"}`;
		b.json.disabled = !s.result;
		b.html.disabled = !s.result;
		b.swap.hidden = !this.actions.swap;
		b.close.hidden = !this.actions.close;
		this.errorBox.hidden = !s.error;
		replace(this.errorBox, s.error ? h("strong", null, "Error: ") : null, s.error ?? "");
		this.noteBox.hidden = !s.note;
		this.noteBox.textContent = s.note ?? "";
		this.confirmBox.hidden = !s.confirm;
		replace(this.confirmBox, s.confirm ?? "", s.confirm ? " " : null, s.confirm ? h("button", {
			class: "pl-btn pl-btn-small pl-btn-primary",
			attrs: { type: "button" },
			on: { click: () => this.actions.explain() }
		}, "Run it") : null);
		this.renderTexts(ctx, s, text);
		this.renderSalience(ctx, s);
	}
	renderTexts(ctx, s, text) {
		const d = s.datapoint;
		const gen = s.generation;
		const genMeta = gen ? `${gen.tokens.length} tokens · finished by ${gen.finish_reason}${gen.cached ? " · cached" : ""}` : s.busy === "generate" ? "generating…" : "not generated yet";
		const outLabel = h("div", { class: "pl-block-head" }, h("h3", null, "Model output"), h("span", { class: "pl-muted pl-small" }, genMeta));
		const tgtLabel = h("div", { class: "pl-block-head" }, h("h3", null, "Dataset target"), d && !datasetTarget(d) ? h("span", { class: "pl-muted pl-small" }, "none") : null);
		const hint = h("span", { class: "pl-hint" }, "click or drag words · shift-click extends · double-click = line · Esc = all");
		const explaining = ctx.source === "output" ? outLabel : tgtLabel;
		const other = ctx.source === "output" ? tgtLabel : outLabel;
		if (text) {
			this.selector.set(text, s.span);
			const selected = s.span ? sliceCp(text, s.span[0], s.span[1]) : null;
			replace(this.explainBlock, explaining, this.selector.el, h("div", { class: "pl-row pl-gap-s pl-selinfo" }, h("span", { class: "pl-small" }, selected ? "Explaining: " : "Explaining the whole text", selected ? h("q", { class: "pl-quote" }, preview(selected, 60)) : null), s.span ? h("button", {
				class: "pl-btn pl-btn-small",
				attrs: { type: "button" },
				on: { click: () => this.actions.commitSpan(null) }
			}, "Whole text") : null, hint, this.selector.notice), ctx.compare && ctx.side === "B" ? this.followNote(s.follow, ctx.source) : null);
		} else {
			const msg = ctx.source === "output" ? s.busy === "generate" ? "Generating…" : "Generate first to explain the model's output (Explain also generates when needed)." : d ? "This example has no dataset target: generate and explain the model output instead." : "";
			const switchBtn = ctx.source === "target" && d && this.actions.useOutput ? h("button", {
				class: "pl-btn pl-btn-small",
				attrs: { type: "button" },
				on: { click: () => this.actions.useOutput?.() }
			}, "Explain the model output") : null;
			replace(this.explainBlock, explaining, h("div", { class: "pl-row pl-gap-s pl-wrap" }, h("span", { class: "pl-muted pl-small" }, msg), switchBtn));
		}
		const otherText = ctx.source === "output" ? d ? datasetTarget(d) : "" : gen ? gen.text : "";
		this.otherBlock.hidden = !otherText;
		replace(this.otherBlock, other, h("div", { class: "pl-plain pl-mono" }, otherText ?? ""));
	}
	/** Pane B's note: which rule matched its span to A's selection, or that it has its own. */
	followNote(follow, source) {
		if (follow === null) return null;
		if (follow === "own") return h("div", {
			class: "pl-follow pl-follow-own",
			attrs: { title: "You chose this selection in B; B follows A's selection again when A's selection changes." }
		}, h("span", { class: "pl-follow-tag" }, "Own selection"), h("span", null, "until A's selection changes"), this.actions.followA ? h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				title: "Explain the span that corresponds to A's selection"
			},
			on: { click: () => this.actions.followA?.() }
		}, "Follow A") : null);
		return h("div", {
			class: `pl-follow pl-follow-${follow.rule}`,
			attrs: { title: "B explains the span that corresponds to A's selection. Select in B to choose your own." }
		}, h("span", { class: "pl-follow-tag" }, "Follows A"), h("span", null, alignmentNote(follow, source === "output" ? "output" : "target")));
	}
	/**
	* The model's alternatives at each selected target token: what it would have written there
	* instead, with probabilities. Choosing one explains "why this token rather than that one".
	*/
	/**
	* The faithfulness check under the objective: what removing the top segments did to f against
	* random ones (a warning when no better than chance), or a button that runs it at the shown granularity.
	*/
	checkStrip(r, granularity, busy) {
		const run = this.actions.check;
		if (!run) return null;
		const check = r.faithfulness;
		const button = (label) => h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				disabled: busy ? "" : null,
				title: "Remove the top-1 and top-3 segments and 8 random sets of the same size, and compare how much f drops (about 17 forward passes)"
			},
			on: { click: () => run() }
		}, label);
		if (!check) return h("div", { class: "pl-check-strip pl-muted pl-small" }, "Is this heatmap true? ", button("Check faithfulness"));
		return h("div", {
			class: `pl-check-strip pl-small${!check.top1.above_random ? " pl-check-warn" : ""}`,
			attrs: { role: "status" }
		}, h("b", null, `Faithfulness (${check.granularity}): `), checkSummary(check), check.granularity !== granularity ? h("span", null, " ", button(`Check at ${granularity}`)) : null);
	}
	alternativesStrip(r) {
		const alternatives = r.alternatives ?? [];
		if (!alternatives.length || !this.actions.contrast) return null;
		const targetStart = r.target_span[0];
		const pct = (p) => p >= .1 ? `${(p * 100).toFixed(0)}%` : p >= .001 ? `${(p * 100).toFixed(1)}%` : "<0.1%";
		const shown = (t) => JSON.stringify(t).slice(1, -1) || "∅";
		const rows = alternatives.filter((alt) => alt.text.trim() !== "").slice(0, 12).map((alt) => {
			const span = [alt.start - targetStart, alt.end - targetStart];
			const choices = alt.top.filter((t) => t.id !== alt.id && t.text.trim() !== "").map((t) => h("button", {
				class: "pl-btn pl-btn-small pl-alt",
				attrs: {
					type: "button",
					title: `Explain why “${alt.text}” rather than “${t.text}” at this position (p = ${t.prob.toPrecision(3)})`
				},
				on: { click: () => this.actions.contrast?.(span, t.text) }
			}, h("span", { class: "pl-mono" }, shown(t.text)), h("span", { class: "pl-muted" }, ` ${pct(t.prob)}`)));
			return h("div", { class: "pl-alt-row" }, h("span", {
				class: "pl-mono pl-alt-actual",
				attrs: { title: `The model wrote this token with p = ${alt.prob.toPrecision(3)}` }
			}, shown(alt.text)), h("span", { class: "pl-muted pl-small" }, ` ${pct(alt.prob)} · instead: `), ...choices);
		});
		return h("details", { class: "pl-alternatives" }, h("summary", null, `Alternatives at the ${alternatives.length} selected token${alternatives.length === 1 ? "" : "s"}: pick one to ask “why this rather than that”`), ...rows);
	}
	renderSalience(ctx, s) {
		const r = s.result;
		this.busyBox.hidden = s.busy === null;
		const doing = s.busy === "generate" ? "Generating…" : s.busy === "salience" ? "Computing salience…" : s.busy === "check" ? "Checking faithfulness…" : "";
		const progress = progressText(s.progress);
		const cancel = this.actions.cancel;
		replace(this.busyBox, h("span", {
			class: "pl-spinner",
			attrs: { "aria-hidden": "true" }
		}), doing, progress ? h("span", { class: "pl-progress" }, progress) : null, cancel && s.busy !== null ? h("button", {
			class: "pl-btn pl-btn-small pl-cancel",
			attrs: {
				type: "button",
				title: "Stop this model call on the server"
			},
			on: { click: () => cancel() }
		}, "Cancel") : null);
		if (!r) {
			const prompt = s.datapoint?.prompt ?? "";
			replace(this.summary, h("h3", null, "Salience"), h("p", { class: "pl-muted pl-small" }, s.datapoint ? "Select the part of the text to explain and press Explain. The prompt below lights up by influence." : ""));
			replace(this.heatmap, h("span", { class: "pl-tgt" }, prompt));
			replace(this.top);
			return;
		}
		const display = buildDisplay(r, {
			method: ctx.method,
			granularity: ctx.granularity,
			includeBos: ctx.includeBos,
			gain: ctx.gain,
			maxAbs: ctx.scaleMax
		});
		const bos = display.pieces.find((p) => p.region === "special");
		const notes = methodNotes(r, ctx.method);
		const info = ctx.methods.find((m) => m.name === ctx.method);
		const selected = sliceCp(r.text, r.selected_span[0], r.selected_span[1]);
		const notices = [];
		if ((s.busy === "salience" || s.busy === "check") && (s.resultStale || display.notice)) notices.push(h("div", { class: "pl-notice pl-notice-pending" }, `Computing ${ctx.method} at ${ctx.granularity}… The heatmap below is the previous result until the new one arrives.`));
		else {
			if (s.resultStale) notices.push(h("div", { class: "pl-notice" }, s.resultStale, " ", h("button", {
				class: "pl-btn pl-btn-small pl-btn-primary",
				attrs: { type: "button" },
				on: { click: () => this.actions.explain() }
			}, "Explain again")));
			if (display.notice) notices.push(h("div", { class: "pl-notice" }, display.notice, " ", h("button", {
				class: "pl-btn pl-btn-small pl-btn-primary",
				attrs: { type: "button" },
				on: { click: () => this.actions.explain() }
			}, "Run")));
		}
		if (display.granularityError) notices.push(h("div", { class: "pl-notice pl-notice-error" }, `${display.granularityError.replace(/\.?$/, ".")} Showing words instead.`));
		replace(this.summary, h("div", { class: "pl-row pl-gap pl-space pl-summary-head" }, h("h3", null, "Salience ", h("span", { class: "pl-muted pl-small" }, `${ctx.method}${info ? info.signed ? " · signed" : " · unsigned" : ""} · ${ctx.granularity}${r.cached ? " · cached" : ""}`)), legend(display, bos)), h("p", { class: "pl-objective" }, h("span", { class: "pl-formula" }, h("b", null, "Objective: "), describeObjective(r, ctx.method)), " Selected: ", h("q", { class: "pl-quote" }, preview(selected, 80)), ` · f = ${formatScore(r.objective_value)} nats`, typeof r.f_target === "number" && typeof r.f_foil === "number" ? ` (log p(selection) ${formatScore(r.f_target)} − log p(foil) ${formatScore(r.f_foil)})` : "", notes.length ? ` · ${notes.join(" · ")}` : ""), ...notices, this.checkStrip(r, ctx.granularity, s.busy !== null), agreementStrip(ctx), this.alternativesStrip(r));
		const spans = heatmapSpans(display);
		const changed = ctx.changed ?? [];
		if (changed.length) display.pieces.forEach((p, i) => {
			if (p.region === "prompt" && changed.some(([a, b]) => p.start < b && a < p.end)) spans[i].classList.add("pl-changed");
		});
		replace(this.heatmap, ...spans);
		replace(this.top, h("h3", null, "Top segments"), topList(display, 10, (k) => this.flashSegment(k), ctx.granularity));
	}
};
// src/actions/compare.ts
/**
* Selecting and comparing examples: pane A, pane B, the swap, and B following A's selection
* (align.ts finds the span in B that corresponds to A's).
*/
function sameSpan(a, b) {
	return a === b || a !== null && b !== null && a[0] === b[0] && a[1] === b[1];
}
async function select(ctx, id, span = null) {
	await load(ctx, "A", id, span);
	const { store } = ctx;
	const d = store.panes.A.datapoint;
	if (d && ctx.editor.loadedId !== id) ctx.editor.load(d);
	if (!store.isChat() && store.granularity === "messages") store.granularity = "words";
	ctx.renderControls();
}
async function compare(ctx, id, span = null) {
	const { store } = ctx;
	if (id === null) {
		if (ctx.leftAutoHidden()) ctx.setLeftVisible(true);
		store.comparing = false;
		store.panes.B = emptyPane();
		store.bOwn = null;
		store.seq.B++;
		ctx.renderAll();
		return;
	}
	if (!store.comparing && ctx.leftVisible()) ctx.setLeftVisible(false, true);
	store.comparing = true;
	await load(ctx, "B", id, span);
	if (store.autoRun && store.panes.A.result && !store.panes.B.result) explain(ctx, "B", { auto: true });
}
async function load(ctx, side, id, span) {
	const { store } = ctx;
	let d = store.examples.find((e) => e.id === id) ?? null;
	if (!d) try {
		d = await ctx.api.datapoint(id);
	} catch (err) {
		ctx.showBanner(`Could not open example ${id}: ${errorMessage(err)}`, "open");
		return;
	}
	ctx.showBanner(null, "open");
	const prev = store.panes[side];
	const sameSelection = sameSpan(prev.span, span) || side === "B" && span === null && store.bOwn === null;
	if (prev.datapoint?.id === d.id && sameSelection && prev.datapoint.prompt === d.prompt && prev.datapoint.target === d.target) {
		prev.datapoint = d;
		if (side === "B" && span !== null && store.bOwn === null) {
			store.bOwn = store.selectionKeyA();
			prev.follow = "own";
		}
		ctx.renderAll();
		return;
	}
	store.seq[side]++;
	store.panes[side] = {
		...emptyPane(),
		datapoint: d,
		span
	};
	if (side === "B") {
		store.bOwn = span !== null ? store.selectionKeyA() : null;
		store.panes.B.follow = span !== null ? "own" : null;
		alignB(ctx);
	} else followA(ctx);
	ctx.renderAll();
}
function swap(ctx) {
	const { store } = ctx;
	[store.panes.A, store.panes.B] = [store.panes.B, store.panes.A];
	[store.seq.A, store.seq.B] = [store.seq.B + 1, store.seq.A + 1];
	const [a, b] = [store.panes.A, store.panes.B];
	a.follow = null;
	store.bOwn = store.selectionKeyA();
	b.follow = a.span !== null || b.span !== null ? "own" : null;
	if (a.datapoint) ctx.editor.load(a.datapoint);
	ctx.renderAll();
}
/**
* Give pane B the span that corresponds to pane A's selection (align.ts), unless B has its
* own and A's selection has not changed since. Needs both texts; until then, and when A
* explains its whole text, B explains its whole text. True if B's span changed.
*/
function alignB(ctx) {
	const { store } = ctx;
	const a = store.panes.A;
	const b = store.panes.B;
	if (!store.comparing || !b.datapoint) return false;
	if (store.bOwn !== null) {
		if (store.bOwn === store.selectionKeyA()) return false;
		store.bOwn = null;
	}
	const textA = explainedText(a, store.source);
	const textB = explainedText(b, store.source);
	let span = null;
	b.follow = null;
	if (a.span && textA !== null && textB !== null) {
		const found = alignSpan(textA, a.span, textB);
		b.follow = found;
		span = found.span && !isWholeTarget(textB, found.span) ? found.span : null;
	}
	if (sameSpan(b.span, span)) return false;
	b.span = span;
	markStale(ctx, "B");
	return true;
}
/** After A's selection or text changed: B follows, and (Auto-run) explains its new span. */
function followA(ctx) {
	if (!alignB(ctx)) return;
	const { store } = ctx;
	const a = store.panes.A;
	const b = store.panes.B;
	if (store.autoRun && b.busy !== "generate" && (a.result || b.result) && explainedText(b, store.source) !== null) explain(ctx, "B", { auto: true });
}
/** The "Follow A" button: drop B's own span. */
function followAgain(ctx) {
	const { store } = ctx;
	store.bOwn = null;
	store.panes.B.follow = null;
	const moved = alignB(ctx);
	ctx.renderPanes();
	ctx.syncUrl();
	if (moved && store.autoRun) explain(ctx, "B", { auto: true });
}
// src/actions/calls.ts
/**
* Model calls: generate a pane's output, explain its selection, and what to re-run after a
* change. The last click wins: every call carries the pane's sequence number, and an answer
* that arrives after a later action is dropped.
*/
/** How often a busy pane asks the server how far its call has got. */
var PROGRESS_POLL_MS = 500;
/** A fresh id for a model call (the X-Promptlight-Call header). */
function newCallId(side) {
	const random = Math.random().toString(36).slice(2, 12);
	return `ui-${side}-${Date.now().toString(36)}-${random}`;
}
/**
* Mark pane `side` busy with call `callId` and poll its progress until `seq` is superseded or
* the pane is idle again; returns the function that stops polling.
*/
function watchCall(ctx, side, callId, seq) {
	const pane = ctx.store.panes[side];
	if (pane.callId && pane.callId !== callId) ctx.api.cancelCall(pane.callId).catch(() => void 0);
	Object.assign(pane, {
		callId,
		progress: null
	});
	const timer = setInterval(() => {
		if (ctx.store.seq[side] !== seq || ctx.store.panes[side].busy === null) return;
		ctx.api.callProgress(callId).then((p) => {
			const now = ctx.store.panes[side];
			if (ctx.store.seq[side] === seq && now.callId === callId && now.busy !== null) {
				now.progress = p;
				ctx.renderPanes();
			}
		}, () => void 0);
	}, PROGRESS_POLL_MS);
	return () => {
		clearInterval(timer);
		const now = ctx.store.panes[side];
		if (now.callId === callId) Object.assign(now, {
			callId: null,
			progress: null
		});
	};
}
/** Stop pane `side`'s running call on the server; its request then ends with "cancelled". */
async function cancelCall(ctx, side) {
	const callId = ctx.store.panes[side].callId;
	if (!callId) return;
	try {
		await ctx.api.cancelCall(callId);
		ctx.showBanner(null, "cancel");
	} catch (err) {
		ctx.showBanner(`Could not cancel the call: ${errorMessage(err)}`, "cancel");
	}
}
/**
* Drop pane `side`'s running call, if any: its answer is no longer wanted (the sequence number
* moves on, so it is ignored when it comes) and its work on the server stops.
*/
function dropRunningCall(ctx, side) {
	const pane = ctx.store.panes[side];
	ctx.store.seq[side]++;
	if (pane.callId) ctx.api.cancelCall(pane.callId).catch(() => void 0);
	Object.assign(pane, {
		busy: null,
		callId: null,
		progress: null,
		callKeys: []
	});
}
/** The pane's message for a failed call: a cancel is not an error, just said. */
function failure(err) {
	return err instanceof ApiError && err.code === "cancelled" ? "Cancelled: the call was stopped on the server." : errorMessage(err);
}
/** The generation settings for datapoint `d`: with no stop strings of their own, the row's (a few-shot prompt stops at its blank line). */
function generationFor(ctx, d) {
	const gen = ctx.store.gen;
	return gen.stop.length ? gen : {
		...gen,
		stop: datasetStop(d)
	};
}
async function generate(ctx, side) {
	const { store } = ctx;
	const pane = store.panes[side];
	const d = pane.datapoint;
	if (!d) return false;
	if (!store.model) {
		pane.error = "No model is available: start the server with --models NAME:PATH.";
		ctx.renderPanes();
		return false;
	}
	const seq = ++store.seq[side];
	Object.assign(pane, {
		busy: "generate",
		busySince: Date.now(),
		error: null,
		note: null
	});
	const callId = newCallId(side);
	const unwatch = watchCall(ctx, side, callId, seq);
	ctx.renderPanes();
	try {
		const g = await ctx.api.generate(store.model, store.promptInput(d), generationFor(ctx, d), callId);
		if (seq !== store.seq[side]) return false;
		const changed = pane.generation !== null && pane.generation.text !== g.text;
		pane.generation = g;
		if (store.source === "output" && (changed || pane.span !== null && pane.span[1] > cpLength(g.text))) {
			pane.span = null;
			markStale(ctx, side);
			if (side === "B") store.bOwn = null;
		}
		if (side === "A") followA(ctx);
		else alignB(ctx);
		return true;
	} catch (err) {
		if (seq === store.seq[side]) pane.error = failure(err);
		return false;
	} finally {
		unwatch();
		if (seq === store.seq[side]) pane.busy = null;
		ctx.renderAll();
	}
}
/**
* The cache keys a salience call for `sent` answers: its own, and when it is the checked form
* of `plain`, the plain request's too (a checked result answers both).
*/
function answeredBy(ctx, plain, sent) {
	const keys = [ctx.store.cacheKey(sent)];
	if (sent !== plain) keys.push(ctx.store.cacheKey(plain));
	return keys;
}
/**
* Why an auto-run of `req` in pane `side` should wait for the user (a sentence), or null: null
* unless the call is expected to take over CONFIRM_SECONDS, from what earlier calls took.
*/
function longCall(ctx, side, req) {
	const { store } = ctx;
	const defaults = Object.fromEntries((store.methodInfo(req.method)?.options ?? []).map((o) => [o.name, o.default]));
	const work = passesPlanned(req.method, {
		...defaults,
		...req.options
	}, promptSegments(store.panes[side].result, req.granularity));
	const expected = work && store.rates.estimate(req.model, req.method, work);
	if (!work || !expected || expected.seconds <= 5) return null;
	return `${req.method} at ${req.granularity} would take ${aboutSeconds(expected.seconds)} here (${work.passes} ${work.unit}; ${expected.basis}), so Auto-run waits for you.`;
}
/** How many segments of the prompt `result` has at `granularity` (words when it has none of those). */
function promptSegments(result, granularity) {
	if (!result) return 0;
	const end = result.prompt_span[1];
	return (result.boundaries[granularity] ?? result.boundaries.words ?? []).filter(([start]) => start < end).length;
}
/**
* Explain pane `side`'s selection. `check`: also run the faithfulness check at the shown
* granularity (a cached checked result answers a plain request too). A plain result that
* came back within AUTO_CHECK_MS is checked right after. `auto`: an auto-run (not a click
* on Explain), which waits for the user instead of starting a call expected to take more
* than CONFIRM_SECONDS (the pane says how long, and why it thinks so).
*/
async function explain(ctx, side, { check = false, auto = false } = {}) {
	const { store } = ctx;
	const pane = store.panes[side];
	if (!pane.datapoint) return;
	if (store.source === "output" && !pane.generation) {
		if (!await generate(ctx, side)) return;
	}
	if (side === "B") alignB(ctx);
	const plain = store.request(side);
	const req = plain && check ? {
		...plain,
		check: true,
		granularity: store.granularityName()
	} : plain;
	if (!req) {
		pane.error = store.source === "target" ? "This example has no dataset target. Switch “Explain” to model output, or add a target in the editor." : "There is no model output to explain yet: press Generate.";
		ctx.renderPanes();
		return;
	}
	const hit = store.cachedResult(req);
	if (hit) {
		dropRunningCall(ctx, side);
		showResult(ctx, side, hit);
		return;
	}
	const answerFrom = store.recordFor(req);
	if (answerFrom && await answerFromRecord(ctx, side, req, answerFrom)) return;
	if (auto && !store.autoRun) return;
	if (auto) {
		const long = longCall(ctx, side, req);
		if (long) {
			if (pane.busy === "salience" || pane.busy === "check") dropRunningCall(ctx, side);
			pane.confirm = long;
			ctx.renderPanes();
			return;
		}
	}
	pane.confirm = null;
	const seq = ++store.seq[side];
	const began = Date.now();
	Object.assign(pane, {
		busy: check ? "check" : "salience",
		busySince: began,
		error: null,
		note: null,
		callKeys: answeredBy(ctx, plain ?? req, req)
	});
	const callId = newCallId(side);
	const unwatch = watchCall(ctx, side, callId, seq);
	ctx.renderPanes();
	let autoCheck = false;
	try {
		const result = await ctx.api.salience(req, callId);
		store.cache.set(store.cacheKey(req), result);
		const work = passesDone(result, req.method);
		if (work && !result.cached && !req.check) store.rates.learn(req.model, req.method, work, (Date.now() - began) / 1e3);
		if (!req.check && Object.keys(req.options).length === 0) {
			for (const [m, meta] of Object.entries(result.methods ?? {})) if (meta.level === "tokens" && (store.methodInfo(m)?.options ?? []).length === 0) store.cache.set(store.cacheKey(req, m), result);
		}
		if (seq !== store.seq[side]) return;
		Object.assign(pane, {
			result,
			resultStale: null
		});
		autoCheck = !check && !result.faithfulness && Date.now() - began < 3e3;
	} catch (err) {
		if (seq === store.seq[side]) pane.error = failure(err);
	} finally {
		unwatch();
		if (seq === store.seq[side]) Object.assign(pane, {
			busy: null,
			callKeys: []
		});
		ctx.renderPanes();
		ctx.syncUrl();
	}
	if (autoCheck && seq === store.seq[side]) explain(ctx, side, { check: true });
}
/**
* Answer pane `side`'s request from the record of the held run over `answerFrom` (a perturbation
* method's variants): the server sums the recorded log-probabilities and refits, with no model
* call. False when it cannot (that run left the server's cache, or its record does not cover the
* selection): the caller then runs the method as usual.
*/
async function answerFromRecord(ctx, side, req, answerFrom) {
	const { store } = ctx;
	dropRunningCall(ctx, side);
	const seq = store.seq[side];
	let result;
	try {
		result = await ctx.api.salienceFromRecord(req, answerFrom);
	} catch {
		return false;
	}
	if (!result) return false;
	store.cache.set(store.cacheKey(req), result);
	if (seq === store.seq[side]) showResult(ctx, side, result);
	return true;
}
/** Put `result` in pane `side` at once (it answers what the pane asks now). */
function showResult(ctx, side, result) {
	Object.assign(ctx.store.panes[side], {
		result,
		resultStale: null,
		error: null,
		note: null,
		confirm: null
	});
	ctx.renderPanes();
	ctx.syncUrl();
}
/**
* Show what the server already has for pane `side`, computing nothing: the output (when the
* model output is explained) and the salience result, from the server's cache. A page opened
* from a link without run=1 restores a result made before this way; on a miss nothing changes.
*/
async function restoreCached(ctx, side) {
	const { store } = ctx;
	const pane = store.panes[side];
	const d = pane.datapoint;
	if (!d || !store.model || pane.result || pane.busy !== null) return;
	const seq = store.seq[side];
	const current = () => seq === store.seq[side] && pane === store.panes[side] && pane.busy === null;
	try {
		if (store.source === "output" && !pane.generation) {
			const g = await ctx.api.cachedGeneration(store.model, store.promptInput(d), generationFor(ctx, d));
			if (!g || !current()) return;
			pane.generation = g;
			if (pane.span !== null && pane.span[1] > cpLength(g.text)) pane.span = null;
			if (side === "A") followA(ctx);
			else alignB(ctx);
		}
		const req = store.request(side);
		if (!req) return;
		const hit = store.cache.get(store.cacheKey(req)) ?? await ctx.api.cachedSalience(req);
		if (!hit || !current()) return;
		store.cache.set(store.cacheKey(req), hit);
		Object.assign(pane, {
			result: hit,
			resultStale: null
		});
	} catch {
		return;
	} finally {
		ctx.renderAll();
	}
	ctx.syncUrl();
}
function commitSpan(ctx, side, span) {
	const { store } = ctx;
	const pane = store.panes[side];
	if (sameSpan(pane.span, span)) return;
	pane.span = span;
	if (side === "B") {
		store.bOwn = store.selectionKeyA();
		pane.follow = "own";
	}
	markStale(ctx, side);
	ctx.renderPanes();
	ctx.syncUrl();
	const req = store.request(side);
	if (pane.datapoint && (store.autoRun || req && store.recordFor(req))) explain(ctx, side, { auto: true });
	if (side === "A") followA(ctx);
}
/** Note that the shown result no longer matches the selection (kept on screen until replaced). */
function markStale(ctx, side) {
	const pane = ctx.store.panes[side];
	if (pane.result) pane.resultStale = "The selection or text changed since this result was computed.";
}
/**
* After a model or chat-template change (`what`, e.g. "The model changed to gemma"): outputs go,
* results are marked stale, and a call still running is stopped on the server, with a note in
* its pane saying so (its answer would be for the old model).
*/
function invalidateAll(ctx, what) {
	const { store } = ctx;
	for (const side of ["A", "B"]) {
		const p = store.panes[side];
		if (p.busy !== null && p.callId) p.note = `${what} while this pane was ${p.busy === "generate" ? "generating" : p.busy === "check" ? "checking faithfulness" : "computing salience"}: that call was stopped on the server. Press ${p.busy === "generate" ? "Generate" : "Explain"} to run it again.`;
		dropRunningCall(ctx, side);
		Object.assign(p, {
			generation: null,
			confirm: null
		});
		if (store.source === "output") p.span = null;
		if (p.result) p.resultStale = `${what}, so this result is for the old settings.`;
	}
	if (store.source === "output") store.bOwn = null;
	alignB(ctx);
	ctx.renderAll();
}
/** After a method/option/granularity/source change: re-run where the shown result cannot answer. */
function rerunWhereNeeded(ctx, { optionsChanged = false } = {}) {
	const { store } = ctx;
	for (const side of store.activeSides()) {
		const p = store.panes[side];
		p.confirm = null;
		const computing = p.busy === "salience" || p.busy === "check";
		if (!store.autoRun) continue;
		const req = store.request(side);
		if (computing) {
			if (req && !(p.callKeys ?? []).includes(store.cacheKey(req))) explain(ctx, side, { auto: true });
			continue;
		}
		if (!p.result) continue;
		const method = store.method;
		const has = p.result.methods[method];
		const perSegOk = !store.isPerSegment(method) || p.result.segment_scores?.[method]?.granularity === store.granularityName();
		if (!req || !has || !perSegOk || p.resultStale || optionsChanged) explain(ctx, side, { auto: true });
	}
}
// src/names.ts
/** Names of datapoints: an edited copy gets a name of its own, so the compare view never shows one name twice. */
/** `source` if no row uses it, else `source (edit N)` with the first N no row uses (N from 2, the original being 1). */
function editedName(source, taken) {
	const used = new Set(taken);
	const base = source.replace(/ \(edit \d+\)$/, "");
	if (!used.has(source)) return source;
	for (let n = 2;; n++) {
		const name = `${base} (edit ${n})`;
		if (!used.has(name)) return name;
	}
}
// src/actions/view.ts
/**
* Loading what the server offers, applying a view (from the URL or the notebook), and the
* toolbar's choices: what to explain, the method and its options, the granularity.
*/
/** The models the server has, and those it may load on request; the header's picker shows both. */
async function refreshModels(ctx) {
	const { store, api } = ctx;
	const [models, files] = await Promise.allSettled([api.models(), api.modelFiles()]);
	if (models.status === "fulfilled") {
		store.models = models.value.map((m) => m.name);
		store.chatModels = models.value.filter((m) => m.chat_template).map((m) => m.name);
		if (!store.model || !store.models.includes(store.model)) store.model = store.models[0] ?? "";
		ctx.showBanner(null, "models");
	} else ctx.showBanner(`Could not load the models: ${errorMessage(models.reason)}`, "models");
	if (files.status === "fulfilled") {
		store.modelDirs = files.value.dirs;
		store.modelFiles = files.value.files;
	}
}
/** Load model file `id` (from `--model-dirs`) on the server and switch to it; it answers once loaded. */
async function loadModelFile(ctx, id) {
	try {
		const added = await ctx.api.addModel(id);
		await refreshModels(ctx);
		ctx.store.model = added.name;
		invalidateAll(ctx, `The model changed to ${added.name}`);
		refreshHealth(ctx);
	} catch (err) {
		ctx.showBanner(`Could not load ${id}: ${errorMessage(err)}`, "models");
	}
	ctx.renderControls();
}
async function loadMeta(ctx) {
	const { store, api } = ctx;
	const [, datasets, methods, grans, settings] = await Promise.allSettled([
		refreshModels(ctx),
		api.datasets(),
		api.methods(),
		api.granularities(),
		api.request("GET", "/api/settings")
	]);
	if (settings.status === "fulfilled") {
		const cap = settings.value.settings.find((row) => row.name === "max_new_tokens")?.value;
		if (typeof cap === "number" && cap >= 1) store.maxNewTokens = cap;
	}
	if (datasets.status === "fulfilled") store.datasets = datasets.value.map((d) => d.name);
	if (methods.status === "fulfilled" && Array.isArray(methods.value) && methods.value.length) {
		const order = FALLBACK_METHODS.map((m) => m.name);
		const rank = (n) => order.includes(n) ? order.indexOf(n) : order.length;
		store.methods = [...methods.value].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
	}
	if (grans.status === "fulfilled" && Array.isArray(grans.value)) store.granularities = grans.value.filter((g) => !isRegexGranularity(g));
	ctx.editor.setDatasets(store.datasets);
	ctx.renderControls();
	refreshHealth(ctx);
}
async function loadExamples(ctx) {
	try {
		ctx.store.examples = await ctx.api.examples();
		ctx.examplesView.setData(ctx.store.examples, ctx.store.datasets);
		ctx.renderControls();
		ctx.showBanner(null, "examples");
	} catch (err) {
		ctx.showBanner(`Could not load the examples: ${errorMessage(err)}`, "examples");
	}
}
async function refreshHealth(ctx, attempt = 0) {
	const { store } = ctx;
	try {
		const m = (await ctx.api.health()).models?.[store.model];
		if (!m) store.modelStatus = "";
		else if (m.error || m.state === "error") store.modelStatus = `failed to load: ${m.error ?? "see the server log"}`;
		else if (!m.loaded) store.modelStatus = "loading…";
		else store.modelStatus = m.busy ? `busy${m.queued ? `, ${m.queued} queued` : ""}` : "ready";
		ctx.renderStatus();
		if (m && attempt > 0 && (m.loaded || m.error)) {
			await refreshModels(ctx);
			ctx.renderControls();
		}
		if (m && !m.loaded && !m.error && attempt < 200) {
			const t = window.setTimeout(() => void refreshHealth(ctx, attempt + 1), 3e3);
			ctx.cleanups.push(() => window.clearTimeout(t));
		}
	} catch {
		store.modelStatus = "";
		ctx.renderStatus();
	}
}
/** Apply a view (from the URL or `initial`). */
async function applyView(ctx, v) {
	const { store } = ctx;
	if (v.model && (store.models.length === 0 || store.models.includes(v.model))) store.model = v.model;
	if (v.method) store.method = v.method;
	if (v.options) store.options[store.method] = {
		...store.options[store.method] ?? {},
		...v.options
	};
	if (v.foil !== void 0) store.foil = v.foil;
	if (v.granularity) {
		if (isRegexGranularity(v.granularity)) {
			store.regex = v.granularity.slice(REGEX_PREFIX.length);
			store.granularity = "regex";
		} else store.granularity = v.granularity;
	}
	if (v.source) store.source = v.source;
	if ("intensity" in v && v.intensity !== void 0) store.intensity = v.intensity;
	if (v.generation) store.gen = {
		...DEFAULT_GENERATION,
		...v.generation
	};
	if (v.dataset) ctx.examplesView.setDataset(v.dataset);
	ctx.renderControls();
	if (v.example) await select(ctx, v.example, v.span ?? null);
	else ctx.renderPanes();
	if (v.compare) await compare(ctx, v.compare, v.compareSpan ?? null);
	if (v.run) {
		if (store.comparing && store.bOwn === null && store.panes.A.span && store.source === "output" && !store.panes.A.generation) await generate(ctx, "A");
		await Promise.all([explain(ctx, "A"), store.comparing ? explain(ctx, "B") : Promise.resolve()]);
	} else if (v.example) {
		await restoreCached(ctx, "A");
		if (store.comparing) await restoreCached(ctx, "B");
	}
}
function setSource(ctx, v) {
	const { store } = ctx;
	if (v === store.source) return;
	store.source = v;
	for (const side of ["A", "B"]) {
		store.panes[side].span = null;
		markStale(ctx, side);
	}
	store.bOwn = null;
	alignB(ctx);
	afterChange(ctx);
	rerunWhereNeeded(ctx);
}
function setMethod(ctx, v) {
	if (v === ctx.store.method) return;
	ctx.store.method = v;
	afterChange(ctx);
	rerunWhereNeeded(ctx);
}
/** An option of the current method; `null` puts it back to its default. */
function setOption(ctx, name, value) {
	const { store } = ctx;
	const current = { ...store.options[store.method] ?? {} };
	if (current[name] === value) return;
	if (value === null) delete current[name];
	else current[name] = value;
	store.options[store.method] = current;
	afterChange(ctx);
	rerunWhereNeeded(ctx, { optionsChanged: true });
}
/** The contrastive foil ("" = back to the plain objective). */
function setFoil(ctx, foil) {
	if (foil === ctx.store.foil) return;
	ctx.store.foil = foil;
	afterChange(ctx);
	rerunWhereNeeded(ctx, { optionsChanged: true });
}
/** Send plain prompts through the model's chat template (one user message) or not: the model reads another text. */
function setChat(ctx, on) {
	const { store } = ctx;
	if (on === store.chat) return;
	store.chat = on;
	if (!store.isChat() && store.granularity === "messages") store.granularity = "words";
	invalidateAll(ctx, `The chat template was turned ${on ? "on" : "off"}`);
	afterChange(ctx);
	rerunWhereNeeded(ctx);
}
/** "Why this token rather than that one": select the token at `span` and make `foil` the foil, then explain. */
function contrastAt(ctx, side, span, foil) {
	const { store } = ctx;
	store.foil = foil;
	const pane = store.panes[side];
	pane.span = span;
	if (side === "B") {
		store.bOwn = store.selectionKeyA();
		pane.follow = "own";
	} else followA(ctx);
	markStale(ctx, side);
	afterChange(ctx);
	explain(ctx, side);
}
function setRegex(ctx, pattern) {
	const { store } = ctx;
	if (pattern === store.regex && store.granularity === "regex") return;
	store.regex = pattern;
	store.granularity = "regex";
	afterGranularityChange(ctx);
}
function setGranularity(ctx, v) {
	if (v === ctx.store.granularity) return;
	ctx.store.granularity = v;
	afterGranularityChange(ctx);
}
function afterGranularityChange(ctx) {
	afterChange(ctx);
	if (ctx.store.isPerSegment(ctx.store.method)) rerunWhereNeeded(ctx);
}
function afterChange(ctx) {
	ctx.renderControls();
	ctx.renderPanes();
	ctx.syncUrl();
}
// src/actions/datapoints.ts
/** The editor's actions: save, add (and compare), delete a datapoint. */
async function saveDatapoint(ctx, id, f) {
	const body = { ...f };
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
async function addDatapoint(ctx, f, compareIt) {
	if (!f.prompt) {
		ctx.showBanner("Write a prompt first: a datapoint needs one.", "add");
		return;
	}
	const body = { ...f };
	if (body.source) body.source = editedName(body.source, ctx.store.examples.map((e) => e.source));
	if (!body.dataset) delete body.dataset;
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
async function uploadDataset(ctx, file) {
	let content;
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
async function deleteDatapoint(ctx, id) {
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
// src/agreement.ts
/**
* Do the methods agree? When the page holds results of several methods for the same selection,
* the rank correlation (Spearman) of their segment scores at the shown granularity says whether
* they tell the same story. Each method's ranking is the one its heatmap and faithfulness check
* use: signed scores by value, unsigned ones (magnitudes) by size.
*/
/** Average ranks (1-based) of `values`, ties sharing the mean of their positions. */
function ranks(values) {
	const order = values.map((v, i) => [v, i]).sort((x, y) => x[0] - y[0]);
	const out = new Array(values.length);
	for (let i = 0; i < order.length;) {
		let j = i;
		while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
		const rank = (i + j) / 2 + 1;
		for (let k = i; k <= j; k++) out[order[k][1]] = rank;
		i = j + 1;
	}
	return out;
}
/** Spearman's rank correlation in [-1, 1] (Pearson of average ranks); null when either side is constant or shorter than 2. */
function spearman(a, b) {
	if (a.length !== b.length) throw new Error(`spearman needs two lists of one length, got ${a.length} and ${b.length}.`);
	if (a.length < 2) return null;
	const ra = ranks(a);
	const rb = ranks(b);
	const mean = (ra.length + 1) / 2;
	let sab = 0;
	let saa = 0;
	let sbb = 0;
	for (let i = 0; i < ra.length; i++) {
		sab += (ra[i] - mean) * (rb[i] - mean);
		saa += (ra[i] - mean) ** 2;
		sbb += (rb[i] - mean) ** 2;
	}
	return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}
/**
* Agreement of each of `others` with `shown`, over the prompt segments both score at
* `options.granularity` (chat-template text left out, as in the ranking); a method that cannot
* be shown at that granularity, or shares too few segments, is left out.
*/
function methodAgreement(shown, others, options) {
	const scores = (result, method) => {
		const display = buildDisplay(result, {
			...options,
			method,
			includeBos: false
		});
		if (display.needsRun || display.granularityError) return null;
		return new Map(display.ranked.map((r) => [`${r.start}:${r.end}`, r.score]));
	};
	const mine = scores(shown, options.method);
	if (!mine) return [];
	const out = [];
	for (const { method, result } of others) {
		const theirs = result.text === shown.text ? scores(result, method) : null;
		if (!theirs) continue;
		const common = [...mine.keys()].filter((k) => theirs.has(k));
		if (common.length < 3) continue;
		const rho = spearman(common.map((k) => mine.get(k)), common.map((k) => theirs.get(k)));
		if (rho !== null) out.push({
			method,
			rho,
			segments: common.length
		});
	}
	return out;
}
// src/diff.ts
/**
* What changed between the two sides of the compare view: the prompt lines B changed or
* added against A (a line diff by longest common subsequence), and the one-line summary of
* the objective's change.
*/
/** Lines of `text` with their code-point ranges (each line without its `\n`). */
function lines(text) {
	const out = [];
	let start = 0;
	const cps = [...text];
	let cur = [];
	cps.forEach((c, i) => {
		if (c === "\n") {
			out.push({
				text: cur.join(""),
				start,
				end: i
			});
			cur = [];
			start = i + 1;
		} else cur.push(c);
	});
	out.push({
		text: cur.join(""),
		start,
		end: cps.length
	});
	return out;
}
/**
* Code-point ranges of the lines of `b` that are not in `a` (changed or added), by a longest
* common subsequence of lines. Empty lines are never marked. Equal texts give `[]`.
*/
function changedLines(a, b) {
	const la = lines(a);
	const lb = lines(b);
	const n = la.length;
	const m = lb.length;
	if (n * m > 4e6) return [];
	const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
	for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = la[i].text === lb[j].text ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
	const out = [];
	let i = 0;
	let j = 0;
	while (j < m) if (i < n && la[i].text === lb[j].text) {
		i++;
		j++;
	} else if (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) i++;
	else {
		if (lb[j].text.trim()) out.push([lb[j].start, lb[j].end]);
		j++;
	}
	return out;
}
/** "B vs A: f −1.250 vs −0.192 (Δ −1.058 nats); output changed" (or "unchanged"). */
function compareHeadline(a, b) {
	const delta = b.objective_value - a.objective_value;
	const sign = delta > 0 ? "+" : "";
	const output = sliceCp(a.text, a.target_span[0], a.target_span[1]) === sliceCp(b.text, b.target_span[0], b.target_span[1]) ? "output unchanged" : "output changed";
	return `B vs A: f ${formatScore(b.objective_value)} vs ${formatScore(a.objective_value)} (Δ ${sign}${formatScore(delta)} nats); ${output}`;
}
// ../promptlight/report.css?raw
var report_default = "/* The HTML report's one style sheet: the web app's export and `promptlight explain --format html` both inline it. */\nbody{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;color:#1a1a1a;background:#fff;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.5}\nh1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.05rem;margin:1.5rem 0 .5rem}\n.meta{color:#555;font-size:.9rem;margin:0}\ndl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font-size:.9rem}dt{color:#555}dd{margin:0}\n.heatmap{white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;line-height:1.7;border:1px solid #ddd;border-radius:6px;padding:.75rem}\n.seg{border-radius:2px}\n.target{color:#666}\n.selected{color:#1a1a1a;background:#fff4c2;box-shadow:inset 0 -2px 0 #c99a00}\n.template{color:#6b6b6b;border:1px dashed #bbb}\n.special{font-size:.7rem;border:1px dashed #999;border-radius:3px;padding:0 .2rem;margin-right:.2rem;color:#555}\n.legend{display:flex;align-items:center;gap:.5rem;font-size:.8rem;color:#444}\n.bar{width:14rem;height:.8rem;border:1px solid #ccc;border-radius:3px}\ntable{border-collapse:collapse;font-size:.85rem}td,th{border-bottom:1px solid #eee;padding:.25rem .6rem;text-align:left;vertical-align:top}\ntd.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\ntd.text{white-space:pre-wrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\nfooter{margin-top:2rem;color:#777;font-size:.8rem}\nbody.compare{max-width:110rem}.sides{display:grid;grid-template-columns:1fr 1fr;gap:2rem}\n";
// src/report.ts
/**
* Exports of the current result: the JSON record as served, and a self-contained HTML report
* (inline CSS, the heatmap as escaped text spans, a legend, no scripts, no network) that opens
* anywhere and can be mailed to people without promptlight.
*/
var ESCAPES = {
	"&": "&amp;",
	"<": "&lt;",
	">": "&gt;",
	"\"": "&quot;",
	"'": "&#39;"
};
/** Escape text for HTML element content and (double- or single-quoted) attribute values. */
function escapeHtml(s) {
	return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
/** The result record as pretty JSON (what `POST /api/salience` returned, minus `cached`). */
function resultToJson(result) {
	const { cached: _cached, ...record } = result;
	return JSON.stringify(record, null, 2) + "\n";
}
/** The body of a report for one result: its facts, the heatmap with its legend, the top segments. */
function reportSection(result, options, heading = "h2") {
	const display = buildDisplay(result, options);
	const e = escapeHtml;
	const spans = display.pieces.map((p) => {
		const tip = p.score === null ? "" : ` title="${e(`score ${formatScore(p.score)}`)}"`;
		if (p.region === "special") return `<span class="special"${tip}>${e(p.text)}</span>`;
		if (p.region === "target") return `<span class="${p.selected ? "target selected" : "target"}">${e(p.text)}</span>`;
		const style = p.onScale ? styleFor(p.score, display.scale) : null;
		const css = style ? ` style="background:${style.background};color:${style.color}"` : "";
		return `<span class="${p.template ? "seg template" : "seg"}"${css}${tip}>${e(p.text)}</span>`;
	}).join("");
	const range = legendRange(display.scale);
	const legendLabels = display.signed ? [`${formatScore(range.low)} pulls the selection down`, `${formatScore(range.high)} pushes it up`] : ["0", `${formatScore(range.high)} (unsigned: more influence)`];
	const top = display.ranked.slice(0, 10).map((r, i) => `<tr><td class="num">${i + 1}</td><td class="num">${e(formatScore(r.score))}</td><td class="text">${e(r.text)}</td></tr>`).join("");
	const [ss, se] = result.selected_span;
	const selected = sliceCp(result.text, ss, se);
	const notes = methodNotes(result, options.method);
	const rows = [
		["model", result.model],
		["method", options.method + (notes.length ? ` (${notes.join(", ")})` : "")],
		["granularity", options.granularity],
		["selected target", selected],
		["objective", describeObjective(result, options.method)],
		["f", `${formatScore(result.objective_value)} nats`]
	];
	if (typeof result.foil === "string" && typeof result.f_target === "number" && typeof result.f_foil === "number") rows.push(["versus (foil)", result.foil], ["log p(selection), log p(foil)", `${formatScore(result.f_target)}, ${formatScore(result.f_foil)} nats`]);
	if (result.faithfulness) rows.push([`faithfulness (${result.faithfulness.granularity})`, checkSummary(result.faithfulness)]);
	return `<dl>${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")}</dl>
${display.notice ? `<p class="meta">${e(display.notice)}</p>` : ""}
<${heading}>Salience over the prompt</${heading}>
<div class="legend"><span>${e(legendLabels[0])}</span><span class="bar" style="background:${legendGradient(display.signed)}"></span>${legendLabels.slice(1).map((l) => `<span>${e(l)}</span>`).join("")}</div>
<p class="meta">Colour = score / max |score| ${options.maxAbs ? `(${e(formatScore(display.scale.maxAbs))}, shared by both sides) ` : ""}over the prompt ${e(options.granularity)}${options.includeBos ? "" : " (BOS left out)"}, intensity ×${e((options.gain ?? 1).toFixed(2))}. Hover a segment for its raw score. The selected target is underlined.</p>
<div class="heatmap">${spans}</div>
<${heading}>Top segments</${heading}>
<table><thead><tr><th>#</th><th>score</th><th>segment</th></tr></thead><tbody>${top}</tbody></table>`;
}
function page(title, subtitle, body, version, wide = false) {
	const e = escapeHtml;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>
${report_default}</style>
</head>
<body${wide ? " class=\"compare\"" : ""}>
<h1>${e(title)}</h1>
${subtitle ? `<p class="meta">${e(subtitle)}</p>` : ""}
${body}
<footer>Made with promptlight. Result schema version ${e(version)}.</footer>
</body>
</html>
`;
}
/** A self-contained HTML page showing `result` at `options.granularity` for `options.method`. */
function buildHtmlReport(result, options) {
	return page(options.title ?? `promptlight salience: ${result.model}`, options.subtitle, reportSection(result, options), String(result.schema_version));
}
/** One self-contained page for the compare view: the headline, then A and B side by side on one colour scale. */
function buildCompareReport(a, b, options) {
	const e = escapeHtml;
	const shared = options.maxAbs ?? Math.max(buildDisplay(a, options).scale.maxAbs, buildDisplay(b, options).scale.maxAbs);
	const side = (r, label, name) => `<section><h2>${e(name)}: ${e(label)}</h2>${reportSection(r, {
		...options,
		maxAbs: shared
	}, "h3")}</section>`;
	const body = `<p><strong>${e(options.headline)}</strong></p><div class="sides">${side(a, options.labels[0], "A")}${side(b, options.labels[1], "B")}</div>`;
	return page(options.title ?? "promptlight: compare", options.subtitle, body, String(a.schema_version), true);
}
// src/actions/exports.ts
/** A pane's result as a JSON file or a self-contained HTML report. */
function safeName(s) {
	return s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60) || "result";
}
function exportBase(ctx, side) {
	const d = ctx.store.panes[side].datapoint;
	return `promptlight-${safeName(d?.source || d?.id || "result")}-${ctx.store.method}-${safeName(ctx.store.granularityName())}`;
}
function exportJson(ctx, side) {
	const r = ctx.store.panes[side].result;
	if (r) download(`${exportBase(ctx, side)}.json`, resultToJson(r), "application/json");
}
function exportHtml(ctx, side) {
	const { store } = ctx;
	const r = store.panes[side].result;
	const d = store.panes[side].datapoint;
	if (!r) return;
	const html = buildHtmlReport(r, {
		method: store.method,
		granularity: store.granularityName(),
		includeBos: store.includeBos,
		gain: gainOfSlider(store.intensity),
		title: `promptlight: ${d?.source || d?.id || "salience"}`,
		subtitle: d ? `Example ${d.id} (${d.dataset}); explaining the ${store.source === "output" ? "model output" : "dataset target"}.` : void 0
	});
	download(`${exportBase(ctx, side)}.html`, html, "text/html");
}
/** The compare view as one self-contained HTML page: the headline, A and B on the compare view's colour scale. */
function exportCompareHtml(ctx) {
	const { store } = ctx;
	const [a, b] = [store.panes.A.result, store.panes.B.result];
	if (!a || !b) return;
	const name = (side) => {
		const d = store.panes[side].datapoint;
		return d ? `${d.source || d.id} (${d.id})` : side;
	};
	const changed = changedLines(sliceCp(a.text, a.prompt_span[0], a.prompt_span[1]), sliceCp(b.text, b.prompt_span[0], b.prompt_span[1])).length;
	const html = buildCompareReport(a, b, {
		method: store.method,
		granularity: store.granularityName(),
		includeBos: store.includeBos,
		gain: gainOfSlider(store.intensity),
		title: `promptlight compare: ${name("B")} vs ${name("A")}`,
		subtitle: `${store.method} at ${store.granularityName()}; ${changed} prompt line${changed === 1 ? "" : "s"} changed in B.`,
		labels: [name("A"), name("B")],
		headline: compareHeadline(a, b),
		maxAbs: store.sharedScale ? void 0 : 0
	});
	download(`promptlight-compare-${safeName(name("A"))}-${safeName(name("B"))}.html`, html, "text/html");
}
// src/ui/panes.ts
/** The right column's result area: pane A, and pane B beside it in the compare view. */
var PanesPanel = class {
	el = h("div", { class: "pl-panes" });
	/** The compare view's headline: how f moved, whether the output changed, the shared-scale toggle, the report. */
	head = h("div", {
		class: "pl-compare-head pl-small",
		attrs: { role: "status" }
	});
	ctx;
	views;
	constructor(ctx) {
		this.ctx = ctx;
		this.views = {
			A: new PaneView(this.actions("A")),
			B: new PaneView({
				...this.actions("B"),
				close: () => void compare(ctx, null),
				swap: () => swap(ctx),
				followA: () => followAgain(ctx)
			})
		};
	}
	actions(side) {
		const ctx = this.ctx;
		return {
			generate: async () => {
				const ok = await generate(ctx, side);
				const d = ctx.store.panes[side].datapoint;
				if (ok && ctx.store.source === "target" && d && !datasetTarget(d)) setSource(ctx, "output");
			},
			explain: () => void explain(ctx, side),
			commitSpan: (span) => commitSpan(ctx, side, span),
			exportJson: () => exportJson(ctx, side),
			exportHtml: () => exportHtml(ctx, side),
			contrast: (span, foil) => contrastAt(ctx, side, span, foil),
			cancel: () => void cancelCall(ctx, side),
			check: () => void explain(ctx, side, { check: true }),
			useOutput: () => {
				setSource(ctx, "output");
				if (!ctx.store.panes[side].result) explain(ctx, side);
			}
		};
	}
	render() {
		const s = this.ctx.store;
		const pane = {
			method: s.method,
			granularity: s.granularityName(),
			includeBos: s.includeBos,
			gain: gainOfSlider(s.intensity),
			source: s.source,
			methods: s.methods,
			compare: s.comparing
		};
		const a = s.panes.A.result;
		const b = s.panes.B.result;
		let scaleMax;
		let changed = [];
		if (s.comparing && a && b) {
			const options = {
				method: s.method,
				granularity: s.granularityName(),
				includeBos: s.includeBos
			};
			if (s.sharedScale) try {
				scaleMax = Math.max(buildDisplay(a, options).scale.maxAbs, buildDisplay(b, options).scale.maxAbs);
			} catch {
				scaleMax = void 0;
			}
			changed = changedLines(sliceCp(a.text, a.prompt_span[0], a.prompt_span[1]), sliceCp(b.text, b.prompt_span[0], b.prompt_span[1]));
		}
		this.views.A.render({
			...pane,
			side: "A",
			scaleMax,
			agreement: this.agreement("A")
		}, s.panes.A);
		if (s.comparing) this.views.B.render({
			...pane,
			side: "B",
			scaleMax,
			changed,
			agreement: this.agreement("B")
		}, s.panes.B);
		this.renderHead(a, b, changed.length);
		const want = s.comparing ? [
			this.head,
			this.views.A.el,
			this.views.B.el
		] : [this.views.A.el];
		if (this.el.children.length !== want.length || want.some((el, i) => this.el.children[i] !== el)) replace(this.el, ...want);
		this.el.classList.toggle("pl-two", s.comparing);
	}
	/** How the other methods the page holds for this pane's selection rank its segments against the shown one. */
	agreement(side) {
		const s = this.ctx.store;
		const shown = s.panes[side].result;
		if (!shown) return [];
		return methodAgreement(shown, s.otherMethodResults(side), {
			method: s.method,
			granularity: s.granularityName()
		});
	}
	renderHead(a, b, changed) {
		const s = this.ctx.store;
		if (!s.comparing) return;
		const toggle = h("input", { attrs: {
			type: "checkbox",
			"aria-label": "Shared colour scale"
		} });
		toggle.checked = s.sharedScale;
		toggle.addEventListener("change", () => {
			s.sharedScale = toggle.checked;
			this.render();
		});
		replace(this.head, h("strong", null, a && b ? compareHeadline(a, b) : "Explain both sides to compare them."), a && b ? h("span", { class: "pl-muted" }, changed ? ` · ${changed} prompt line${changed === 1 ? "" : "s"} changed in B (marked)` : " · same prompt lines") : null, h("label", { class: "pl-row pl-gap-s" }, toggle, s.sharedScale ? "Shared colour scale" : "Separate colour scales"), a && b ? h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				title: "Download one self-contained HTML page with both sides"
			},
			on: { click: () => exportCompareHtml(this.ctx) }
		}, "Compare report") : null);
	}
	destroy() {
		this.views.A.destroy();
		this.views.B.destroy();
	}
};
// src/ui/method-options.ts
/**
* Controls for the chosen method's options, drawn from its option table (`/api/methods`):
* a number field for integers and numbers (with the table's bounds), a select for choices,
* a checkbox for booleans. No control knows a method by name: a new method's options appear
* here by themselves.
*/
/** The value typed into a control, as the option's type (null = empty = the default). */
function parseOptionInput(opt, raw) {
	const text = raw.trim();
	if (text === "") return null;
	if (opt.special.includes(text)) return text;
	if (opt.type === "integer" || opt.type === "number") {
		const n = Number(text);
		if (!Number.isFinite(n)) return text;
		return opt.type === "integer" ? Math.trunc(n) : n;
	}
	if (opt.type === "boolean") return text === "true";
	return text;
}
function control(opt, value, onOption) {
	const id = uniqueId(`opt-${opt.name}`);
	const bounds = [
		opt.minimum !== null ? `≥ ${opt.minimum}` : "",
		opt.maximum !== null ? `≤ ${opt.maximum}` : "",
		opt.cap ? `capped by the server's ${opt.cap}` : ""
	].filter(Boolean).join(", ");
	const title = `${opt.help}${bounds ? ` (${bounds})` : ""}. Default: ${opt.default ?? "chosen by the method"}.`;
	let input;
	if (opt.choices) {
		input = h("select", {
			class: "pl-input",
			attrs: {
				id,
				title,
				"data-option": opt.name
			},
			on: { change: () => onOption(opt.name, input.value === String(opt.default) ? null : input.value) }
		}, ...opt.choices.map((c) => h("option", { attrs: { value: c } }, c)));
		input.value = String(value ?? opt.default ?? "");
	} else if (opt.type === "boolean") {
		const box = h("input", { attrs: {
			id,
			type: "checkbox",
			title,
			"data-option": opt.name
		} });
		box.checked = Boolean(value ?? opt.default);
		box.addEventListener("change", () => onOption(opt.name, box.checked === Boolean(opt.default) ? null : box.checked));
		input = box;
	} else {
		const numeric = opt.type !== "string" && opt.special.length === 0;
		const field = h("input", {
			class: "pl-input pl-num",
			attrs: {
				id,
				title,
				"data-option": opt.name,
				type: numeric ? "number" : "text",
				...opt.minimum !== null ? { min: opt.minimum } : {},
				...opt.maximum !== null ? { max: opt.maximum } : {},
				...opt.type === "integer" ? { step: 1 } : {},
				placeholder: opt.default === null ? "auto" : String(opt.default)
			}
		});
		field.value = value === void 0 || value === null ? "" : String(value);
		field.addEventListener("change", () => {
			const v = parseOptionInput(opt, field.value);
			onOption(opt.name, v === opt.default ? null : v);
		});
		input = field;
	}
	return h("div", { class: "pl-field pl-field-inline pl-option" }, h("label", { attrs: {
		for: id,
		title
	} }, opt.name.replace(/_/g, " ")), input);
}
var MethodOptions = class {
	el = h("div", {
		class: "pl-row pl-wrap pl-gap-s pl-options",
		attrs: {
			role: "group",
			"aria-label": "Method options"
		}
	});
	shown = "";
	shownMethod;
	onOption;
	constructor(onOption) {
		this.onOption = onOption;
	}
	render(method, values) {
		const options = method?.options ?? [];
		const key = JSON.stringify([
			method?.name,
			options,
			values
		]);
		if (key === this.shown) return;
		const typing = this.el.contains(document.activeElement) && this.shownMethod === method?.name;
		this.shown = key;
		if (typing) return;
		this.shownMethod = method?.name;
		this.el.hidden = options.length === 0;
		replace(this.el, ...options.map((o) => control(o, values[o.name], this.onOption)));
	}
};
// src/ui/toolbar.ts
/**
* The salience controls: what to explain, the method and its options, the granularity (and
* a custom regex), colour intensity, BOS on the scale, Auto-run, the compare picker and the
* generation settings. It draws the store and reports choices through `ToolbarActions`.
*/
var METHOD_LABELS = {
	grad_l2: "Grad L2",
	grad_dot_input: "Grad · input",
	integrated_gradients: "Integrated gradients",
	occlusion: "Occlusion",
	kernel_shap: "KernelSHAP",
	lime: "LIME",
	context_cite: "ContextCite"
};
/** A group of toggle buttons with radio semantics and arrow-key navigation. */
function radios(group, name, items, current, onPick) {
	const hadFocus = group.contains(document.activeElement);
	replace(group, ...items.map((it) => h("button", {
		class: `pl-seg-btn${it.value === current ? " pl-on" : ""}`,
		attrs: {
			type: "button",
			role: "radio",
			"aria-checked": it.value === current ? "true" : "false",
			tabindex: it.value === current ? 0 : -1,
			title: it.title,
			"data-value": it.value,
			name
		},
		on: {
			click: () => onPick(it.value),
			keydown: (e) => {
				const ev = e;
				const i = items.findIndex((x) => x.value === it.value);
				let j = -1;
				if (ev.key === "ArrowRight" || ev.key === "ArrowDown") j = (i + 1) % items.length;
				if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") j = (i - 1 + items.length) % items.length;
				if (j < 0) return;
				ev.preventDefault();
				onPick(items[j].value);
				group.querySelector(`[data-value="${CSS.escape(items[j].value)}"]`)?.focus();
			}
		}
	}, it.label)));
	if (hadFocus) group.querySelector("[aria-checked=\"true\"]")?.focus();
}
var Toolbar = class {
	el;
	store;
	actions;
	methodGroup = h("div", {
		class: "pl-seg-group",
		attrs: {
			role: "radiogroup",
			"aria-label": "Salience method"
		}
	});
	granGroup = h("div", {
		class: "pl-seg-group",
		attrs: {
			role: "radiogroup",
			"aria-label": "Granularity"
		}
	});
	sourceGroup = h("div", {
		class: "pl-seg-group",
		attrs: {
			role: "radiogroup",
			"aria-label": "What to explain"
		}
	});
	options;
	regexInput;
	foilInput;
	intensityInput;
	intensityOut = h("output", { class: "pl-small pl-num" });
	bosInput;
	chatInput;
	chatLabel;
	autoInput;
	compareSelect = h("select", { class: "pl-input pl-compare-select" });
	genInputs = {};
	/** Why a generation field's value was not taken (out of range), or empty. */
	genError = h("p", {
		class: "pl-small pl-gen-error",
		attrs: { role: "alert" }
	});
	genBox = null;
	constructor(store, actions) {
		this.store = store;
		this.actions = actions;
		this.options = new MethodOptions(actions.setOption);
		this.regexInput = h("input", {
			class: "pl-input pl-mono pl-regex",
			attrs: {
				id: uniqueId("regex"),
				type: "text",
				spellcheck: "false",
				autocomplete: "off",
				"aria-label": "Custom regex",
				title: "JavaScript regular expression (u flag), NOT Python's re syntax: e.g. (?<name>…) instead of (?P<name>…), no inline flags like (?m). Every match is a segment and every gap between matches is a segment; empty matches are ignored. With occlusion the server applies the pattern with Python's re."
			},
			props: { value: store.regex },
			on: { change: () => actions.setRegex(this.regexInput.value) }
		});
		this.foilInput = h("input", {
			class: "pl-input pl-mono pl-foil",
			attrs: {
				type: "text",
				spellcheck: "false",
				autocomplete: "off",
				"aria-label": "Versus (foil)",
				placeholder: "a foil, e.g.  Avoid.",
				title: "Contrastive: explain why the model writes the selection rather than this text at the same place. f = log p(selection) − log p(foil); positive pushes the selection up relative to the foil. Empty: the plain objective."
			},
			on: { change: () => actions.setFoil(this.foilInput.value) }
		});
		this.intensityInput = h("input", {
			class: "pl-range",
			attrs: {
				type: "range",
				min: -2,
				max: 2,
				step: .25,
				"aria-label": "Colour intensity"
			},
			props: { value: "0" },
			on: { input: () => {
				store.intensity = Number(this.intensityInput.value);
				this.renderIntensity();
				actions.redraw();
			} }
		});
		this.bosInput = h("input", {
			attrs: { type: "checkbox" },
			on: { change: () => {
				store.includeBos = this.bosInput.checked;
				actions.redraw();
			} }
		});
		this.chatInput = h("input", {
			attrs: { type: "checkbox" },
			on: { change: () => actions.setChat(this.chatInput.checked) }
		});
		this.chatLabel = h("label", {
			class: "pl-check",
			attrs: { title: "Send the prompt as one user message through the model's chat template (role markers and turn delimiters are muted)" }
		}, this.chatInput, "Chat template");
		this.autoInput = h("input", {
			attrs: { type: "checkbox" },
			props: { checked: true },
			on: { change: () => store.autoRun = this.autoInput.checked }
		});
		this.compareSelect.addEventListener("change", () => actions.compare(this.compareSelect.value || null));
		this.el = this.build();
	}
	build() {
		const genField = (key, label, attrs, help) => {
			const id = uniqueId(key);
			const input = h("input", {
				class: "pl-input pl-num",
				attrs: {
					id,
					type: key === "stop" ? "text" : "number",
					title: help,
					...attrs
				},
				on: { change: () => this.onGenerationInput(input, label) }
			});
			this.genInputs[key] = input;
			return h("div", { class: "pl-field pl-field-inline" }, h("label", { attrs: { for: id } }, label), input);
		};
		const genBox = h("details", { class: "pl-gen" }, h("summary", null, "Generation settings"), h("div", { class: "pl-gen-grid" }, genField("max_new_tokens", "Max new tokens", {
			min: 1,
			max: 4096,
			step: 1
		}, "Stop after this many new tokens"), genField("temperature", "Temperature", {
			min: 0,
			max: 5,
			step: .05
		}, "0 = greedy (deterministic)"), genField("top_p", "Top-p", {
			min: 0,
			max: 1,
			step: .01
		}, "Nucleus sampling: keep the smallest set of tokens with this much probability (1 = off)"), genField("top_k", "Top-k", {
			min: 0,
			step: 1
		}, "Keep only the k most likely tokens (0 = off)"), genField("seed", "Seed", { step: 1 }, "Random seed for sampling"), genField("stop", "Stop strings", { placeholder: "e.g. \\n\\n, ###" }, "Comma-separated; \\n means a newline. Generation stops before the first one.")), this.genError);
		this.genBox = genBox;
		const label = (text) => h("span", {
			class: "pl-control-label",
			attrs: { "aria-hidden": "true" }
		}, text);
		return h("section", {
			class: "pl-toolbar pl-card",
			attrs: { "aria-label": "Salience controls" }
		}, h("div", { class: "pl-row pl-wrap pl-gap" }, h("div", { class: "pl-control" }, label("Explain"), this.sourceGroup), h("div", { class: "pl-control" }, label("Method"), this.methodGroup), h("label", { class: "pl-control" }, label("Versus"), this.foilInput)), h("div", { class: "pl-row pl-wrap pl-gap" }, this.options.el), h("div", { class: "pl-row pl-wrap pl-gap" }, h("div", { class: "pl-control" }, label("Granularity"), this.granGroup, this.regexInput)), h("div", { class: "pl-row pl-wrap pl-gap" }, h("label", {
			class: "pl-control",
			attrs: { title: "Colour intensity: higher saturates smaller scores" }
		}, h("span", { class: "pl-control-label" }, "Intensity"), this.intensityInput, this.intensityOut), h("label", {
			class: "pl-check",
			attrs: { title: "Include the BOS token and chat-template text in max |score| and the top list (they usually dominate, so they are left out by default)" }
		}, this.bosInput, "BOS & template on scale"), this.chatLabel, h("label", {
			class: "pl-check",
			attrs: { title: "Re-run salience when the selection, method or (for occlusion) granularity changes" }
		}, this.autoInput, "Auto-run"), h("label", { class: "pl-control" }, h("span", { class: "pl-control-label" }, "Compare"), this.compareSelect), genBox));
	}
	/** Apply a generation field, or, for a value out of its range, say so and keep the settings as they were. */
	onGenerationInput(input, label) {
		const v = input.validity;
		if (input.type === "number" && (v.rangeUnderflow || v.rangeOverflow || v.badInput)) {
			const { min, max } = input;
			const range = min !== "" && max !== "" ? `from ${min} to ${max}` : min !== "" ? `${min} or more` : "a whole number";
			input.setAttribute("aria-invalid", "true");
			this.genError.textContent = `${label} ${input.value || "(empty)"} is not valid: give a number ${range}. The setting is unchanged.`;
			return;
		}
		input.removeAttribute("aria-invalid");
		if (!this.genBox?.querySelector("[aria-invalid=\"true\"]")) this.genError.textContent = "";
		this.actions.setGeneration(this.readGeneration());
	}
	readGeneration() {
		const num = (k, fallback) => {
			const v = Number(this.genInputs[k].value);
			return this.genInputs[k].value.trim() === "" || !Number.isFinite(v) ? fallback : v;
		};
		const stop = this.genInputs.stop.value.split(",").map((s) => s.trim().replace(/\\n/g, "\n").replace(/\\t/g, "	")).filter((s) => s !== "");
		return {
			max_new_tokens: Math.max(1, Math.round(num("max_new_tokens", DEFAULT_GENERATION.max_new_tokens))),
			temperature: Math.max(0, num("temperature", 0)),
			top_p: Math.min(1, Math.max(0, num("top_p", 1))),
			top_k: Math.max(0, Math.round(num("top_k", 0))),
			seed: Math.round(num("seed", 0)),
			stop
		};
	}
	/** On every redraw: only what other actions change (the compare picker). */
	render() {
		this.renderCompareSelect();
		this.renderStopHint();
	}
	/** After the choices changed: every control. */
	renderControls() {
		const s = this.store;
		this.genInputs.max_new_tokens.max = String(s.maxNewTokens);
		radios(this.sourceGroup, "source", [{
			value: "target",
			label: "Dataset target",
			title: "Explain the example's target text"
		}, {
			value: "output",
			label: "Model output",
			title: "Explain what the model generated (generates first if needed)"
		}], s.source, (v) => this.actions.setSource(v));
		radios(this.methodGroup, "method", s.methods.map((m) => ({
			value: m.name,
			label: METHOD_LABELS[m.name] ?? m.name,
			title: `${m.name}: ${m.description ?? ""}${m.signed ? " (signed)" : " (unsigned)"}. ${selectionCost(m)}`
		})), s.method, (v) => this.actions.setMethod(v));
		this.options.render(s.methodInfo(), s.options[s.method] ?? {});
		const perSegment = s.isPerSegment(s.method);
		radios(this.granGroup, "granularity", [
			...s.granularities,
			...s.isChat() ? ["messages"] : [],
			"regex"
		].map((g) => ({
			value: g,
			label: g === "regex" ? "custom regex" : g,
			title: g === "regex" ? "Custom segments from a JavaScript regular expression (not Python syntax)" : `Sum token scores per ${g.replace(/s$/, "")}${perSegment ? ` (${s.method} needs a new run)` : " (no new request)"}`
		})), s.granularity, (v) => this.actions.setGranularity(v));
		this.regexInput.hidden = s.granularity !== "regex";
		if (document.activeElement !== this.regexInput) this.regexInput.value = s.regex;
		if (document.activeElement !== this.foilInput) this.foilInput.value = s.foil;
		this.intensityInput.value = String(s.intensity);
		this.renderIntensity();
		this.bosInput.checked = s.includeBos;
		const chatRow = s.panes.A.datapoint !== null && s.isChat() && !s.chat;
		this.chatLabel.hidden = !s.modelHasChat() || chatRow;
		this.chatInput.checked = s.chat;
		this.autoInput.checked = s.autoRun;
		const g = s.gen;
		const setIf = (k, v) => {
			const el = this.genInputs[k];
			if (el && document.activeElement !== el) el.value = v;
		};
		setIf("max_new_tokens", String(g.max_new_tokens));
		setIf("temperature", String(g.temperature));
		setIf("top_p", String(g.top_p));
		setIf("top_k", String(g.top_k));
		setIf("seed", String(g.seed));
		setIf("stop", stopText(g.stop));
		this.renderCompareSelect();
	}
	/** The stop field's hint: when it is empty, the selected example's own stop strings apply. */
	renderStopHint() {
		const d = this.store.panes.A.datapoint;
		const own = d ? datasetStop(d) : [];
		const input = this.genInputs.stop;
		input.placeholder = own.length ? `this example's: ${stopText(own)}` : "e.g. \\n\\n, ###";
		input.title = `Comma-separated; \\n means a newline. Generation stops before the first one.${own.length ? ` Left empty, this example's own stop strings apply (${stopText(own)}).` : ""}`;
	}
	renderIntensity() {
		this.intensityOut.textContent = `×${gainOfSlider(this.store.intensity).toFixed(2)}`;
	}
	renderCompareSelect() {
		const s = this.store;
		const cur = s.comparing ? s.panes.B.datapoint?.id ?? "" : "";
		replace(this.compareSelect, h("option", { attrs: { value: "" } }, "— nothing —"), ...s.examples.map((e) => h("option", { attrs: { value: e.id } }, `${e.source || e.id} (${e.id})`)));
		if (cur && !s.examples.some((e) => e.id === cur)) this.compareSelect.appendChild(h("option", { attrs: { value: cur } }, cur));
		this.compareSelect.value = cur;
	}
};
/** What a new selection inside the same output costs with method `m`, in one sentence. */
function selectionCost(m) {
	return m.answers_new_selections ? "A new selection in the same output is answered from its run, with no model call." : "Each new selection needs a model call.";
}
// src/panels.ts
/**
* The panels of the app, in display order: a panel is one file in `ui/` plus one line here.
*
* `region` says where it goes: `left` (the examples column, hidden in the compare view)
* or `right` (the main column). `create` gets the app's context and returns the panel;
* its `render()` runs on every redraw, so it reads what it needs from `ctx.store`.
*/
var PANELS = [
	{
		id: "examples",
		region: "left",
		create: (ctx) => ({
			el: ctx.examplesView.el,
			render: () => ctx.examplesView.setSelected(ctx.store.panes.A.datapoint?.id ?? null, ctx.store.comparing ? ctx.store.panes.B.datapoint?.id ?? null : null)
		})
	},
	{
		id: "editor",
		region: "left",
		create: (ctx) => ({
			el: ctx.editor.el,
			render: () => void 0
		})
	},
	{
		id: "toolbar",
		region: "right",
		create: (ctx) => new Toolbar(ctx.store, {
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
			compare: (id) => void compare(ctx, id)
		})
	},
	{
		id: "panes",
		region: "right",
		create: (ctx) => new PanesPanel(ctx)
	}
];
// src/state.ts
/**
* The app's state, in one place, and everything derived from it: the salience request of a
* pane, the client-side result-cache key (derived from the whole request, so a new request
* field can never serve a stale result), and the view kept in the URL. The actions in
* `actions/` change it; the panels in `ui/` draw it.
*/
/** A cache key without its selection (and whether it was checked): the requests one record can answer. */
function familyKey(key) {
	const pairs = JSON.parse(key).filter(([k]) => k !== "check");
	return JSON.stringify(pairs.map(([k, v]) => [k, k === "target_span" ? null : v]));
}
/** Whether `record` (of `result`) recorded every target token the selection `span` (code points of the target) overlaps. */
function recordCovers(result, record, span) {
	const start = result.target_span[0] + span[0];
	const end = result.target_span[0] + span[1];
	const hits = result.tokens.map((t, i) => !t.special && t.start < end && start < t.end ? i : -1).filter((i) => i >= 0);
	if (!hits.length) return false;
	return hits[0] >= record.first_token && hits[hits.length - 1] < record.first_token + record.full.length;
}
var Store = class {
	/** Seconds per pass learned from this session's calls: how auto-run knows a call will be long. */
	rates = new PassRates();
	models = [];
	/** Models the server may load on request (`--model-dirs`), and those folders' names. */
	modelFiles = [];
	modelDirs = [];
	model = "";
	datasets = [];
	examples = [];
	methods = FALLBACK_METHODS;
	granularities = [...BASE_GRANULARITIES];
	method = "grad_l2";
	/** Option values the user set, per method (only those differing from the default are sent). */
	options = {};
	granularity = "words";
	/** Contrastive: the foil text ("" = the plain objective). */
	foil = "";
	regex = "[^\\n]+\\n*";
	/** Send plain prompts as one user message through the model's chat template. */
	chat = false;
	/** The models that have a chat template (from /api/models). */
	chatModels = [];
	source = "target";
	intensity = 0;
	includeBos = false;
	/** The server's max_new_tokens setting (the generation field's upper bound). */
	maxNewTokens = 512;
	/** Compare view: colour both panes on one scale (the larger max |score| of the two). */
	sharedScale = true;
	autoRun = true;
	gen = { ...DEFAULT_GENERATION };
	panes = {
		A: emptyPane(),
		B: emptyPane()
	};
	comparing = false;
	/**
	* Pane B has its own span (chosen in B, from the view's link, or kept by a swap): the key of
	* pane A's selection at that moment (`selectionKeyA`). Null = B follows A's selection. B's
	* own span is dropped when A's selection changes.
	*/
	bOwn = null;
	/** Bumped to drop the answer of a call that a later action made obsolete (the last click wins). */
	seq = {
		A: 0,
		B: 0
	};
	running = [];
	modelStatus = "";
	cache = /* @__PURE__ */ new Map();
	granularityName() {
		return this.granularity === "regex" ? `${REGEX_PREFIX}${this.regex}` : this.granularity;
	}
	methodInfo(method = this.method) {
		return this.methods.find((m) => m.name === method);
	}
	/** Whether `method` scores segments at the requested granularity (occlusion) instead of tokens. */
	isPerSegment(method) {
		const info = this.methodInfo(method);
		return info?.level ? info.level !== "tokens" : method === "occlusion";
	}
	/** The options of `method` to send: those set to something other than their default. */
	requestOptions(method = this.method) {
		const table = this.methodInfo(method)?.options ?? [];
		const set = this.options[method] ?? {};
		const out = {};
		for (const opt of table) {
			const v = set[opt.name];
			if (v !== void 0 && v !== null && v !== "" && v !== opt.default) out[opt.name] = v;
		}
		return out;
	}
	/** Whether the current model can read messages. */
	modelHasChat() {
		return this.chatModels.includes(this.model);
	}
	/** What the model reads for `d`: its own messages (a chat row), the prompt as one user message (chat on), or the prompt. */
	promptInput(d) {
		const messages = promptMessages(d);
		if (messages) return { messages };
		if (this.chat && this.modelHasChat()) return { messages: [{
			role: "user",
			content: d.prompt
		}] };
		return { prompt: d.prompt };
	}
	/** Whether pane `side` explains a chat (so the `messages` granularity applies). */
	isChat(side = "A") {
		const d = this.panes[side].datapoint;
		return d !== null && "messages" in this.promptInput(d);
	}
	/** The salience request of pane `side` for `method` (default: the shown one), or null without a target. */
	request(side, method = this.method) {
		const pane = this.panes[side];
		const d = pane.datapoint;
		const target = explainedText(pane, this.source);
		if (!d || !target) return null;
		const gran = this.granularityName();
		const req = {
			model: this.model,
			...this.promptInput(d),
			target,
			target_span: pane.span,
			method,
			granularity: this.isPerSegment(method) || !isRegexGranularity(gran) ? gran : "words",
			options: this.requestOptions(method)
		};
		if (this.foil.trim()) req.foil = this.foil;
		return req;
	}
	/** The cache key of `req` (as if for `method`): every field of the request, the granularity only where it
	* matters (per-segment methods, and a faithfulness check, which removes segments of that granularity). */
	cacheKey(req, method = req.method) {
		const granularity = this.isPerSegment(method) || req.check ? req.granularity : "";
		const fields = Object.keys(req).sort();
		return JSON.stringify(fields.map((k) => [k, k === "method" ? method : k === "granularity" ? granularity : req[k]]));
	}
	/** The result this page holds for `req`: a checked one first (the same scores, and the check), else the plain one. */
	cachedResult(req) {
		return this.cache.get(this.cacheKey({
			...req,
			check: true,
			granularity: this.granularityName()
		})) ?? this.cache.get(this.cacheKey(req));
	}
	/**
	* A result this page holds whose record answers `req`'s selection with no model call: the same
	* request over another span of the same target, by a perturbation method that keeps its
	* variants, whose recorded target tokens cover the new selection. Returns the target_span that
	* run was asked with (for `answer_from`), or null.
	*/
	recordFor(req) {
		if (req.check || req.foil || !this.methodInfo(req.method)?.answers_new_selections) return null;
		const family = familyKey(this.cacheKey(req));
		const span = req.target_span ?? [0, cpLength(req.target)];
		for (const [key, result] of this.cache) {
			const record = result.variants?.[req.method];
			if (!record || result.method !== req.method || familyKey(key) !== family) continue;
			if (!recordCovers(result, record, span)) continue;
			return JSON.parse(key).find(([k]) => k === "target_span")?.[1] ?? [0, cpLength(req.target)];
		}
		return null;
	}
	/** Results this page already has for pane `side`'s selection from methods other than the shown one. */
	otherMethodResults(side) {
		const out = [];
		for (const { name } of this.methods) {
			const req = name === this.method ? null : this.request(side, name);
			if (!req) continue;
			const result = this.cachedResult(req);
			if (result?.methods[name]) out.push({
				method: name,
				result
			});
		}
		return out;
	}
	activeSides() {
		return this.comparing ? ["A", "B"] : ["A"];
	}
	/** What pane B's own span is kept against: A's example, selection and what is explained. */
	selectionKeyA() {
		const a = this.panes.A;
		return JSON.stringify([
			a.datapoint?.id ?? null,
			a.span,
			this.source
		]);
	}
	viewState(dataset) {
		const a = this.panes.A;
		const b = this.panes.B;
		const options = this.requestOptions();
		return {
			model: this.models.length > 1 ? this.model : void 0,
			dataset: dataset || void 0,
			example: a.datapoint?.id,
			span: a.span ?? void 0,
			compare: this.comparing ? b.datapoint?.id : void 0,
			compareSpan: this.comparing && this.bOwn !== null ? b.span ?? void 0 : void 0,
			method: this.method,
			options: Object.keys(options).length ? options : void 0,
			foil: this.foil || void 0,
			granularity: this.granularityName(),
			source: this.source,
			intensity: this.intensity,
			run: Boolean(a.result),
			generation: this.gen
		};
	}
};
// src/ui/editor.ts
/**
* The datapoint editor: create, edit, duplicate, delete; "Add" and "Add and compare".
* Built-in dataset rows are read-only on the server: saving one creates a user copy.
*
* A chat datapoint (`fields.messages`) is edited as its messages, a role and a text each;
* its `prompt` is kept as the chat's plain-text preview. "Edit as chat" turns a prompt into
* one user message.
*/
var ROLES = [
	"system",
	"user",
	"assistant"
];
function field(label, control, hint) {
	const id = control.id || uniqueId("f");
	control.id = id;
	return h("div", { class: "pl-field" }, h("label", { attrs: { for: id } }, label, hint ? h("span", { class: "pl-muted pl-small" }, ` ${hint}`) : null), control);
}
var Editor = class {
	el;
	cb;
	source;
	dataset;
	datasetList;
	prompt;
	target;
	idLabel;
	dirtyLabel;
	saveBtn;
	dupBtn;
	deleteBtn;
	promptField;
	messagesList = h("div", {
		class: "pl-messages",
		attrs: {
			role: "list",
			"aria-label": "Chat messages"
		}
	});
	messagesField;
	chatBtn;
	rows = [];
	current = null;
	confirmDelete = false;
	constructor(cb) {
		this.cb = cb;
		const listId = uniqueId("datasets");
		const onInput = () => this.paint();
		this.source = h("input", {
			class: "pl-input",
			attrs: {
				type: "text",
				placeholder: "e.g. fewshot-constitution",
				autocomplete: "off"
			},
			on: { input: onInput }
		});
		this.dataset = h("input", {
			class: "pl-input",
			attrs: {
				type: "text",
				list: listId,
				autocomplete: "off"
			},
			on: { input: onInput }
		});
		this.datasetList = h("datalist", { attrs: { id: listId } });
		this.prompt = h("textarea", {
			class: "pl-input pl-mono",
			attrs: {
				rows: 7,
				spellcheck: "false"
			},
			on: { input: onInput }
		});
		this.target = h("textarea", {
			class: "pl-input pl-mono",
			attrs: {
				rows: 2,
				spellcheck: "false",
				placeholder: "Optional: the expected output"
			},
			on: { input: onInput }
		});
		this.idLabel = h("span", { class: "pl-muted pl-small" });
		this.dirtyLabel = h("span", {
			class: "pl-dirty pl-small",
			attrs: { "aria-live": "polite" }
		});
		const btn = (label, title, on, cls = "pl-btn") => h("button", {
			class: cls,
			attrs: {
				type: "button",
				title
			},
			on: { click: on }
		}, label);
		this.saveBtn = btn("Save", "Save the changes to this datapoint (a built-in row is saved as a new user datapoint)", () => {
			if (this.current) this.cb.onSave(this.current.id, this.fields());
		}, "pl-btn pl-btn-primary");
		this.dupBtn = btn("Duplicate", "Add a copy of this datapoint", () => {
			if (this.current) this.cb.onDuplicate(this.current.id, this.fields());
		});
		this.deleteBtn = btn("Delete", "Delete this user datapoint", () => this.onDeleteClick(), "pl-btn pl-btn-danger");
		this.promptField = field("Prompt", this.prompt);
		this.chatBtn = btn("Edit as chat", "Turn the prompt into chat messages (one user message to start with), rendered with the model's chat template", () => {
			this.setMessages([{
				role: "user",
				content: this.prompt.value
			}]);
			this.paint();
		}, "pl-btn pl-btn-small");
		this.messagesField = h("div", { class: "pl-field" }, h("span", { class: "pl-label" }, "Messages", h("span", { class: "pl-muted pl-small" }, " (rendered with the model's chat template; a last assistant message is the target)")), this.messagesList, h("div", { class: "pl-row pl-gap-s" }, btn("Add message", "Add a message at the end", () => {
			const last = this.rows[this.rows.length - 1]?.role.value;
			this.addRow({
				role: last === "user" ? "assistant" : "user",
				content: ""
			});
			this.paint();
		}, "pl-btn pl-btn-small")));
		this.el = h("section", {
			class: "pl-card pl-editor",
			attrs: { "aria-label": "Datapoint editor" }
		}, h("div", { class: "pl-card-head" }, h("h2", null, "Datapoint"), this.idLabel, this.dirtyLabel), h("form", {
			class: "pl-form",
			on: { submit: (e) => e.preventDefault() }
		}, h("div", { class: "pl-row pl-gap" }, field("Source", this.source), field("Dataset", this.dataset)), this.datasetList, this.promptField, this.messagesField, h("div", { class: "pl-row pl-gap-s" }, this.chatBtn), field("Target", this.target, "(dataset target, optional)"), h("div", { class: "pl-row pl-wrap pl-gap-s" }, this.saveBtn, btn("Add", "Add the editor's contents as a new datapoint and select it", () => this.cb.onAdd(this.fields(), false)), btn("Add and compare", "Add as a new datapoint and compare it side by side with the selected one", () => this.cb.onAdd(this.fields(), true)), this.dupBtn, btn("New", "Clear the editor to write a new datapoint", () => this.cb.onNew()), this.deleteBtn)));
		this.paint();
	}
	setDatasets(names) {
		while (this.datasetList.firstChild) this.datasetList.removeChild(this.datasetList.firstChild);
		for (const n of names) this.datasetList.appendChild(h("option", { attrs: { value: n } }));
	}
	/** Show `d` (or an empty form for a new datapoint in `defaultDataset`). */
	load(d, defaultDataset = "") {
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
	messages() {
		if (this.messagesField.hidden) return null;
		return this.rows.map((r) => ({
			role: r.role.value,
			content: r.content.value
		}));
	}
	setMessages(messages) {
		this.rows = [];
		while (this.messagesList.firstChild) this.messagesList.removeChild(this.messagesList.firstChild);
		this.messagesField.hidden = messages === null;
		for (const m of messages ?? []) this.addRow(m);
	}
	addRow(m) {
		const onInput = () => this.paint();
		const role = h("select", {
			class: "pl-input pl-role",
			attrs: { "aria-label": "Role" },
			on: { change: onInput }
		}, ...ROLES.map((r) => h("option", { attrs: { value: r } }, r)));
		role.value = m.role;
		const content = h("textarea", {
			class: "pl-input pl-mono",
			attrs: {
				rows: 3,
				spellcheck: "false",
				"aria-label": "Message text"
			},
			props: { value: m.content },
			on: { input: onInput }
		});
		const row = {
			el: h("div", {
				class: "pl-message",
				attrs: { role: "listitem" }
			}),
			role,
			content
		};
		const remove = h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				title: "Remove this message",
				"aria-label": "Remove message"
			},
			on: { click: () => {
				this.rows = this.rows.filter((r) => r !== row);
				row.el.remove();
				this.paint();
			} }
		}, "×");
		row.el.append(role, content, remove);
		this.rows.push(row);
		this.messagesList.appendChild(row.el);
	}
	get loadedId() {
		return this.current?.id ?? null;
	}
	isDirty() {
		const d = this.current;
		const messages = this.messages();
		if (!d) return Boolean(this.prompt.value || this.target.value || this.source.value || messages);
		const chatChanged = JSON.stringify(messages) !== JSON.stringify(messagesOf(d));
		const promptChanged = messages === null && d.prompt !== this.prompt.value;
		return d.source !== this.source.value || d.dataset !== this.dataset.value || promptChanged || chatChanged || d.target !== this.target.value;
	}
	fields() {
		const base = {
			dataset: this.dataset.value.trim(),
			source: this.source.value,
			target: this.target.value
		};
		const messages = this.messages();
		if (messages === null) return {
			...base,
			prompt: this.prompt.value
		};
		const kept = messages.filter((m) => m.content.trim());
		return {
			...base,
			prompt: kept.length ? chatPreview(kept) : "",
			fields: {
				...this.current?.fields ?? {},
				messages: kept
			}
		};
	}
	focusPrompt() {
		this.prompt.focus();
	}
	onDeleteClick() {
		if (!this.current) return;
		if (!this.confirmDelete) {
			this.confirmDelete = true;
			this.paint();
			return;
		}
		this.confirmDelete = false;
		this.cb.onDelete(this.current.id);
	}
	paint() {
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
};
// src/ui/examples.ts
/**
* The examples table: dataset, source, prompt preview, target; a search box and a dataset
* filter. Keyboard: arrow keys / Home / End move the selection, Enter or Space selects,
* C opens the focused row in the compare pane.
*/
/** The dataset files the server reads (the CLI's loaders). */
var DATASET_FILES = ".jsonl,.csv,.txt";
/** Case-insensitive match of every whitespace-separated word of `query` anywhere in the row. */
function matchesQuery(d, query) {
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	if (words.length === 0) return true;
	const hay = `${d.id}\n${d.dataset}\n${d.source}\n${d.prompt}\n${d.target}`.toLowerCase();
	return words.every((w) => hay.includes(w));
}
var ExamplesTable = class {
	el;
	cb;
	search;
	datasetSelect;
	count;
	note = h("p", {
		class: "pl-muted pl-small pl-examples-note",
		attrs: { "aria-live": "polite" }
	});
	tbody;
	scroller;
	all = [];
	shown = [];
	rows = /* @__PURE__ */ new Map();
	selected = null;
	compared = null;
	active = null;
	datasetNames = [];
	constructor(cb) {
		this.cb = cb;
		const searchId = uniqueId("search");
		const dsId = uniqueId("dsfilter");
		this.search = h("input", {
			class: "pl-input",
			attrs: {
				id: searchId,
				type: "search",
				placeholder: "Search prompts, targets, sources…",
				autocomplete: "off",
				spellcheck: "false"
			},
			on: { input: () => this.refresh() }
		});
		this.datasetSelect = h("select", {
			class: "pl-input",
			attrs: { id: dsId },
			on: { change: () => this.refresh() }
		});
		this.count = h("span", {
			class: "pl-muted pl-small",
			attrs: { "aria-live": "polite" }
		});
		this.tbody = h("tbody", { on: { keydown: (e) => this.onKey(e) } });
		const table = h("table", {
			class: "pl-table",
			attrs: { "aria-label": "Examples. Arrow keys move, Enter selects, C compares." }
		}, h("thead", null, h("tr", null, h("th", { attrs: { scope: "col" } }, "Dataset"), h("th", { attrs: { scope: "col" } }, "Source"), h("th", { attrs: { scope: "col" } }, "Prompt"), h("th", { attrs: { scope: "col" } }, "Target"))), this.tbody);
		this.scroller = h("div", { class: "pl-table-scroll" }, table);
		const fileInput = h("input", {
			class: "pl-sr-only",
			attrs: {
				type: "file",
				accept: DATASET_FILES,
				"aria-label": "Dataset file to add",
				tabindex: "-1"
			},
			on: { change: () => {
				const file = fileInput.files?.[0];
				if (file) cb.onFile?.(file);
				fileInput.value = "";
			} }
		});
		const addFile = cb.onFile ? h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				title: "Add the rows of a .jsonl, .csv or .txt file as your datapoints (or drop the file on this table)"
			},
			on: { click: () => fileInput.click() }
		}, "Add a file…") : null;
		this.el = h("section", {
			class: "pl-card pl-examples",
			attrs: { "aria-label": "Examples" }
		}, h("div", { class: "pl-card-head" }, h("h2", null, "Examples"), h("div", { class: "pl-row pl-gap-s" }, this.count, addFile, cb.onFile ? fileInput : null)), this.note, h("div", { class: "pl-row pl-filters" }, h("label", {
			class: "pl-sr-only",
			attrs: { for: searchId }
		}, "Search examples"), this.search, h("label", {
			class: "pl-sr-only",
			attrs: { for: dsId }
		}, "Dataset"), this.datasetSelect), this.scroller);
		if (cb.onFile) {
			const onFile = cb.onFile;
			const hasFiles = (e) => Array.from(e.dataTransfer?.types ?? []).includes("Files");
			this.el.addEventListener("dragover", (e) => {
				if (!hasFiles(e)) return;
				e.preventDefault();
				this.el.classList.add("pl-drop");
			});
			this.el.addEventListener("dragleave", (e) => {
				if (e.target === this.el) this.el.classList.remove("pl-drop");
			});
			this.el.addEventListener("drop", (e) => {
				this.el.classList.remove("pl-drop");
				const file = e.dataTransfer?.files?.[0];
				if (!file) return;
				e.preventDefault();
				onFile(file);
			});
		}
	}
	setData(examples, datasetNames) {
		this.all = examples;
		const names = [.../* @__PURE__ */ new Set([...datasetNames, ...examples.map((e) => e.dataset)])];
		if (names.join("\n") !== this.datasetNames.join("\n")) {
			this.datasetNames = names;
			const current = this.datasetSelect.value;
			replace(this.datasetSelect, h("option", { attrs: { value: "" } }, "All datasets"), ...names.map((n) => h("option", { attrs: { value: n } }, n)));
			this.datasetSelect.value = names.includes(current) ? current : "";
		}
		this.refresh();
	}
	/** A line under the heading (e.g. what a file added); empty hides it. */
	say(text) {
		this.note.textContent = text;
	}
	setDataset(name) {
		if (this.datasetNames.includes(name)) {
			this.datasetSelect.value = name;
			this.refresh();
		}
	}
	get dataset() {
		return this.datasetSelect.value;
	}
	setSelected(selected, compared) {
		const changed = selected !== this.selected;
		this.selected = selected;
		this.compared = compared;
		if (selected) this.active = selected;
		this.paintSelection();
		if (changed && selected) this.reveal(selected);
	}
	/** Scroll the table (only the table, never the page around it) so row `id` is visible. */
	reveal(id) {
		const row = this.rows.get(id);
		if (!row) return;
		const box = this.scroller;
		const head = box.querySelector("thead")?.getBoundingClientRect().height ?? 0;
		const top = row.offsetTop;
		const bottom = top + row.offsetHeight;
		if (top - head < box.scrollTop) box.scrollTop = top - head;
		else if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight;
	}
	refresh() {
		const q = this.search.value;
		const ds = this.datasetSelect.value;
		this.shown = this.all.filter((d) => (!ds || d.dataset === ds) && matchesQuery(d, q));
		this.count.textContent = `${this.shown.length} of ${this.all.length}`;
		const hadFocus = this.tbody.contains(document.activeElement);
		this.rows.clear();
		const rows = this.shown.map((d) => {
			const row = h("tr", {
				attrs: {
					tabindex: -1,
					"data-id": d.id,
					title: d.id
				},
				on: {
					click: () => this.choose(d.id),
					focus: () => {
						this.active = d.id;
						this.paintSelection();
					}
				}
			}, h("td", {
				class: "pl-cell-ds",
				attrs: { title: d.dataset }
			}, d.dataset, d.origin === "user" ? h("span", {
				class: "pl-badge",
				attrs: { title: "Added or edited by a user" }
			}, "user") : null), h("td", {
				class: "pl-cell-src",
				attrs: { title: `${d.source || "(no source)"} · ${d.id}` }
			}, d.source || "—"), h("td", { class: "pl-cell-prompt" }, preview(d.prompt, 70)), h("td", { class: "pl-cell-target" }, d.target ? preview(d.target, 40) : h("span", { class: "pl-muted" }, "—")));
			this.rows.set(d.id, row);
			return row;
		});
		if (rows.length === 0) rows.push(h("tr", null, h("td", {
			class: "pl-muted pl-empty",
			attrs: { colspan: 4 }
		}, this.all.length ? "No example matches the search." : "No examples yet.")));
		replace(this.tbody, ...rows);
		this.paintSelection();
		if (hadFocus) this.focusActive();
	}
	paintSelection() {
		let tabbable = this.active && this.rows.has(this.active) ? this.active : this.selected && this.rows.has(this.selected) ? this.selected : null;
		if (!tabbable && this.shown.length) tabbable = this.shown[0].id;
		for (const [id, row] of this.rows) {
			row.classList.toggle("pl-selected", id === this.selected);
			row.classList.toggle("pl-compared", id === this.compared);
			row.setAttribute("aria-selected", id === this.selected ? "true" : "false");
			row.tabIndex = id === tabbable ? 0 : -1;
		}
	}
	focusActive() {
		const id = this.active ?? this.selected;
		((id ? this.rows.get(id) : void 0) ?? this.tbody.querySelector("tr[tabindex]"))?.focus();
	}
	choose(id) {
		this.active = id;
		this.cb.onSelect(id);
	}
	onKey(e) {
		if (!this.shown.length) return;
		const ids = this.shown.map((d) => d.id);
		const cur = Math.max(0, ids.indexOf(this.active ?? this.selected ?? ids[0]));
		let next = cur;
		switch (e.key) {
			case "ArrowDown":
				next = Math.min(ids.length - 1, cur + 1);
				break;
			case "ArrowUp":
				next = Math.max(0, cur - 1);
				break;
			case "PageDown":
				next = Math.min(ids.length - 1, cur + 10);
				break;
			case "PageUp":
				next = Math.max(0, cur - 10);
				break;
			case "Home":
				next = 0;
				break;
			case "End":
				next = ids.length - 1;
				break;
			case "Enter":
			case " ":
				e.preventDefault();
				this.choose(ids[cur]);
				return;
			case "c":
			case "C":
				if (e.ctrlKey || e.metaKey || e.altKey) return;
				e.preventDefault();
				this.cb.onCompare(ids[cur]);
				return;
			default: return;
		}
		e.preventDefault();
		this.active = ids[next];
		this.focusActive();
		this.choose(ids[next]);
		this.reveal(ids[next]);
	}
};
// src/ui/header.ts
/** The picker's value for a model file to load (not a loaded model's name). */
var FILE_PREFIX = "file:";
var Header = class {
	el;
	leftToggle;
	/** Hidden until the server has batch runs to show. */
	runsToggle;
	store;
	statusEl = h("div", {
		class: "pl-status",
		attrs: {
			role: "status",
			"aria-live": "polite"
		}
	});
	modelSelect = h("select", { class: "pl-input" });
	modelState = h("span", { class: "pl-small pl-muted" });
	tick;
	constructor(store, actions) {
		this.store = store;
		this.modelSelect.addEventListener("change", () => {
			const value = this.modelSelect.value;
			if (value.startsWith(FILE_PREFIX)) actions.loadModelFile(value.slice(5));
			else actions.setModel(value);
		});
		this.leftToggle = h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				"aria-pressed": "true",
				title: "Show or hide the examples and the editor"
			},
			on: { click: () => actions.toggleLeft() }
		}, "Examples");
		this.runsToggle = h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				"aria-pressed": "false",
				title: "Batch runs: rows, salience per part across rows, A/B"
			},
			on: { click: () => actions.toggleRuns() }
		}, "Runs");
		this.runsToggle.hidden = true;
		this.el = h("header", { class: "pl-header" }, h("div", { class: "pl-brand" }, h("span", {
			class: "pl-logo",
			attrs: { "aria-hidden": "true" }
		}), h("span", { class: "pl-name" }, "promptlight"), h("span", { class: "pl-muted pl-small pl-tagline" }, "prompt debugger")), this.leftToggle, this.runsToggle, h("label", { class: "pl-row pl-gap-s pl-small" }, "Model", this.modelSelect), this.modelState, this.statusEl);
	}
	renderModels() {
		const s = this.store;
		const loadable = s.modelFiles.filter((f) => f.loaded_as === null);
		replace(this.modelSelect, ...(s.models.length ? s.models : [s.model || "—"]).map((m) => h("option", { attrs: { value: m } }, m)), loadable.length ? h("optgroup", { attrs: { label: `Load from ${s.modelDirs.join(", ")}` } }, ...loadable.map((f) => h("option", { attrs: {
			value: FILE_PREFIX + f.id,
			title: `${f.kind === "gguf" ? ".gguf file" : "model folder"} ${f.id}`
		} }, `${f.id} (${f.kind})`))) : null);
		this.modelSelect.value = s.model;
		const one = s.models.length <= 1 && loadable.length === 0;
		this.modelSelect.disabled = one;
		this.modelSelect.classList.toggle("pl-select-plain", one);
	}
	onActivity(running) {
		this.store.running = running;
		window.clearInterval(this.tick);
		if (running.length) this.tick = window.setInterval(() => this.renderStatus(), 1e3);
		this.renderStatus();
	}
	renderStatus() {
		const s = this.store;
		const r = s.running;
		this.modelState.textContent = s.modelStatus ? `● ${s.modelStatus}` : "";
		this.modelState.className = `pl-small pl-model-state pl-state-${s.modelStatus.split(/[ ,…:]/)[0] || "none"}`;
		if (r.length === 0) {
			replace(this.statusEl, h("span", { class: "pl-muted pl-small" }, "idle"));
			this.statusEl.classList.remove("pl-running");
			return;
		}
		const first = r[0];
		const secs = Math.floor((Date.now() - first.started) / 1e3);
		this.statusEl.classList.add("pl-running");
		replace(this.statusEl, h("span", {
			class: "pl-spinner",
			attrs: { "aria-hidden": "true" }
		}), h("span", null, `${first.label}… ${secs} s`), r.length > 1 ? h("span", { class: "pl-muted" }, ` +${r.length - 1} more`) : null);
	}
	destroy() {
		window.clearInterval(this.tick);
	}
};
// src/runs.ts
/** The rows that pass `filter` (method, status, and a case-insensitive search of source, target, top segment and error). */
function filterRows(rows, filter) {
	const q = (filter.query ?? "").trim().toLowerCase();
	return rows.filter((r) => {
		if (filter.method && r.method !== filter.method) return false;
		if (filter.status && filter.status !== "all" && filter.status === "ok" !== (r.status === "ok")) return false;
		if (!q) return true;
		return [
			r.source,
			r.target,
			r.top_segment,
			r.error
		].some((v) => (v ?? "").toLowerCase().includes(q));
	});
}
/** `rows` sorted by `column` (missing numbers last either way; ties keep dataset order). */
function sortRows(rows, column, descending) {
	const sign = descending ? -1 : 1;
	return rows.map((r, i) => ({
		r,
		i
	})).sort((x, y) => {
		const a = x.r[column];
		const b = y.r[column];
		if (a === null || a === void 0) return b === null || b === void 0 ? x.i - y.i : 1;
		if (b === null || b === void 0) return -1;
		const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
		return c !== 0 ? sign * c : x.i - y.i;
	}).map(({ r }) => r);
}
/**
* Bars for `parts` on a horizontal axis `width` wide that holds every min and max and 0:
* `zero` is where 0 lies; each value v maps to `zero + v * scale`.
*/
function partBars(parts, width) {
	const values = parts.flatMap((p) => [
		p.min,
		p.max,
		p.mean
	].filter((v) => v !== null && Number.isFinite(v)));
	const lo = Math.min(0, ...values);
	const scale = width / (Math.max(0, ...values) - lo || 1);
	const zero = lo === 0 ? 0 : -lo * scale;
	const at = (v) => zero + (v ?? 0) * scale;
	return {
		zero,
		scale,
		bars: parts.map((p) => {
			const mean = p.mean ?? 0;
			const sd = p.std ?? 0;
			return {
				part: p.part,
				x0: Math.min(zero, at(mean)),
				x1: Math.max(zero, at(mean)),
				sd0: at(mean - sd),
				sd1: at(mean + sd),
				w0: at(p.min ?? mean),
				w1: at(p.max ?? mean)
			};
		})
	};
}
/** The one-line summary of an A/B comparison. */
function compareSummary(c) {
	const n = c.rows.length;
	const mean = c.mean_delta === null ? "—" : `${c.mean_delta >= 0 ? "+" : ""}${c.mean_delta.toPrecision(3)}`;
	return `${c.b} vs ${c.a} (${c.method}): ${n} rows in common; mean Δf ${mean} nats; output changed in ${c.changed_outputs} of ${n}.`;
}
// src/ui/runs.ts
var COLUMNS = [
	{
		id: "row",
		label: "Row",
		numeric: true
	},
	{
		id: "source",
		label: "Source"
	},
	{
		id: "method",
		label: "Method"
	},
	{
		id: "status",
		label: "Status"
	},
	{
		id: "f",
		label: "f (nats)",
		numeric: true
	},
	{
		id: "top_score",
		label: "Top score",
		numeric: true
	},
	{
		id: "seconds",
		label: "Seconds",
		numeric: true
	}
];
var CHART_WIDTH = 360;
var BAR_HEIGHT = 18;
var RunsView = class {
	el;
	api;
	runs = [];
	run = "";
	other = "";
	method = "";
	rows = [];
	parts = null;
	comparison = null;
	filter = {
		status: "all",
		query: ""
	};
	sort = {
		column: "row",
		descending: false
	};
	opened = [];
	error = null;
	body = h("div", { class: "pl-runs-body" });
	constructor(api, onClose) {
		this.api = api;
		this.el = h("section", {
			class: "pl-runs",
			attrs: { "aria-label": "Batch runs" }
		}, h("div", { class: "pl-card-head" }, h("h2", null, "Batch runs"), h("button", {
			class: "pl-btn pl-btn-small",
			attrs: { type: "button" },
			on: { click: onClose }
		}, "Back to examples")), this.body);
	}
	/** Load the runs list (and the first run) and draw. */
	async open() {
		try {
			this.runs = await this.api.request("GET", "/api/runs");
			this.error = null;
			if (!this.runs.some((r) => r.name === this.run)) this.run = this.runs[0]?.name ?? "";
			await this.loadRun();
		} catch (err) {
			this.error = errorMessage(err);
			this.render();
		}
	}
	info(name = this.run) {
		return this.runs.find((r) => r.name === name);
	}
	async loadRun() {
		this.opened = [];
		this.rows = [];
		this.parts = null;
		this.comparison = null;
		const info = this.info();
		if (!info) return this.render();
		if (!info.job.methods.includes(this.method)) this.method = info.job.methods[0] ?? "";
		try {
			const q = `?method=${encodeURIComponent(this.method)}`;
			const name = encodeURIComponent(this.run);
			const [rows, parts] = await Promise.all([this.api.request("GET", `/api/runs/${name}/rows`), this.api.request("GET", `/api/runs/${name}/parts${q}`)]);
			this.rows = rows.rows;
			this.parts = parts;
			this.error = null;
			await this.loadComparison();
		} catch (err) {
			this.error = errorMessage(err);
		}
		this.render();
	}
	async loadComparison() {
		this.comparison = null;
		if (!this.other || this.other === this.run) return;
		const q = `?a=${encodeURIComponent(this.run)}&b=${encodeURIComponent(this.other)}&method=${encodeURIComponent(this.method)}`;
		try {
			this.comparison = await this.api.request("GET", `/api/runs/compare${q}`);
		} catch (err) {
			this.error = errorMessage(err);
		}
	}
	async openRecords(which) {
		try {
			this.opened = await Promise.all(which.map((w) => this.api.request("GET", `/api/runs/${encodeURIComponent(w.run)}/records/${encodeURIComponent(w.key)}`)));
			this.error = null;
		} catch (err) {
			this.error = errorMessage(err);
		}
		this.render();
		this.body.querySelector(".pl-run-record")?.scrollIntoView?.({ block: "nearest" });
	}
	render() {
		if (this.error && !this.runs.length) return replace(this.body, h("p", { class: "pl-error" }, this.error));
		if (!this.runs.length) return replace(this.body, h("p", { class: "pl-muted" }, "No batch runs here. Write one with `promptlight batch --out runs/NAME ...`, then start the server with `--runs runs`."));
		const info = this.info();
		replace(this.body, this.controls(), this.error ? h("p", {
			class: "pl-error",
			attrs: { role: "alert" }
		}, this.error) : null, info ? this.summary(info) : null, this.comparison ? this.compareCard(this.comparison) : null, this.parts ? this.chart(this.parts) : null, this.opened.length ? this.recordsCard() : null, this.table());
	}
	select(label, value, options, onChange) {
		const sel = h("select", {
			class: "pl-input",
			attrs: { "aria-label": label }
		}, ...options.map(([v, text]) => h("option", { attrs: { value: v } }, text)));
		sel.value = value;
		sel.addEventListener("change", () => onChange(sel.value));
		return h("label", { class: "pl-row pl-gap-s pl-small" }, label, sel);
	}
	controls() {
		const info = this.info();
		const names = this.runs.map((r) => [r.name, `${r.name} (${r.rows ?? "no"} rows)`]);
		return h("div", { class: "pl-row pl-gap pl-wrap pl-runs-controls" }, this.select("Run", this.run, names, (v) => {
			this.run = v;
			this.loadRun();
		}), this.select("Compare with", this.other, [["", "— none —"], ...names.filter(([n]) => n !== this.run)], (v) => {
			this.other = v;
			this.loadComparison().then(() => this.render());
		}), this.select("Method", this.method, (info?.job.methods ?? []).map((m) => [m, m]), (v) => {
			this.method = v;
			this.loadRun();
		}));
	}
	summary(info) {
		const j = info.job;
		const failed = info.failed ? `, ${info.failed} failed` : "";
		return h("p", { class: "pl-small pl-run-summary" }, `${j.model} on ${j.device} (${j.dtype}) · ${j.methods.join(", ")} at ${j.granularity} · target: ${j.target_rule} · ${info.ok ?? 0} done${failed}`);
	}
	chart(parts) {
		const title = parts.templated ? `Salience per template part across rows (${parts.method})` : `Salience per ${parts.granularity} place across rows (${parts.method})`;
		if (!parts.parts.length) return h("div", { class: "pl-card" }, h("h3", null, title), h("p", { class: "pl-muted pl-small" }, "No scored segments."));
		const { zero, bars } = partBars(parts.parts, CHART_WIDTH);
		const svgNs = "http://www.w3.org/2000/svg";
		const svg = document.createElementNS(svgNs, "svg");
		const height = bars.length * BAR_HEIGHT + 4;
		svg.setAttribute("viewBox", `0 0 ${CHART_WIDTH} ${height}`);
		svg.setAttribute("width", String(CHART_WIDTH));
		svg.setAttribute("height", String(height));
		svg.setAttribute("role", "img");
		svg.setAttribute("aria-label", `${title}: ${parts.parts.map((p) => `${p.part} mean ${formatScore(p.mean)}`).join("; ")}`);
		const add = (tag, attrs) => {
			const el = document.createElementNS(svgNs, tag);
			for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
			svg.appendChild(el);
			return el;
		};
		bars.forEach((b, i) => {
			const y = i * BAR_HEIGHT + 2;
			const mean = parts.parts[i].mean ?? 0;
			add("line", {
				x1: b.w0,
				x2: b.w1,
				y1: y + BAR_HEIGHT / 2 - 1,
				y2: y + BAR_HEIGHT / 2 - 1,
				stroke: "#8a94a3",
				"stroke-width": 1
			});
			add("rect", {
				x: Math.min(b.sd0, b.sd1),
				y: y + 3,
				width: Math.max(1, Math.abs(b.sd1 - b.sd0)),
				height: 10,
				fill: "none",
				stroke: "#5b6470",
				"stroke-dasharray": "2 2"
			});
			add("rect", {
				x: b.x0,
				y: y + 5,
				width: Math.max(1, b.x1 - b.x0),
				height: 6,
				fill: !parts.signed ? "#5b3a9e" : mean >= 0 ? "#c0392b" : "#2b6cb0",
				class: "pl-part-bar"
			});
		});
		add("line", {
			x1: zero,
			x2: zero,
			y1: 0,
			y2: height,
			stroke: "#1b1f24",
			"stroke-width": 1
		});
		const labels = h("ol", { class: "pl-part-labels" }, ...parts.parts.map((p) => h("li", { attrs: { title: `mean ${formatScore(p.mean)}, sd ${formatScore(p.std)}, min ${formatScore(p.min)}, max ${formatScore(p.max)} over ${p.rows} rows` } }, h("span", { class: "pl-part-name" }, p.part), h("span", { class: "pl-muted pl-small" }, ` ${formatScore(p.mean)} ± ${formatScore(p.std)}${p.top_share !== null ? ` · top in ${Math.round(p.top_share * 100)}%` : ""}`))));
		return h("div", { class: "pl-card pl-parts" }, h("h3", null, title), h("p", { class: "pl-muted pl-small" }, `Bar: mean score over rows; dashed box: ±1 standard deviation; line: min to max. ${parts.signed ? "Red pushes the selection up, blue pulls it down." : `${parts.method} is unsigned: longer means more influence, either way.`}`), h("div", { class: "pl-parts-chart" }, labels, svg));
	}
	table() {
		const shown = sortRows(filterRows(this.rows, {
			...this.filter,
			method: this.method
		}), this.sort.column, this.sort.descending);
		const search = h("input", {
			class: "pl-input",
			attrs: {
				type: "search",
				placeholder: "Search source, target, top segment, error",
				"aria-label": "Search rows",
				value: this.filter.query ?? ""
			}
		});
		search.addEventListener("input", () => {
			this.filter.query = search.value;
			const table = this.body.querySelector(".pl-run-table");
			const fresh = this.table();
			table?.replaceWith(fresh);
			fresh.querySelector("input[type=search]")?.focus();
		});
		const status = h("select", {
			class: "pl-input",
			attrs: { "aria-label": "Status" }
		}, ...[
			"all",
			"ok",
			"error"
		].map((s) => h("option", { attrs: { value: s } }, s === "all" ? "all rows" : s === "ok" ? "done" : "failed")));
		status.value = this.filter.status ?? "all";
		status.addEventListener("change", () => {
			this.filter.status = status.value;
			this.render();
		});
		const head = h("tr", null, ...COLUMNS.map((c) => {
			const active = this.sort.column === c.id;
			return h("th", { attrs: {
				"aria-sort": active ? this.sort.descending ? "descending" : "ascending" : "none",
				scope: "col"
			} }, h("button", {
				class: "pl-th-sort",
				attrs: { type: "button" },
				on: { click: () => {
					this.sort = {
						column: c.id,
						descending: active ? !this.sort.descending : !!c.numeric && c.id !== "row"
					};
					this.render();
				} }
			}, c.label, active ? this.sort.descending ? " ▼" : " ▲" : ""));
		}), h("th", { attrs: { scope: "col" } }, "Top segment"));
		const body = shown.map((r) => h("tr", {
			class: r.status === "ok" ? "pl-run-row" : "pl-run-row pl-run-failed",
			attrs: {
				tabindex: "0",
				title: r.status === "ok" ? "Open the saved result" : r.error ?? "failed"
			},
			on: {
				click: () => r.status === "ok" && void this.openRecords([{
					run: this.run,
					key: r.key
				}]),
				keydown: (e) => {
					if (e.key === "Enter" && r.status === "ok") this.openRecords([{
						run: this.run,
						key: r.key
					}]);
				}
			}
		}, h("td", { class: "pl-num" }, String(r.row)), h("td", null, r.source), h("td", null, r.method), h("td", null, r.status === "ok" ? "done" : "failed"), h("td", { class: "pl-num" }, formatScore(r.f)), h("td", { class: "pl-num" }, formatScore(r.top_score)), h("td", { class: "pl-num" }, r.seconds.toFixed(2)), h("td", { class: "pl-run-top" }, r.status === "ok" ? preview(r.top_segment ?? "", 120) : r.error ?? "")));
		return h("div", { class: "pl-card pl-run-table" }, h("div", { class: "pl-row pl-gap pl-wrap" }, h("h3", null, `Rows (${shown.length} of ${this.rows.filter((r) => r.method === this.method).length})`), search, status), h("div", { class: "pl-table-wrap" }, h("table", { class: "pl-run-grid" }, h("thead", null, head), h("tbody", null, ...body))));
	}
	compareCard(c) {
		const rows = c.rows.map((r) => h("tr", {
			class: "pl-run-row",
			attrs: {
				tabindex: "0",
				title: "Open both saved results"
			},
			on: { click: () => void this.openRecords([{
				run: c.a,
				key: r.key_a
			}, {
				run: c.b,
				key: r.key_b
			}].filter((_, i) => (i === 0 ? r.status_a : r.status_b) === "ok")) }
		}, h("td", null, r.source), h("td", { class: "pl-num" }, formatScore(r.f_a)), h("td", { class: "pl-num" }, formatScore(r.f_b)), h("td", { class: `pl-num ${r.delta !== null && r.delta < 0 ? "pl-neg" : "pl-pos"}` }, r.delta === null ? "—" : `${r.delta >= 0 ? "+" : ""}${formatScore(r.delta)}`), h("td", null, r.output_changed ? "changed" : "same"), h("td", { class: "pl-run-top" }, preview(r.top_a ?? "", 60)), h("td", { class: "pl-run-top" }, preview(r.top_b ?? "", 60))));
		return h("div", { class: "pl-card pl-run-compare" }, h("h3", null, "A/B"), h("p", { class: "pl-small pl-compare-summary" }, compareSummary(c)), h("div", { class: "pl-table-wrap" }, h("table", { class: "pl-run-grid" }, h("thead", null, h("tr", null, ...[
			"Source",
			`f in ${c.a}`,
			`f in ${c.b}`,
			"Δf",
			"Output",
			`Top in ${c.a}`,
			`Top in ${c.b}`
		].map((t) => h("th", { attrs: { scope: "col" } }, t)))), h("tbody", null, ...rows))));
	}
	recordsCard() {
		return h("div", { class: "pl-card pl-run-record" }, h("div", { class: "pl-card-head" }, h("h3", null, "Saved result"), h("span", { class: "pl-muted pl-small" }, "from the run's records: no model call"), h("button", {
			class: "pl-btn pl-btn-small",
			attrs: { type: "button" },
			on: { click: () => (this.opened = [], this.render()) }
		}, "Close")), h("div", { class: this.opened.length > 1 ? "pl-run-records pl-two" : "pl-run-records" }, ...this.opened.map((saved) => this.recordView(saved))));
	}
	recordView(saved) {
		const r = saved.record;
		const chosen = String(r.options?.granularity ?? "words");
		const granularity = r.boundaries[chosen] ? chosen : "words";
		const display = buildDisplay(r, {
			method: saved.method,
			granularity
		});
		const bos = display.pieces.find((p) => p.region === "special");
		return h("div", { class: "pl-run-saved" }, h("p", { class: "pl-small" }, h("strong", null, saved.source), ` · row ${saved.row} · ${saved.method} at ${granularity} · f = ${formatScore(r.objective_value)}`), legend(display, bos), h("div", { class: "pl-heatmap" }, ...heatmapSpans(display)), topList(display, 5, () => void 0, granularity));
	}
};
// src/ui/tooltip.ts
/** The hover tooltip over heatmap segments, special tokens and output units: raw values and where they are. */
function installTooltip(app, tip) {
	tip.hidden = true;
	const move = (e) => {
		const target = e.target?.closest?.(".pl-seg, .pl-special, .pl-tgt");
		const info = target ? infoOf(target) : void 0;
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
	app.addEventListener("mouseleave", () => tip.hidden = true);
}
var view_keys_default = {
	about: "The view keys of the promptlight UI: the one list the URL hash (frontend/src/viewstate.ts), the notebook widget's initial view (promptlight/notebook.py) and the docs read. url: the key's name in the link's # part.",
	keys: {
		"model": {
			"url": "model",
			"kind": "string",
			"help": "model name (of /api/models)"
		},
		"dataset": {
			"url": "ds",
			"kind": "string",
			"help": "dataset shown in the examples table"
		},
		"example": {
			"url": "ex",
			"kind": "string",
			"help": "datapoint id shown in pane A"
		},
		"span": {
			"url": "span",
			"kind": "span",
			"help": "[start, end) selected in pane A, code points of the explained text"
		},
		"compare": {
			"url": "cmp",
			"kind": "string",
			"help": "datapoint id compared in pane B"
		},
		"compareSpan": {
			"url": "cspan",
			"kind": "span",
			"help": "pane B's own selection (else it follows A's)"
		},
		"method": {
			"url": "method",
			"kind": "string",
			"help": "salience method (of /api/methods)"
		},
		"options": {
			"url": "o.",
			"kind": "options",
			"help": "options of the method, {name: value} (of its option table)"
		},
		"foil": {
			"url": "vs",
			"kind": "string",
			"help": "contrastive: explain why the selection rather than this text"
		},
		"granularity": {
			"url": "gran",
			"kind": "string",
			"help": "tokens, words, sentences, lines, paragraphs or regex:PATTERN"
		},
		"source": {
			"url": "src",
			"kind": "source",
			"help": "what is explained: target (the dataset's) or output (the model's)"
		},
		"intensity": {
			"url": "int",
			"kind": "intensity",
			"help": "colour intensity, log2 of the gain, -2..2"
		},
		"run": {
			"url": "run",
			"kind": "flag",
			"help": "generate (if needed) and explain at once"
		},
		"generation": {
			"url": "",
			"kind": "generation",
			"help": "generation settings: max_new_tokens, temperature, top_p, top_k, seed, stop"
		}
	},
	generation: {
		"max_new_tokens": "mnt",
		"temperature": "temp",
		"top_p": "topp",
		"top_k": "topk",
		"seed": "seed",
		"stop": "stop"
	},
	initial_only: { "data": "rows to add as datapoints and show (the notebook's render(data=...))" }
};
// src/viewstate.ts
/**
* The view: one definition, with its encoding in the URL hash, so a link reproduces it:
* `#ex=sample_prompts:3&span=12-40&method=integrated_gradients&o.steps=64&gran=lines&cmp=u:7`.
*
* The keys and their URL names come from `public/view-keys.json`, the file the notebook
* widget reads too (it ships in the package next to the bundle). Lives in the hash (no
* reload, works behind any static server). Spans are target-relative code-point offsets,
* as the API counts them. Settings at their defaults are left out.
*/
var KEYS = view_keys_default.keys;
var GEN_KEYS = Object.entries(view_keys_default.generation);
/** Every key of the view, in the order of `view-keys.json`. */
var VIEW_STATE_KEYS = Object.keys(KEYS);
function spanToString(span) {
	return `${span[0]}-${span[1]}`;
}
function parseSpan(s) {
	if (!s) return void 0;
	const m = /^(\d+)-(\d+)$/.exec(s);
	if (!m) return void 0;
	const a = Number(m[1]);
	const b = Number(m[2]);
	return a < b ? [a, b] : void 0;
}
function parseNumber(s) {
	if (s === null || s.trim() === "") return void 0;
	const v = Number(s);
	return Number.isFinite(v) ? v : void 0;
}
function parseOptionValue(s) {
	if (s === "true" || s === "false") return s === "true";
	const n = parseNumber(s);
	return n !== void 0 && String(n) === s.trim() ? n : s;
}
/** ViewState -> hash string (with the leading `#`, or "" when empty). */
function encodeView(v) {
	const p = new URLSearchParams();
	for (const key of VIEW_STATE_KEYS) {
		const { url, kind } = KEYS[key];
		const value = v[key];
		if (value === void 0) continue;
		if (kind === "string" && value) p.set(url, String(value));
		else if (kind === "span") p.set(url, spanToString(value));
		else if (kind === "source" && value !== "target") p.set(url, String(value));
		else if (kind === "intensity" && value !== 0) p.set(url, String(value));
		else if (kind === "flag" && value) p.set(url, "1");
		else if (kind === "options") {
			for (const [name, val] of Object.entries(value)) if (val !== null) p.set(`${url}${name}`, String(val));
		} else if (kind === "generation") {
			const g = value;
			for (const [gk, short] of GEN_KEYS) {
				if (gk === "stop") continue;
				const val = g[gk];
				if (val !== void 0 && val !== DEFAULT_GENERATION[gk]) p.set(short, String(val));
			}
			if (g.stop && g.stop.length > 0) for (const s of g.stop) p.append(view_keys_default.generation.stop, s);
		}
	}
	const s = p.toString();
	return s ? `#${s}` : "";
}
/** Hash string (with or without `#`) -> ViewState. Unknown or malformed parts are ignored. */
function decodeView(hash) {
	const p = new URLSearchParams(hash.replace(/^#/, ""));
	const v = {};
	const str = (k) => {
		const x = p.get(k);
		return x === null || x === "" ? void 0 : x;
	};
	for (const key of VIEW_STATE_KEYS) {
		const { url, kind } = KEYS[key];
		if (kind === "string") v[key] = str(url);
		else if (kind === "span") v[key] = parseSpan(p.get(url));
		else if (kind === "source") {
			const src = p.get(url);
			if (src === "output" || src === "target") v[key] = src;
		} else if (kind === "intensity") {
			const intensity = parseNumber(p.get(url));
			if (intensity !== void 0) v[key] = Math.min(2, Math.max(-2, intensity));
		} else if (kind === "flag") {
			if (p.get(url) === "1") v[key] = true;
		} else if (kind === "options") {
			const options = {};
			for (const [name, val] of p.entries()) if (name.startsWith(url) && name.length > url.length) options[name.slice(url.length)] = parseOptionValue(val);
			if (Object.keys(options).length > 0) v[key] = options;
		} else if (kind === "generation") {
			const gen = {};
			for (const [gk, short] of GEN_KEYS) {
				if (gk === "stop") continue;
				const n = parseNumber(p.get(short));
				if (n !== void 0) gen[gk] = n;
			}
			const stops = p.getAll(view_keys_default.generation.stop).filter((s) => s !== "");
			if (stops.length > 0) gen.stop = stops;
			if (Object.keys(gen).length > 0) v[key] = gen;
		}
	}
	for (const k of Object.keys(v)) if (v[k] === void 0) delete v[k];
	return v;
}
/**
* A view from a link that must not run by itself: a custom regex granularity is a pattern
* someone else wrote, run on the server, so the user confirms it (presses Explain) first.
* Returns the view without `run`, and why, or the view unchanged and null.
*/
function withoutUnconfirmedRun(v) {
	if (v.run && v.granularity?.startsWith("regex:")) {
		const { run: _dropped, ...rest } = v;
		return {
			view: rest,
			reason: `This link asks for the custom pattern ${JSON.stringify(v.granularity.slice(6))}; it was not run. Press Explain to run it.`
		};
	}
	return {
		view: v,
		reason: null
	};
}
// src/app.ts
/**
* The promptlight app: examples and editor on the left; the salience controls and one pane
* (or two, to compare) on the right. It wires the parts together and nothing more:
*
* - `state.ts`: the store (all state, the request and cache key derived from it);
* - `viewstate.ts`: the one view definition, kept in the URL;
* - `actions/`: what clicks do (model calls, compare, datapoints, view changes, exports);
* - `panels.ts`: the panels, each drawn from the store (a new panel is one file plus one line);
* - `api.ts`: every server call, reporting what is running.
*/
/** Below this app width (px) the examples column hides itself; below COMPACT_PX the layout is compact. */
var NARROW_PX = 1200;
var COMPACT_PX = 900;
var App = class {
	root;
	ctx;
	header;
	panels;
	layout;
	runs;
	bannerEl = h("div", {
		class: "pl-banner",
		attrs: { role: "alert" }
	});
	/** What the banner shown is about (null: nothing shown, or nothing a success clears). */
	bannerAbout = null;
	/** The examples column was hidden automatically for the compare view (and comes back after it). */
	autoCollapsed = false;
	/** Narrower than NARROW_PX: the examples column is hidden by itself (the Examples button shows it). */
	narrow = false;
	constructor(root, opts) {
		this.root = root;
		const store = new Store();
		const api = new Api({
			base: opts.apiBase,
			token: opts.token,
			onActivity: (a) => this.header.onActivity(a)
		});
		const ctx = {
			store,
			api,
			opts,
			cleanups: [],
			examplesView: new ExamplesTable({
				onSelect: (id) => void select(ctx, id),
				onCompare: (id) => void compare(ctx, id),
				onFile: (file) => void uploadDataset(ctx, file)
			}),
			editor: new Editor({
				onSave: (id, f) => void saveDatapoint(ctx, id, f),
				onAdd: (f, cmp) => void addDatapoint(ctx, f, cmp),
				onDuplicate: (id, f) => void addDatapoint(ctx, {
					...f,
					source: f.source ? `${f.source} (copy)` : "",
					fields: {
						...f.fields ?? {},
						duplicate_of: id
					}
				}, false),
				onDelete: (id) => void deleteDatapoint(ctx, id),
				onNew: () => {
					ctx.editor.load(null, store.panes.A.datapoint?.dataset ?? ctx.examplesView.dataset ?? "");
					ctx.editor.focusPrompt();
				}
			}),
			renderAll: () => this.renderAll(),
			renderPanes: () => this.panel("panes").render(),
			renderControls: () => this.renderControls(),
			renderStatus: () => this.header.renderStatus(),
			showBanner: (msg, about) => this.showBanner(msg, about),
			syncUrl: () => this.syncUrl(),
			setLeftVisible: (visible, auto = false) => this.setLeftVisible(visible, auto),
			leftVisible: () => !this.layout.classList.contains("pl-no-left"),
			leftAutoHidden: () => this.autoCollapsed && !this.narrow
		};
		this.ctx = ctx;
		this.header = new Header(store, {
			toggleLeft: () => this.setLeftVisible(!ctx.leftVisible()),
			setModel: (name) => {
				store.model = name;
				invalidateAll(ctx, `The model changed to ${name}`);
				refreshHealth(ctx);
			},
			toggleRuns: () => this.showRuns(this.runs.el.hidden),
			loadModelFile: (id) => void loadModelFile(ctx, id)
		});
		this.runs = new RunsView(api, () => this.showRuns(false));
		this.runs.el.hidden = true;
		this.panels = PANELS.map((spec) => spec.create(ctx));
		const region = (r) => PANELS.flatMap((spec, i) => spec.region === r ? [this.panels[i].el] : []);
		this.layout = h("div", { class: "pl-layout" }, h("aside", { class: "pl-left" }, ...region("left")), h("main", { class: "pl-right" }, ...region("right")));
		if (opts.showExamples === false) this.setLeftVisible(false);
		const tooltip = h("div", {
			class: "pl-tooltip",
			attrs: { role: "tooltip" }
		});
		const app = h("div", { class: "pl-app" }, this.header.el, this.bannerEl, this.layout, this.runs.el, tooltip);
		replace(root, app);
		this.watchWidth(app);
		this.bannerEl.hidden = true;
		installTooltip(app, tooltip);
		this.renderControls();
		for (const p of this.panels) p.render();
		this.header.renderStatus();
	}
	async start() {
		const { ctx } = this;
		const urlState = ctx.opts.urlState !== false;
		const link = withoutUnconfirmedRun(urlState ? decodeView(window.location.hash) : {});
		if (link.reason) this.showBanner(link.reason, "link");
		const init = {
			...ctx.opts.initial ?? {},
			...link.view
		};
		if (urlState) {
			const onHash = () => {
				const { view: v, reason } = withoutUnconfirmedRun(decodeView(window.location.hash));
				if (reason) this.showBanner(reason, "link");
				if (!v.compare && ctx.store.comparing) compare(ctx, null);
				applyView(ctx, v);
			};
			window.addEventListener("hashchange", onHash);
			ctx.cleanups.push(() => window.removeEventListener("hashchange", onHash));
		}
		await Promise.all([
			loadMeta(ctx),
			loadExamples(ctx),
			this.findRuns()
		]);
		if (init.data && init.data.length) {
			const added = [];
			for (const row of init.data) try {
				added.push((await ctx.api.createDatapoint({
					dataset: init.dataset ?? "notebook",
					prompt: row.prompt,
					target: row.target ?? "",
					source: row.source ?? ""
				})).id);
			} catch (err) {
				this.showBanner(`Could not add a datapoint: ${err instanceof Error ? err.message : String(err)}`, "add");
			}
			await loadExamples(ctx);
			if (added[0]) init.example = init.example ?? added[0];
			if (added[1]) init.compare = init.compare ?? added[1];
		}
		await applyView(ctx, init);
		if (!ctx.store.panes.A.datapoint && ctx.store.examples.length > 0) await select(ctx, ctx.store.examples[0].id);
	}
	/** Show the Runs button when the server has batch runs. */
	async findRuns() {
		try {
			const runs = await this.ctx.api.request("GET", "/api/runs");
			this.header.runsToggle.hidden = runs.length === 0;
		} catch {
			this.header.runsToggle.hidden = true;
		}
	}
	showRuns(visible) {
		this.runs.el.hidden = !visible;
		this.layout.hidden = visible;
		this.header.runsToggle.setAttribute("aria-pressed", String(visible));
		if (visible) this.runs.open();
	}
	panel(id) {
		return this.panels[PANELS.findIndex((p) => p.id === id)];
	}
	renderControls() {
		this.header.renderModels();
		for (const p of this.panels) (p.renderControls ?? p.render).call(p);
	}
	renderAll() {
		for (const p of this.panels) p.render();
		this.syncUrl();
	}
	/**
	* Fit the app's own width (a window, or a notebook cell): below NARROW_PX the examples column
	* hides itself so the heatmap keeps its room, and comes back when there is room again (unless
	* the user or the compare view hid it); below COMPACT_PX a compact layout (top segments under
	* the heatmap, tighter spacing).
	*/
	watchWidth(app) {
		if (typeof ResizeObserver === "undefined") return;
		const observer = new ResizeObserver((entries) => {
			const width = entries[entries.length - 1]?.contentRect.width ?? 0;
			if (width === 0) return;
			app.classList.toggle("pl-compact", width < COMPACT_PX);
			const narrow = width < NARROW_PX;
			if (narrow && !this.narrow && this.ctx.leftVisible()) this.setLeftVisible(false, true);
			if (!narrow && this.narrow && this.autoCollapsed && !this.ctx.store.comparing) this.setLeftVisible(true);
			this.narrow = narrow;
		});
		observer.observe(app);
		this.ctx.cleanups.push(() => observer.disconnect());
	}
	setLeftVisible(visible, auto = false) {
		this.autoCollapsed = !visible && auto;
		this.layout.classList.toggle("pl-no-left", !visible);
		this.header.leftToggle.setAttribute("aria-pressed", String(visible));
	}
	showBanner(msg, about) {
		if (msg === null && about !== void 0 && about !== this.bannerAbout) return;
		this.bannerAbout = msg === null ? null : about ?? null;
		this.bannerEl.hidden = !msg;
		replace(this.bannerEl, msg ?? "", msg ? h("button", {
			class: "pl-btn pl-btn-small",
			attrs: {
				type: "button",
				"aria-label": "Dismiss"
			},
			on: { click: () => this.showBanner(null) }
		}, "Dismiss") : null);
	}
	syncUrl() {
		if (this.ctx.opts.urlState === false) return;
		const hash = encodeView(this.ctx.store.viewState(this.ctx.examplesView.dataset));
		if (hash !== window.location.hash && !(hash === "" && window.location.hash === "#")) window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}${hash}`);
	}
	select(id) {
		return select(this.ctx, id);
	}
	compare(id) {
		return compare(this.ctx, id);
	}
	result(side = "A") {
		return this.ctx.store.panes[side].result;
	}
	destroy() {
		for (const c of this.ctx.cleanups) c();
		this.header.destroy();
		for (const p of this.panels) p.destroy?.();
		replace(this.root);
	}
};
// src/main.ts
/** Mount the app into `el`; returns a handle (select, compare, result, destroy). */
function mount(el, opts) {
	if (!el) throw new Error("mount(el, opts): el must be an HTMLElement.");
	if (!opts || typeof opts.apiBase !== "string") throw new Error("mount(el, opts): opts.apiBase must be a string ('' for the server that served this page).");
	const app = new App(el, opts);
	app.start();
	return app;
}
/** anywidget entry: mount into the output cell's element; returns the cleanup. */
function render({ model, el }) {
	const initial = model.get("initial") ?? void 0;
	const token = model.get("token") || void 0;
	const host = document.createElement("div");
	host.className = "pl-widget";
	el.appendChild(host);
	const app = mount(host, {
		apiBase: String(model.get("api_base") ?? ""),
		token,
		initial,
		urlState: false
	});
	return () => app.destroy();
}
var main_default = { render };
export { main_default as default, mount, render };
