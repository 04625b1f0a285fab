// Prints the context `cdk synth` would hand the app, as JSON: cdk.json's
// "context", then cdk.context.json (cached lookups), then each -c key=value
// from the command line (strings, as the CDK CLI passes them). Also prints
// the output directory (-o/--output, default cdk.out) on the first line.
"use strict";
const fs = require("fs");

function readContext(file, pick) {
  if (!fs.existsSync(file)) return {};
  try {
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    return (pick ? doc[pick] : doc) || {};
  } catch (err) {
    console.error(`synth: ${file} is not valid JSON: ${err.message}`);
    process.exit(2);
  }
}

// What the CDK CLI adds by default, so both paths write identical templates.
const cliDefaults = {
  "aws:cdk:enable-path-metadata": true,
  "aws:cdk:enable-asset-metadata": true,
  "aws:cdk:version-reporting": true,
  "aws:cdk:bundling-stacks": ["**"],
};
const context = { ...cliDefaults, ...readContext("cdk.json", "context"), ...readContext("cdk.context.json") };
let outdir = "cdk.out";
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  let arg = args[i];
  if (arg === "-c" || arg === "--context") {
    arg = args[++i] ?? "";
  } else if (arg.startsWith("--context=")) {
    arg = arg.slice("--context=".length);
  } else if (arg === "-o" || arg === "--output") {
    outdir = args[++i] ?? "";
    continue;
  } else if (arg.startsWith("--output=")) {
    outdir = arg.slice("--output=".length);
    continue;
  } else if (arg === "-q" || arg === "--quiet") {
    continue;
  } else {
    console.error(`synth: unsupported argument ${JSON.stringify(arg)}; use -c key=value and -o DIR, or run npx cdk synth`);
    process.exit(2);
  }
  const eq = arg.indexOf("=");
  if (eq <= 0) {
    console.error(`synth: context ${JSON.stringify(arg)} is not key=value`);
    process.exit(2);
  }
  context[arg.slice(0, eq)] = arg.slice(eq + 1);
}
console.log(outdir);
console.log(JSON.stringify(context));
