// Starts the app on the page served by `promptlight serve` (kept out of index.html so a
// strict Content-Security-Policy with script-src 'self' still works).
import { mount } from "./app.js";

window.promptlight = mount(document.getElementById("promptlight"), { apiBase: "" });
