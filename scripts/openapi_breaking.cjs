// Usage: node scripts/openapi_breaking.cjs RELEASED.json CURRENT.json
// Lists the changes from the released OpenAPI document to the current one that break a client
// written against the released one, as api-smart-diff classifies them, and exits 1 when there is
// any. Run by scripts/api_compat.py with NODE_PATH pointing at .tools/npm/node_modules.
"use strict";
const fs = require("node:fs");
const { apiCompare } = require("api-smart-diff");

const SHOWN = 40;

function load(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

// JSON Pointer (RFC 6901) of a change, so it can be found in the document.
function pointer(path) {
  return "/" + path.map((part) => String(part).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

function main(argv) {
  if (argv.length !== 2) {
    console.error("usage: openapi_breaking.cjs RELEASED.json CURRENT.json");
    return 2;
  }
  const [released, current] = argv.map(load);
  const { diffs } = apiCompare(released, current);
  const counts = {};
  for (const diff of diffs) counts[diff.type] = (counts[diff.type] || 0) + 1;
  const breaking = diffs.filter((diff) => diff.type === "breaking");
  for (const diff of breaking.slice(0, SHOWN)) {
    const what = diff.description ? `${diff.description} ` : `${diff.action} `;
    console.log(`  breaking: ${what}at ${pointer(diff.path)}`);
  }
  if (breaking.length > SHOWN) console.log(`  ... and ${breaking.length - SHOWN} more`);
  const summary = Object.keys(counts)
    .sort()
    .map((type) => `${counts[type]} ${type}`)
    .join(", ");
  console.log(`openapi: ${summary || "no changes"}`);
  return breaking.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
