// Checks that the golden templates the tests compare against
// (testdata/golden, written by `go test -run TestGoldenTemplates -update ./stacks`)
// are what `cdk synth` writes. The tests synthesize in an App of their own,
// with context of their own; this proves they look at the templates that
// deploy. The CLI's additions are set aside first: the CDKMetadata resource
// and its condition, and the aws:cdk:path and aws:asset:* resource metadata;
// asset hashes become <asset-hash>, as in the golden files.
//
//   node scripts/golden-check.js OUTDIR EXPECTED_COUNT
//
// compares every template in OUTDIR that has a golden file and fails unless
// it compared EXPECTED_COUNT of them.
"use strict";
const fs = require("fs");
const path = require("path");

const [outdir, expected] = process.argv.slice(2);
if (!outdir || !/^\d+$/.test(expected || "")) {
  console.error("usage: node scripts/golden-check.js OUTDIR EXPECTED_COUNT");
  process.exit(2);
}
const goldenDir = path.join(__dirname, "..", "testdata", "golden");

function fromCLI(template) {
  const t = JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, "<asset-hash>"));
  delete t.Resources.CDKMetadata;
  if (t.Conditions) {
    delete t.Conditions.CDKMetadataAvailable;
    if (Object.keys(t.Conditions).length === 0) delete t.Conditions;
  }
  for (const resource of Object.values(t.Resources)) {
    if (!resource.Metadata) continue;
    for (const key of Object.keys(resource.Metadata)) {
      if (key === "aws:cdk:path" || key.startsWith("aws:asset:")) delete resource.Metadata[key];
    }
    if (Object.keys(resource.Metadata).length === 0) delete resource.Metadata;
  }
  return t;
}

// differences lists the paths where a and b differ, at most limit of them.
function differences(a, b, at = "", out = [], limit = 10) {
  if (out.length >= limit) return out;
  const isObject = (v) => v !== null && typeof v === "object";
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = Array.isArray(a) ? `${at}[${key}]` : at ? `${at}.${key}` : key;
      if (!(key in b)) out.push(`only in the golden file: ${p}`);
      else if (!(key in a)) out.push(`only in cdk synth: ${p}`);
      else differences(a[key], b[key], p, out, limit);
      if (out.length >= limit) break;
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${at}: golden ${JSON.stringify(a)}, cdk synth ${JSON.stringify(b)}`.slice(0, 300));
  }
  return out;
}

let compared = 0;
let failed = false;
for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith(".template.json")).sort()) {
  const stack = file.replace(/\.template\.json$/, "");
  const goldenFile = path.join(goldenDir, `${stack}.json`);
  if (!fs.existsSync(goldenFile)) continue;
  compared++;
  const diff = differences(
    JSON.parse(fs.readFileSync(goldenFile, "utf8")),
    fromCLI(JSON.parse(fs.readFileSync(path.join(outdir, file), "utf8"))),
  );
  if (diff.length > 0) {
    failed = true;
    console.error(`${stack}: testdata/golden/${stack}.json is not what cdk synth writes:\n  ${diff.join("\n  ")}`);
  }
}
if (compared !== Number(expected)) {
  console.error(`golden-check: compared ${compared} templates in ${outdir} with testdata/golden, expected ${expected}`);
  process.exit(1);
}
if (failed) {
  console.error("The tests' synthesis and cdk synth disagree: if the golden files are stale, run go test -run TestGoldenTemplates -update ./stacks; otherwise the test context (stacks/harness_test.go, testContext) has drifted from the CLI's.");
  process.exit(1);
}
console.log(`golden-check: ${compared} templates in ${outdir} match testdata/golden`);
