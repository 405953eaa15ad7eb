// Fails if the committed bundle (promptlight/server/static/) is not what the source builds.
//
//   npm ci && npm run check-bundle
//
// Builds into a temporary folder with the same Vite config and compares every file byte for
// byte. Exit 0 when identical; exit 1 with the differing files listed (and how to fix) otherwise.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const frontend = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(frontend, "..", "promptlight", "server", "static");
const fresh = mkdtempSync(join(tmpdir(), "promptlight-bundle-"));

function files(root) {
  const out = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

try {
  const vite = join(frontend, "node_modules", "vite", "bin", "vite.js");
  const build = spawnSync(process.execPath, [vite, "build", "--outDir", fresh, "--emptyOutDir", "--logLevel", "warn"], {
    cwd: frontend,
    stdio: "inherit",
  });
  if (build.status !== 0) {
    console.error("check-bundle: the build failed.");
    process.exit(1);
  }
  const want = files(fresh);
  const have = files(committed);
  const problems = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing in the committed bundle: ${f}`);
    else if (!readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f)))) problems.push(`differs from a fresh build: ${f}`);
  }
  for (const f of have) if (!want.includes(f)) problems.push(`not produced by the build (stale?): ${f}`);
  if (problems.length) {
    console.error(`check-bundle: promptlight/server/static/ does not match frontend/ (${problems.length} problem(s)):`);
    for (const p of problems) console.error(`  - ${p}`);
    console.error("Fix: cd frontend && npm ci && npm run build, then commit promptlight/server/static/.");
    process.exit(1);
  }
  console.log(`check-bundle: OK, ${want.length} files of promptlight/server/static/ match a fresh build.`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
