// Writes config/cdkdata_gen.go: the allow-lists config validation takes from
// the aws-cdk-lib package that the Go module github.com/aws/aws-cdk-go/awscdk/v2
// embeds (its jsii tarball), so they change exactly when the CDK is upgraded:
//
//   - PostgreSQL versions the CDK knows: every rds.PostgresEngineVersion.VER_*
//     (aws-rds/lib/instance-engine.js);
//   - RDS instance classes the bundled CloudFormation validator
//     (@aws/cloudformation-validate) accepts for Engine "postgres": rule E3062
//     (class valid for the engine version) and rule E3025 (class offered in
//     the region); both data sets are zstd frames inside its WebAssembly module;
//   - AWS regions: region-info's AWS_REGIONS (region-info/lib/aws-entities.js).
//
// Run through `go generate ./config` (config/cdkdata.go), which needs Node 22.15+
// for zlib's zstd (scripts/node-env.sh provides it). With --check it writes
// nothing and exits 1 when the file on disk differs from what it would write.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { execFileSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const outFile = path.join(root, "config", "cdkdata_gen.go");
const modulePath = "github.com/aws/aws-cdk-go/awscdk/v2";

function fail(msg) {
  console.error(`gen-cdkdata: ${msg}`);
  process.exit(2);
}

if (typeof zlib.zstdDecompressSync !== "function") {
  fail(`node ${process.version} has no zlib.zstdDecompressSync; use Node 22.15 or newer (source scripts/node-env.sh)`);
}

// The module version go.mod selects, and where Go keeps it.
const mod = JSON.parse(execFileSync("go", ["list", "-m", "-json", modulePath], { cwd: root, encoding: "utf8" }));
if (!mod.Dir) fail(`${modulePath} ${mod.Version} is not downloaded; run: go mod download`);
const jsiiDir = path.join(mod.Dir, "jsii");
const tarballs = fs.readdirSync(jsiiDir).filter((f) => /^aws-cdk-lib-.*\.tgz$/.test(f));
if (tarballs.length !== 1) fail(`expected one aws-cdk-lib tarball in ${jsiiDir}, found ${tarballs.join(", ") || "none"}`);
const tarball = tarballs[0];

// Files of the tarball we read, by path inside it.
const wanted = {
  pkg: "package/package.json",
  rds: "package/aws-rds/lib/instance-engine.js",
  regions: "package/region-info/lib/aws-entities.js",
  validatorPkg: "package/node_modules/@aws/cloudformation-validate/package.json",
  wasm: "package/node_modules/@aws/cloudformation-validate/bindings_wasm_bg.wasm",
};
const files = untar(zlib.gunzipSync(fs.readFileSync(path.join(jsiiDir, tarball))), Object.values(wanted));
for (const [name, p] of Object.entries(wanted)) if (!files[p]) fail(`${tarball} has no ${p} (${name})`);

const cdkVersion = JSON.parse(files[wanted.pkg]).version;
const validatorVersion = JSON.parse(files[wanted.validatorPkg]).version;

// rds.PostgresEngineVersion.VER_*: `static VER_17_9=PostgresEngineVersion.of("17.9","17",...)`.
const cdkVersions = [];
for (const m of files[wanted.rds].toString("utf8").matchAll(/static VER_[0-9A-Z_]+=PostgresEngineVersion\.of\("([^"]+)","([^"]+)"/g)) {
  if (!cdkVersions.includes(m[1])) cdkVersions.push(m[1]);
}
if (cdkVersions.length < 50) fail(`found only ${cdkVersions.length} PostgresEngineVersion.VER_* in ${wanted.rds}; has the file's format changed?`);

// region-info's AWS_REGIONS (a CommonJS module without imports).
const regionExports = {};
new Function("exports", files[wanted.regions].toString("utf8"))(regionExports);
const regions = [...regionExports.AWS_REGIONS].sort();
if (regions.length < 20 || !regions.includes("us-east-1")) fail(`unexpected AWS_REGIONS: ${regions}`);

// The validator's data: JSON documents in zstd frames inside the wasm module.
const data = {};
const wasm = files[wanted.wasm];
const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
for (let i = wasm.indexOf(magic); i >= 0; i = wasm.indexOf(magic, i + 4)) {
  let doc;
  try {
    doc = JSON.parse(zlib.zstdDecompressSync(wasm.subarray(i)));
  } catch {
    continue; // the magic bytes also occur outside frames
  }
  for (const key of ["aws_rds_dbinstance_db_instance_class", "aws_rds_dbinstance_dbinstanceclass_enum"]) {
    if (doc && doc[key]) data[key] = doc[key];
  }
}
for (const key of ["aws_rds_dbinstance_db_instance_class", "aws_rds_dbinstance_dbinstanceclass_enum"]) {
  if (!data[key]) fail(`the validator in ${tarball} has no ${key} data (E3062/E3025); has its format changed?`);
}

// E3062: per engine version (pattern ^(X\..+|X)$), the classes valid for it.
const byVersionPrefix = new Map();
for (const entry of data.aws_rds_dbinstance_db_instance_class.allOf) {
  const cond = entry.if.properties;
  if (cond.Engine?.const !== "postgres") continue;
  const m = /^\^\((.+)\\\.\.\+\|(.+)\)\$$/.exec(cond.EngineVersion.pattern);
  if (!m || m[1] !== m[2] || !/^[0-9a-z-]+(\\\.[0-9a-z-]+)*$/.test(m[1])) {
    fail(`unexpected E3062 EngineVersion pattern ${cond.EngineVersion.pattern}`);
  }
  byVersionPrefix.set(m[1].replaceAll("\\.", "."), entry.then.properties.DBInstanceClass.enum);
}
function classesForVersion(v) {
  for (const [prefix, classes] of byVersionPrefix) if (v === prefix || v.startsWith(prefix + ".")) return classes;
  return null;
}

// E3025: per region, the class must be in every branch that applies to an
// instance with Engine "postgres" and no LicenseModel (the CDK sets none).
const byRegion = new Map();
for (const [region, doc] of Object.entries(data.aws_rds_dbinstance_dbinstanceclass_enum)) {
  let set = null;
  for (const entry of doc.allOf) {
    const cond = entry.if;
    if (cond.properties.Engine?.const !== "postgres" || (cond.required || []).includes("LicenseModel")) continue;
    const classes = entry.then.properties.DBInstanceClass.enum;
    set = set ? set.filter((c) => classes.includes(c)) : [...classes];
  }
  if (set) byRegion.set(region, set);
}
if (!byRegion.has("us-east-1")) fail("E3025 data has no postgres classes for us-east-1");

// Versions offered: known to the CDK and listed by E3062 for postgres.
const versions = cdkVersions.filter((v) => classesForVersion(v));
if (versions.length === 0) fail("no PostgreSQL version is both known to the CDK and in the validator's E3062 data");

// Every class appears once, without its "db." prefix (the CDK adds it); a set
// is a bitmap over that list, in hex.
const universe = [...new Set([...versions.flatMap(classesForVersion), ...[...byRegion.values()].flat()])]
  .filter((c) => /^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(c)) // not db.serverless (Aurora)
  .map((c) => c.slice(3))
  .sort(compareClasses);
function bitmap(classes) {
  const bits = new Array(Math.ceil(universe.length / 4)).fill(0);
  for (const c of classes) {
    const i = universe.indexOf(c.slice(3));
    if (!c.startsWith("db.") || i < 0) continue;
    bits[i >> 2] |= 8 >> (i & 3);
  }
  return bits.map((b) => b.toString(16)).join("");
}

function compareClasses(a, b) {
  const [fa, sa] = a.split(".");
  const [fb, sb] = b.split(".");
  return fa === fb ? sizeRank(sa) - sizeRank(sb) || sa.localeCompare(sb) : fa.localeCompare(fb);
}
function sizeRank(s) {
  const order = ["nano", "micro", "small", "medium", "large", "xlarge"];
  if (order.includes(s)) return order.indexOf(s);
  const m = /^([0-9]+)xlarge$/.exec(s);
  return m ? 5 + Number(m[1]) : 1000;
}

function goStrings(list, perLine) {
  const lines = [];
  for (let i = 0; i < list.length; i += perLine) {
    lines.push("\t" + list.slice(i, i + perLine).map((s) => JSON.stringify(s)).join(", ") + ",");
  }
  return lines.join("\n");
}
function goMap(entries) {
  return entries.map(([k, v]) => `\t${JSON.stringify(k)}: ${JSON.stringify(v)},`).join("\n");
}

const out = gofmt(`// Code generated by scripts/gen-cdkdata.js (go generate ./config); DO NOT EDIT.

package config

// Sources: the aws-cdk-lib ${cdkVersion} package embedded in the Go module
// ${modulePath} ${mod.Version}, file jsii/${tarball}.
const (
	cdkModuleVersion = ${JSON.stringify(mod.Version)}
	cdkLibVersion    = ${JSON.stringify(cdkVersion)}
	validatorVersion = ${JSON.stringify(validatorVersion)}
)

// cdkPostgresVersions are the versions of every rds.PostgresEngineVersion.VER_*
// constant, in aws-cdk-lib's order (aws-rds/lib/instance-engine.js).
var cdkPostgresVersions = []string{
${goStrings(cdkVersions, 10)}
}

// postgresClasses are the RDS instance classes, without the "db." prefix, that
// @aws/cloudformation-validate ${validatorVersion} (bundled with aws-cdk-lib)
// lists for Engine "postgres" in the versions and regions below.
var postgresClasses = []string{
${goStrings(universe, 8)}
}

// postgresVersionClasses maps each PostgreSQL version the CDK knows and the
// validator's rule E3062 lists for Engine "postgres" (data
// aws_rds_dbinstance_db_instance_class) to the classes valid for it: a hex
// bitmap over postgresClasses, most significant bit first.
var postgresVersionClasses = map[string]string{
${goMap(versions.map((v) => [v, bitmap(classesForVersion(v))]))}
}

// postgresRegionClasses maps a region to the classes the validator's rule
// E3025 accepts there for Engine "postgres" without a LicenseModel (data
// aws_rds_dbinstance_dbinstanceclass_enum), as bitmaps like above. Without a
// region the validator flags a class only when no region offers it.
var postgresRegionClasses = map[string]string{
${goMap([...byRegion.entries()].sort().map(([r, set]) => [r, bitmap(set)]))}
}

// awsRegions are region-info's AWS_REGIONS (region-info/lib/aws-entities.js).
var awsRegions = []string{
${goStrings(regions, 6)}
}
`);

function gofmt(src) {
  return execFileSync("gofmt", [], { input: src, encoding: "utf8" });
}

if (process.argv.includes("--check")) {
  const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, "utf8") : "";
  if (current !== out) {
    console.error(`gen-cdkdata: ${path.relative(root, outFile)} is stale for ${modulePath} ${mod.Version}; run: go generate ./config`);
    process.exit(1);
  }
  console.log(`gen-cdkdata: ${path.relative(root, outFile)} matches ${tarball}`);
} else {
  fs.writeFileSync(outFile, out);
  console.log(`gen-cdkdata: wrote ${path.relative(root, outFile)}: ${versions.length} PostgreSQL versions, ${universe.length} classes, ${byRegion.size} regions with class data, ${regions.length} regions`);
}

// untar returns the named regular files of a tar archive.
function untar(buf, names) {
  const out = {};
  let longName = null;
  for (let off = 0; off + 512 <= buf.length; ) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) => header.toString("utf8", start, start + len).replace(/\0.*$/s, "");
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 48);
    let name = field(0, 100);
    const prefix = field(345, 155);
    if (prefix) name = prefix + "/" + name;
    if (longName) {
      name = longName;
      longName = null;
    }
    const body = buf.subarray(off + 512, off + 512 + size);
    if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
    else if ((type === "0" || type === "\0") && names.includes(name)) out[name] = Buffer.from(body);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
