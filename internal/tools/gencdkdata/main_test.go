package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// zstdFrame is a zstd frame of the given blocks (raw or rle), written by
// hand since the standard library has no encoder: no checksum, no content
// size, a 128 KiB window.
func zstdFrame(blocks ...[]byte) []byte {
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38}
	start := len(frame)
	for _, b := range blocks {
		start = len(frame)
		frame = append(frame, b...)
	}
	frame[start] |= 1 // Last_Block
	return frame
}

// raw is a block that holds s as it is.
func raw(s string) []byte { return append(blockHeader(0, len(s)), s...) }

// rle is a block that repeats b n times: decoding it is more than copying.
func rle(b byte, n int) []byte { return append(blockHeader(1, n), b) }

func blockHeader(typ, size int) []byte {
	h := typ<<1 | size<<3
	return []byte{byte(h), byte(h >> 8), byte(h >> 16)}
}

func TestZstdReader(t *testing.T) {
	frame := zstdFrame(rle(' ', 300), raw(`{"a": 1}`), raw(` {"b": 2}`))
	var a, b map[string]int
	dec := json.NewDecoder(zstdReader(append(frame, "trailing bytes of the wasm module"...)))
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("first document: %v", err)
	}
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("second document, in the next block: %v", err)
	}
	if a["a"] != 1 || b["b"] != 2 {
		t.Errorf("decoded %v and %v, want a=1 and b=2", a, b)
	}
	// The magic number followed by what is not a frame header.
	var doc any
	if err := json.NewDecoder(zstdReader([]byte{0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff})).Decode(&doc); err == nil {
		t.Errorf("a broken frame decoded to %v", doc)
	}
}

func TestValidatorData(t *testing.T) {
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	e3062Frame := zstdFrame(rle('\n', 40), raw(`{"`+e3062+`": {"allOf": []}, "other": 1}`))
	e3025Frame := zstdFrame(raw(`{"` + e3025 + `": {"us-east-1": {}}}`))
	junk := []byte("\x00asm\x01\x00\x00\x00 code ")
	wasm := slices.Concat(junk, magic, junk, e3062Frame, junk, magic[:3], e3025Frame, magic)

	data, err := validatorData(wasm, "aws-cdk-lib-9.9.9.tgz")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data[e3062]); got != `{"allOf": []}` {
		t.Errorf("E3062 data = %s", got)
	}
	if got := string(data[e3025]); got != `{"us-east-1": {}}` {
		t.Errorf("E3025 data = %s", got)
	}
	if len(data) != 2 {
		t.Errorf("kept %d data sets, want the two rules'", len(data))
	}

	_, err = validatorData(slices.Concat(junk, e3062Frame, junk), "aws-cdk-lib-9.9.9.tgz")
	wantErr(t, err, "the validator in aws-cdk-lib-9.9.9.tgz has no "+e3025+" data")
	_, err = validatorData(junk, "aws-cdk-lib-9.9.9.tgz")
	wantErr(t, err, "has no "+e3062+" data")
}

// e3062Doc is E3062's data: one branch per engine and version pattern.
func e3062Doc(branches ...[3]any) json.RawMessage {
	var allOf []any
	for _, b := range branches {
		allOf = append(allOf, map[string]any{
			"if": map[string]any{"properties": map[string]any{
				"Engine":        map[string]any{"const": b[0]},
				"EngineVersion": map[string]any{"pattern": b[1]},
			}},
			"then": classEnumDoc(b[2].([]string)),
		})
	}
	return mustJSON(map[string]any{"allOf": allOf})
}

// e3025Branch is one branch of a region's E3025 data.
type e3025Branch struct {
	engine   string
	required []string
	classes  []string
}

func e3025Doc(regions map[string][]e3025Branch) json.RawMessage {
	doc := map[string]any{}
	for region, branches := range regions {
		var allOf []any
		for _, b := range branches {
			allOf = append(allOf, map[string]any{
				"if": map[string]any{
					"properties": map[string]any{"Engine": map[string]any{"const": b.engine}},
					"required":   b.required,
				},
				"then": classEnumDoc(b.classes),
			})
		}
		doc[region] = map[string]any{"allOf": allOf}
	}
	return mustJSON(doc)
}

func classEnumDoc(classes []string) any {
	return map[string]any{"properties": map[string]any{"DBInstanceClass": map[string]any{"enum": classes}}}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func pattern(v string) string {
	v = strings.ReplaceAll(v, ".", `\.`)
	return `^(` + v + `\..+|` + v + `)$`
}

func TestReadClasses(t *testing.T) {
	byVersion := e3062Doc(
		// A longer prefix first: 17.1 (and 17.1.x) but not 17.10.
		[3]any{"postgres", pattern("17.1"), []string{"db.t4g.micro"}},
		[3]any{"postgres", pattern("17"), []string{"db.t4g.micro", "db.t4g.small", "db.serverless"}},
		[3]any{"mysql", pattern("16"), []string{"db.m5.large"}},
		[3]any{"postgres", pattern("16"), []string{"db.m5.large", "db.m5.16xlarge", "db.m5.2xlarge", "db.m5.xlarge"}},
	)
	byRegion := e3025Doc(map[string][]e3025Branch{
		"us-east-1": {
			{"postgres", []string{"Engine"}, []string{"db.t4g.micro", "db.t4g.small", "db.m5.large"}},
			{"mysql", nil, []string{"db.r5.large"}},
			// Only for a LicenseModel, which the CDK never sets.
			{"postgres", []string{"Engine", "LicenseModel"}, []string{"db.x2g.large"}},
			// Every branch that applies must allow the class.
			{"postgres", nil, []string{"db.t4g.micro", "db.m5.large", "db.r6g.large"}},
		},
		"eu-west-1":  {{"postgres", nil, []string{"db.t4g.small"}}},
		"xx-mysql-1": {{"mysql", nil, []string{"db.t4g.small"}}},
	})
	// 12.1 is in no E3062 branch; 17.1.2 falls under 17.1.
	c, err := readClasses([]string{"17.10", "17.1", "17.1.2", "16.4", "12.1"}, byVersion, byRegion)
	if err != nil {
		t.Fatal(err)
	}
	// db.serverless (Aurora), db.x2g.large (LicenseModel only), db.r5.large
	// (mysql) and db.r6g.large (in one of us-east-1's two postgres branches)
	// are allowed nowhere.
	wantUniverse := []string{"m5.large", "m5.xlarge", "m5.2xlarge", "m5.16xlarge", "t4g.micro", "t4g.small"}
	if !slices.Equal(c.universe, wantUniverse) {
		t.Errorf("universe = %q, want %q", c.universe, wantUniverse)
	}
	// Bitmaps over wantUniverse, 4 classes a hex digit, the first the most
	// significant bit: 17.10 has t4g.micro and t4g.small (0000 1100).
	wantVersions := [][2]string{{"17.10", "0c"}, {"17.1", "08"}, {"17.1.2", "08"}, {"16.4", "f0"}}
	if !slices.Equal(c.versionClasses, wantVersions) {
		t.Errorf("versionClasses = %q, want %q", c.versionClasses, wantVersions)
	}
	// us-east-1: t4g.micro and m5.large are in both postgres branches
	// without LicenseModel; xx-mysql-1 has no postgres data.
	wantRegions := [][2]string{{"eu-west-1", "04"}, {"us-east-1", "88"}}
	if !slices.Equal(c.regionClasses, wantRegions) {
		t.Errorf("regionClasses = %q, want %q", c.regionClasses, wantRegions)
	}
}

func TestReadClassesFails(t *testing.T) {
	byVersion := e3062Doc([3]any{"postgres", pattern("17"), []string{"db.t4g.micro"}})
	byRegion := e3025Doc(map[string][]e3025Branch{"us-east-1": {{"postgres", nil, []string{"db.t4g.micro"}}}})
	tests := []struct {
		name                string
		versions            []string
		byVersion, byRegion json.RawMessage
		want                string
	}{
		{"E3062 is not JSON", []string{"17.1"}, json.RawMessage(`[`), byRegion, "E3062 data: "},
		{"E3025 is not JSON", []string{"17.1"}, byVersion, json.RawMessage(`{"us-east-1": 1}`), "E3025 data: "},
		{"another version pattern", []string{"17.1"},
			e3062Doc([3]any{"postgres", `^17\..+$`, []string{"db.t4g.micro"}}), byRegion,
			`unexpected E3062 EngineVersion pattern ^17\..+$`},
		{"two versions in one pattern", []string{"17.1"},
			e3062Doc([3]any{"postgres", `^(17\..+|16)$`, []string{"db.t4g.micro"}}), byRegion,
			"unexpected E3062 EngineVersion pattern"},
		{"no us-east-1", []string{"17.1"}, byVersion,
			e3025Doc(map[string][]e3025Branch{"eu-west-1": {{"postgres", nil, []string{"db.t4g.micro"}}}}),
			"E3025 data has no postgres classes for us-east-1"},
		{"no common version", []string{"16.4", "170.1"}, byVersion, byRegion,
			"no PostgreSQL version is both known to the CDK and in the validator's E3062 data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readClasses(tt.versions, tt.byVersion, tt.byRegion)
			wantErr(t, err, tt.want)
		})
	}
}

func TestCompareClasses(t *testing.T) {
	classes := []string{"t4g.2xlarge", "m5.large", "t4g.micro", "t4g.16xlarge", "t4g.xlarge", "t4g.4xlarge",
		"t4g.small", "t4g.metal", "t4g.nano", "t4g.large", "t4g.medium", "m5d.large"}
	slices.SortFunc(classes, compareClasses)
	want := []string{"m5.large", "m5d.large", "t4g.nano", "t4g.micro", "t4g.small", "t4g.medium", "t4g.large",
		"t4g.xlarge", "t4g.2xlarge", "t4g.4xlarge", "t4g.16xlarge", "t4g.metal"}
	if !slices.Equal(classes, want) {
		t.Errorf("sorted to %q, want %q", classes, want)
	}
}

// rdsJS is a minified instance-engine.js with n versions 11.1 … 11.n, then
// 17.9 twice (two constants, one version).
func rdsJS(n int) string {
	var b strings.Builder
	b.WriteString(`class PostgresEngineVersion{static VER_9_5=PostgresEngineVersion.of("9.5","9.5",{});`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `static VER_11_%d=PostgresEngineVersion.of("11.%d","11",{s3Import:!0});`, i, i)
	}
	b.WriteString(`static VER_17_9=PostgresEngineVersion.of("17.9","17");static VER_17=PostgresEngineVersion.of("17.9","17");}`)
	return b.String()
}

func TestPostgresVersions(t *testing.T) {
	got, err := postgresVersions(rdsJS(48))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 || got[0] != "9.5" || got[1] != "11.1" || got[48] != "11.48" || got[49] != "17.9" {
		t.Errorf("versions = %q, want 9.5, 11.1 … 11.48, 17.9 once", got)
	}
	_, err = postgresVersions(rdsJS(47))
	wantErr(t, err, "found only 49 PostgresEngineVersion.VER_* in "+rdsFile+"; has the file's format changed?")
}

const regionsComputed = `exports.AWS_REGIONS=exports.AWS_REGIONS_AND_RULES.filter(x=>typeof x=="string").sort()`

// regionsJS is a minified aws-entities.js: region names and rule symbols.
func regionsJS(regions ...string) string {
	items := []string{"RULE_S3_WEBSITE_REGIONAL_SUBDOMAIN"}
	for _, r := range regions {
		items = append(items, `"`+r+`"`)
	}
	return `exports.AWS_REGIONS_AND_RULES=[` + strings.Join(items, ",") + `];` + regionsComputed + `;`
}

func manyRegions(n int) []string {
	regions := []string{"us-east-1"}
	for i := 2; len(regions) < n; i++ {
		regions = append(regions, fmt.Sprintf("xx-south-%d", i))
	}
	return regions
}

func TestAWSRegions(t *testing.T) {
	regions := append([]string{"eu-west-1"}, manyRegions(19)...)
	got, err := awsRegions(regionsJS(regions...))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(regions))
	if !slices.Equal(got, want) {
		t.Errorf("regions = %q, want the strings sorted: %q", got, want)
	}
	_, err = awsRegions(strings.Replace(regionsJS(regions...), ".sort()", "", 1))
	wantErr(t, err, regionsFile+" no longer computes AWS_REGIONS as "+regionsComputed)
	_, err = awsRegions(regionsJS(manyRegions(19)...))
	wantErr(t, err, "unexpected AWS_REGIONS: [us-east-1 xx-south-10")
	_, err = awsRegions(regionsJS(manyRegions(21)[1:]...))
	wantErr(t, err, "unexpected AWS_REGIONS")
}

func TestPackageVersion(t *testing.T) {
	if v, err := packageVersion([]byte(`{"name": "aws-cdk-lib", "version": "2.276.0"}`)); v != "2.276.0" || err != nil {
		t.Errorf("packageVersion = %q, %v; want 2.276.0", v, err)
	}
	_, err := packageVersion([]byte(`{"name": "aws-cdk-lib"}`))
	wantErr(t, err, "a package.json without a version")
	_, err = packageVersion(nil)
	wantErr(t, err, "a package.json without a version: unexpected end of JSON input")
}

// tgz writes a gzipped tar archive of files, in order, into a temporary
// directory; an entry named "dir/" is a directory, one ending in "@" a
// symlink to the name without the "@".
func tgz(t *testing.T, files ...[2]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		name, body := f[0], f[1]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		switch {
		case strings.HasSuffix(name, "/"):
			h.Typeflag, h.Size = tar.TypeDir, 0
		case strings.HasSuffix(name, "@"):
			h.Name, h.Typeflag, h.Linkname, h.Size = strings.TrimSuffix(name, "@"), tar.TypeSymlink, body, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "aws-cdk-lib-9.9.9.tgz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUntar(t *testing.T) {
	path := tgz(t,
		[2]string{"package/", ""},
		[2]string{"package/a.js", "A"},
		[2]string{"package/b.js@", "a.js"},
		[2]string{"package/c.js", "C"},
		[2]string{"package/d.js", "not asked for"},
	)
	got, err := untar(path, "package/a.js", "package/c.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got["package/a.js"]) != "A" || string(got["package/c.js"]) != "C" {
		t.Errorf("untar = %q, want a.js and c.js only", got)
	}
	// A symlink or directory by the name asked for is not the file.
	_, err = untar(path, "package/a.js", "package/b.js")
	wantErr(t, err, "no package/b.js")
	_, err = untar(path, "package/")
	wantErr(t, err, "no package/")

	notGzip := filepath.Join(t.TempDir(), "x.tgz")
	if err := os.WriteFile(notGzip, []byte("package/a.js"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = untar(notGzip, "package/a.js")
	wantErr(t, err, "gzip: invalid header")
}

// fixture is a small aws-cdk-lib tarball's worth of the files generate reads.
func fixture(t *testing.T) map[string][]byte {
	t.Helper()
	byVersion := e3062Doc(
		[3]any{"postgres", pattern("17"), []string{"db.t4g.micro", "db.t4g.small"}},
		[3]any{"postgres", pattern("11"), []string{"db.m5.large", "db.t4g.micro"}},
	)
	byRegion := e3025Doc(map[string][]e3025Branch{"us-east-1": {{"postgres", nil, []string{"db.t4g.micro", "db.m5.large"}}}})
	wasm := slices.Concat([]byte("\x00asm"),
		zstdFrame(raw(`{"`+e3062+`": `), raw(string(byVersion)), raw(`}`)),
		[]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0},
		zstdFrame(rle(' ', 10), raw(`{"`+e3025+`": `+string(byRegion)+`}`)))
	path := tgz(t,
		[2]string{pkgFile, `{"name": "aws-cdk-lib", "version": "9.9.9"}`},
		[2]string{"package/README.md", "#"},
		[2]string{rdsFile, rdsJS(49)},
		[2]string{regionsFile, regionsJS(manyRegions(20)...)},
		[2]string{validatorPkgFile, `{"version": "1.2.3"}`},
		[2]string{wasmFile, string(wasm)},
	)
	files, err := untar(path, pkgFile, rdsFile, regionsFile, validatorPkgFile, wasmFile)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerate(t *testing.T) {
	g, err := generate(fixture(t), "aws-cdk-lib-9.9.9.tgz", "v9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	src, err := format.Source([]byte(g.src))
	if err != nil {
		t.Fatalf("not Go: %v\n%s", err, g.src)
	}
	for _, want := range []string{
		"// Code generated by internal/tools/gencdkdata (go generate ./config); DO NOT EDIT.\n\npackage config\n",
		"// " + modulePath + " v9.9.9, file jsii/aws-cdk-lib-9.9.9.tgz.\n",
		`cdkModuleVersion = "v9.9.9"`,
		`cdkLibVersion    = "9.9.9"`,
		`validatorVersion = "1.2.3"`,
		"// @aws/cloudformation-validate 1.2.3 (bundled",
		"{\n\t\"9.5\", \"11.1\", \"11.2\", \"11.3\", \"11.4\", \"11.5\", \"11.6\", \"11.7\", \"11.8\", \"11.9\",\n\t\"11.10\",",
		"var postgresClasses = []string{\n\t\"m5.large\", \"t4g.micro\", \"t4g.small\",\n}",
		// 9.5 has no E3062 branch: known to the CDK, not offered.
		"var postgresVersionClasses = map[string]string{\n\t\"11.1\":  \"c\",\n",
		"\t\"17.9\":  \"6\",\n}",
		"var postgresRegionClasses = map[string]string{\n\t\"us-east-1\": \"c\",\n}",
		"var awsRegions = []string{\n\t\"us-east-1\", \"xx-south-10\",",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("generated source lacks %q:\n%s", want, src)
		}
	}
	if g.versions != 50 || g.classes != 3 || g.classRegions != 1 || g.regions != 20 {
		t.Errorf("counted %d versions, %d classes, %d regions with classes, %d regions; want 50, 3, 1, 20",
			g.versions, g.classes, g.classRegions, g.regions)
	}
}

func TestGenerateNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name string
		file string
		body string
		want string
	}{
		{"no CDK version", pkgFile, `{}`, "a package.json without a version"},
		{"no validator version", validatorPkgFile, `{"version": ""}`, "a package.json without a version"},
		{"instance-engine.js changed", rdsFile, `PostgresEngineVersion.of("17.9")`, "found only 0 PostgresEngineVersion.VER_*"},
		{"aws-entities.js changed", regionsFile, `exports.AWS_REGIONS=["us-east-1"]`, "no longer computes AWS_REGIONS"},
		{"validator without data", wasmFile, "\x00asm", "the validator in aws-cdk-lib-9.9.9.tgz has no " + e3062 + " data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := fixture(t)
			files[tt.file] = []byte(tt.body)
			_, err := generate(files, "aws-cdk-lib-9.9.9.tgz", "v9.9.9")
			wantErr(t, err, tt.want)
		})
	}
}

func TestSave(t *testing.T) {
	g := generated{tarball: "aws-cdk-lib-9.9.9.tgz", moduleVersion: "v9.9.9", versions: 1, classes: 2, classRegions: 3, regions: 4}
	fresh := []byte("package config\n")
	tests := []struct {
		name    string
		check   bool
		current *string // the file on disk before; nil: none
		code    int
		after   string // the file on disk after
		stdout  string
		stderr  string
	}{
		{"check, up to date", true, ptr("package config\n"), 0, "package config\n",
			"gencdkdata: config/cdkdata_gen.go matches aws-cdk-lib-9.9.9.tgz\n", ""},
		{"check, stale", true, ptr("package config // old\n"), 1, "package config // old\n",
			"", "gencdkdata: config/cdkdata_gen.go is stale for github.com/aws/aws-cdk-go/awscdk/v2 v9.9.9; run: go generate ./config\n"},
		{"check, no file", true, nil, 1, "",
			"", "config/cdkdata_gen.go is stale"},
		{"write", false, ptr("package config // old\n"), 0, "package config\n",
			"gencdkdata: wrote config/cdkdata_gen.go: 1 PostgreSQL versions, 2 classes, 3 regions with class data, 4 regions\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "cdkdata_gen.go")
			if tt.current != nil {
				if err := os.WriteFile(file, []byte(*tt.current), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			if code := save(tt.check, file, fresh, g, &stdout, &stderr); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			after, _ := os.ReadFile(file)
			if string(after) != tt.after {
				t.Errorf("file holds %q afterwards, want %q", after, tt.after)
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) || (tt.stderr == "") != (stderr.Len() == 0) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.stderr)
			}
		})
	}
	var stderr bytes.Buffer
	if code := save(false, filepath.Join(t.TempDir(), "no", "such", "dir", "x.go"), fresh, g, &bytes.Buffer{}, &stderr); code != 2 {
		t.Errorf("a file that cannot be written: exit code %d, want 2 (stderr %q)", code, stderr.String())
	}
}

func ptr(s string) *string { return &s }

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}
