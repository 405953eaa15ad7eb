// Builds the UI into the Python package, where `promptlight serve` serves it at `/`.
//
// Library mode, so the entry module keeps its exports (`mount`, and `render` for anywidget)
// and the notebook widget can load the very same file. File names carry no content hash,
// so `npm ci && npm run build` reproduces the committed bundle byte for byte
// (`npm run check-bundle` verifies that). `public/index.html` is copied as is and calls
// `mount(...)`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  base: "./",
  publicDir: here("./public"),
  build: {
    outDir: here("../promptlight/server/static"),
    emptyOutDir: true,
    target: "es2022",
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    copyPublicDir: true,
    lib: {
      entry: here("./src/main.ts"),
      formats: ["es"],
      fileName: () => "app.js",
      cssFileName: "app",
    },
  },
  // `npm run dev`: open /dev.html; the API is proxied to a running `promptlight serve`
  // (start it with `--allow-origins http://localhost:5173` so it accepts the dev origin).
  server: {
    proxy: { "/api": { target: process.env.PROMPTLIGHT_API ?? "http://127.0.0.1:5432", changeOrigin: true } },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
    // Let `report.css?raw` arrive as its text in tests too (vitest blanks CSS files by default).
    css: { include: [/report\.css/] },
  },
});
