// Command gencdkdata writes config/cdkdata_gen.go: the allow-lists config
// validation takes from the aws-cdk-lib package that the Go module
// github.com/aws/aws-cdk-go/awscdk/v2 embeds (its jsii tarball), so they
// change exactly when the CDK is upgraded:
//
//   - PostgreSQL versions the CDK knows: every rds.PostgresEngineVersion.VER_*
//     (aws-rds/lib/instance-engine.js);
//   - RDS instance classes the bundled CloudFormation validator
//     (@aws/cloudformation-validate) accepts for Engine "postgres": rule E3062
//     (class valid for the engine version) and rule E3025 (class offered in
//     the region); both data sets are zstd frames inside its WebAssembly module;
//   - AWS regions: region-info's AWS_REGIONS (region-info/lib/aws-entities.js).
//
// Run through `go generate ./config` (config/cdkdata.go). With -check it
// writes nothing and exits 1 when the file on disk differs from what it
// would write.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const modulePath = "github.com/aws/aws-cdk-go/awscdk/v2"

// Files of the tarball we read, by path inside it.
const (
	pkgFile          = "package/package.json"
	rdsFile          = "package/aws-rds/lib/instance-engine.js"
	regionsFile      = "package/region-info/lib/aws-entities.js"
	validatorPkgFile = "package/node_modules/@aws/cloudformation-validate/package.json"
	wasmFile         = "package/node_modules/@aws/cloudformation-validate/bindings_wasm_bg.wasm"
)

// The validator's data sets: E3062 (classes per engine version) and E3025
// (classes per region).
const (
	e3062 = "aws_rds_dbinstance_db_instance_class"
	e3025 = "aws_rds_dbinstance_dbinstanceclass_enum"
)

func main() {
	check := flag.Bool("check", false, "write nothing; exit 1 when config/cdkdata_gen.go is stale")
	flag.Parse()

	// The module version go.mod selects, and where Go keeps it.
	var mod struct{ Version, Dir string }
	if out, err := goCmd("list", "-m", "-json", modulePath); err != nil {
		fail("%v", err)
	} else if err := json.Unmarshal(out, &mod); err != nil {
		fail("go list -m -json %s: %v", modulePath, err)
	}
	if mod.Dir == "" {
		fail("%s %s is not downloaded; run: go mod download", modulePath, mod.Version)
	}
	gomod, err := goCmd("env", "GOMOD")
	if err != nil {
		fail("%v", err)
	}
	outFile := filepath.Join(filepath.Dir(strings.TrimSpace(string(gomod))), "config", "cdkdata_gen.go")

	jsiiDir := filepath.Join(mod.Dir, "jsii")
	tarballs, _ := filepath.Glob(filepath.Join(jsiiDir, "aws-cdk-lib-*.tgz"))
	if len(tarballs) != 1 {
		fail("expected one aws-cdk-lib tarball in %s, found %d", jsiiDir, len(tarballs))
	}
	tarball := filepath.Base(tarballs[0])
	files, err := untar(tarballs[0], pkgFile, rdsFile, regionsFile, validatorPkgFile, wasmFile)
	if err != nil {
		fail("%s: %v", tarball, err)
	}

	cdkVersion := packageVersion(files[pkgFile])
	validatorVersion := packageVersion(files[validatorPkgFile])
	cdkVersions := postgresVersions(string(files[rdsFile]))
	regions := awsRegions(string(files[regionsFile]))
	data := validatorData(files[wasmFile], tarball)

	// E3062: per engine version (pattern ^(X\..+|X)$), the classes valid for
	// it, in the data's order: the first prefix that matches a version wins.
	var prefixes []string
	classesByPrefix := map[string][]string{}
	var e3062Data struct {
		AllOf []struct {
			If struct {
				Properties struct {
					Engine        struct{ Const string }
					EngineVersion struct{ Pattern string }
				}
			}
			Then classEnum
		}
	}
	if err := json.Unmarshal(data[e3062], &e3062Data); err != nil {
		fail("E3062 data: %v", err)
	}
	versionPattern := regexp.MustCompile(`^\^\((.+)\\\.\.\+\|(.+)\)\$$`)
	escapedVersion := regexp.MustCompile(`^[0-9a-z-]+(\\\.[0-9a-z-]+)*$`)
	for _, entry := range e3062Data.AllOf {
		cond := entry.If.Properties
		if cond.Engine.Const != "postgres" {
			continue
		}
		m := versionPattern.FindStringSubmatch(cond.EngineVersion.Pattern)
		if m == nil || m[1] != m[2] || !escapedVersion.MatchString(m[1]) {
			fail("unexpected E3062 EngineVersion pattern %s", cond.EngineVersion.Pattern)
		}
		prefix := strings.ReplaceAll(m[1], `\.`, ".")
		if _, seen := classesByPrefix[prefix]; !seen {
			prefixes = append(prefixes, prefix)
		}
		classesByPrefix[prefix] = entry.Then.Properties.DBInstanceClass.Enum
	}
	classesForVersion := func(v string) []string {
		for _, prefix := range prefixes {
			if v == prefix || strings.HasPrefix(v, prefix+".") {
				return classesByPrefix[prefix]
			}
		}
		return nil
	}

	// E3025: per region, the class must be in every branch that applies to
	// an instance with Engine "postgres" and no LicenseModel (the CDK sets
	// none).
	var e3025Data map[string]struct {
		AllOf []struct {
			If struct {
				Properties struct{ Engine struct{ Const string } }
				Required   []string
			}
			Then classEnum
		}
	}
	if err := json.Unmarshal(data[e3025], &e3025Data); err != nil {
		fail("E3025 data: %v", err)
	}
	byRegion := map[string][]string{}
	for region, doc := range e3025Data {
		var set []string
		found := false
		for _, entry := range doc.AllOf {
			if entry.If.Properties.Engine.Const != "postgres" || slices.Contains(entry.If.Required, "LicenseModel") {
				continue
			}
			classes := entry.Then.Properties.DBInstanceClass.Enum
			if !found {
				set, found = slices.Clone(classes), true
				continue
			}
			set = slices.DeleteFunc(set, func(c string) bool { return !slices.Contains(classes, c) })
		}
		if found {
			byRegion[region] = set
		}
	}
	if _, ok := byRegion["us-east-1"]; !ok {
		fail("E3025 data has no postgres classes for us-east-1")
	}

	// Versions offered: known to the CDK and listed by E3062 for postgres.
	var versions []string
	for _, v := range cdkVersions {
		if classesForVersion(v) != nil {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		fail("no PostgreSQL version is both known to the CDK and in the validator's E3062 data")
	}

	// Every class appears once, without its "db." prefix (the CDK adds it),
	// not db.serverless (Aurora); a set is a bitmap over that list, in hex.
	className := regexp.MustCompile(`^db\.[a-z0-9-]+\.[a-z0-9]+$`)
	seen := map[string]bool{}
	var universe []string
	add := func(classes []string) {
		for _, c := range classes {
			if !seen[c] && className.MatchString(c) {
				universe = append(universe, strings.TrimPrefix(c, "db."))
			}
			seen[c] = true
		}
	}
	for _, v := range versions {
		add(classesForVersion(v))
	}
	for _, region := range sortedKeys(byRegion) {
		add(byRegion[region])
	}
	slices.SortFunc(universe, compareClasses)
	index := map[string]int{}
	for i, c := range universe {
		index[c] = i
	}
	bitmap := func(classes []string) string {
		bits := make([]byte, (len(universe)+3)/4)
		for _, c := range classes {
			i, ok := index[strings.TrimPrefix(c, "db.")]
			if !strings.HasPrefix(c, "db.") || !ok {
				continue
			}
			bits[i>>2] |= 8 >> (i & 3)
		}
		var s strings.Builder
		for _, b := range bits {
			s.WriteString(strconv.FormatUint(uint64(b), 16))
		}
		return s.String()
	}
	var versionClasses, regionClasses [][2]string
	for _, v := range versions {
		versionClasses = append(versionClasses, [2]string{v, bitmap(classesForVersion(v))})
	}
	for _, region := range sortedKeys(byRegion) {
		regionClasses = append(regionClasses, [2]string{region, bitmap(byRegion[region])})
	}

	src := fmt.Sprintf(`// Code generated by internal/tools/gencdkdata (go generate ./config); DO NOT EDIT.

package config

// Sources: the aws-cdk-lib %[1]s package embedded in the Go module
// %[2]s %[3]s, file jsii/%[4]s.
const (
	cdkModuleVersion = %[5]q
	cdkLibVersion    = %[1]q
	validatorVersion = %[6]q
)

// cdkPostgresVersions are the versions of every rds.PostgresEngineVersion.VER_*
// constant, in aws-cdk-lib's order (aws-rds/lib/instance-engine.js).
var cdkPostgresVersions = []string{
%[7]s
}

// postgresClasses are the RDS instance classes, without the "db." prefix, that
// @aws/cloudformation-validate %[6]s (bundled with aws-cdk-lib)
// lists for Engine "postgres" in the versions and regions below.
var postgresClasses = []string{
%[8]s
}

// postgresVersionClasses maps each PostgreSQL version the CDK knows and the
// validator's rule E3062 lists for Engine "postgres" (data
// aws_rds_dbinstance_db_instance_class) to the classes valid for it: a hex
// bitmap over postgresClasses, most significant bit first.
var postgresVersionClasses = map[string]string{
%[9]s
}

// postgresRegionClasses maps a region to the classes the validator's rule
// E3025 accepts there for Engine "postgres" without a LicenseModel (data
// aws_rds_dbinstance_dbinstanceclass_enum), as bitmaps like above. Without a
// region the validator flags a class only when no region offers it.
var postgresRegionClasses = map[string]string{
%[10]s
}

// awsRegions are region-info's AWS_REGIONS (region-info/lib/aws-entities.js).
var awsRegions = []string{
%[11]s
}
`, cdkVersion, modulePath, mod.Version, tarball, mod.Version, validatorVersion,
		goStrings(cdkVersions, 10), goStrings(universe, 8), goMap(versionClasses), goMap(regionClasses), goStrings(regions, 6))
	// The gofmt command (beside go), not go/format: the same output, and CI
	// does not compile the Go parser and printer for this one step.
	gofmt := exec.Command("gofmt")
	gofmt.Stdin = strings.NewReader(src)
	gofmt.Stderr = os.Stderr
	out, err := gofmt.Output()
	if err != nil {
		fail("gofmt: %v", err)
	}

	rel := filepath.Join("config", "cdkdata_gen.go")
	if *check {
		current, _ := os.ReadFile(outFile)
		if !bytes.Equal(current, out) {
			fmt.Fprintf(os.Stderr, "gencdkdata: %s is stale for %s %s; run: go generate ./config\n", rel, modulePath, mod.Version)
			os.Exit(1)
		}
		fmt.Printf("gencdkdata: %s matches %s\n", rel, tarball)
		return
	}
	if err := os.WriteFile(outFile, out, 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Printf("gencdkdata: wrote %s: %d PostgreSQL versions, %d classes, %d regions with class data, %d regions\n",
		rel, len(versions), len(universe), len(byRegion), len(regions))
}

type classEnum struct {
	Properties struct {
		DBInstanceClass struct{ Enum []string }
	}
}

// untar returns the named regular files of a gzipped tar archive.
func untar(path string, names ...string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for len(files) < len(names) {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg || !slices.Contains(names, h.Name) {
			continue
		}
		if files[h.Name], err = io.ReadAll(tr); err != nil {
			return nil, err
		}
	}
	for _, name := range names {
		if files[name] == nil {
			return nil, fmt.Errorf("no %s", name)
		}
	}
	return files, nil
}

func packageVersion(packageJSON []byte) string {
	var p struct{ Version string }
	if err := json.Unmarshal(packageJSON, &p); err != nil || p.Version == "" {
		fail("a package.json without a version: %v", err)
	}
	return p.Version
}

// postgresVersions reads rds.PostgresEngineVersion.VER_*:
// `static VER_17_9=PostgresEngineVersion.of("17.9","17",...)`.
func postgresVersions(js string) []string {
	var out []string
	re := regexp.MustCompile(`static VER_[0-9A-Z_]+=PostgresEngineVersion\.of\("([^"]+)","([^"]+)"`)
	for _, m := range re.FindAllStringSubmatch(js, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	if len(out) < 50 {
		fail("found only %d PostgresEngineVersion.VER_* in %s; has the file's format changed?", len(out), rdsFile)
	}
	return out
}

// awsRegions reads region-info's AWS_REGIONS, which the module computes as
// the strings of AWS_REGIONS_AND_RULES (a literal array of region names and
// rule symbols), sorted.
func awsRegions(js string) []string {
	const computed = `exports.AWS_REGIONS=exports.AWS_REGIONS_AND_RULES.filter(x=>typeof x=="string").sort()`
	m := regexp.MustCompile(`exports\.AWS_REGIONS_AND_RULES=\[([^\]]*)\]`).FindStringSubmatch(js)
	if m == nil || !strings.Contains(js, computed) {
		fail("%s no longer computes AWS_REGIONS as %s; has the file's format changed?", regionsFile, computed)
	}
	var regions []string
	for _, s := range regexp.MustCompile(`"([^"\\]*)"`).FindAllStringSubmatch(m[1], -1) {
		regions = append(regions, s[1])
	}
	slices.Sort(regions)
	if len(regions) < 20 || !slices.Contains(regions, "us-east-1") {
		fail("unexpected AWS_REGIONS: %v", regions)
	}
	return regions
}

// validatorData finds the E3062 and E3025 data sets: JSON documents in zstd
// frames inside the validator's wasm module.
func validatorData(wasm []byte, tarball string) map[string]json.RawMessage {
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	data := map[string]json.RawMessage{}
	for i := bytes.Index(wasm, magic); i >= 0; {
		var doc map[string]json.RawMessage
		// The magic bytes also occur outside frames: those do not decode.
		if json.NewDecoder(zstdReader(wasm[i:])).Decode(&doc) == nil {
			for _, key := range []string{e3062, e3025} {
				if doc[key] != nil {
					data[key] = doc[key]
				}
			}
		}
		next := bytes.Index(wasm[i+4:], magic)
		if next < 0 {
			break
		}
		i += 4 + next
	}
	for _, key := range []string{e3062, e3025} {
		if data[key] == nil {
			fail("the validator in %s has no %s data (E3062/E3025); has its format changed?", tarball, key)
		}
	}
	return data
}

// zstdReader decompresses the zstd frame at the start of frame (what
// follows it is not read once the JSON document in it has been). The
// standard library's zstd decoder is internal; debug/elf reaches it for
// zstd-compressed sections, so frame becomes the one section of a minimal
// in-memory ELF file. That spares this module a third-party decoder and the
// tarball reader a second language (Node's zlib was used before).
func zstdReader(frame []byte) io.Reader {
	const (
		ehsize = 64 // ELF64 header
		shsize = 64 // section header
		chsize = 24 // compression header, at the start of the section
	)
	head := make([]byte, ehsize+2*shsize+chsize)
	le := binary.LittleEndian
	copy(head, "\x7fELF")
	head[elf.EI_CLASS], head[elf.EI_DATA], head[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(head[16:], uint16(elf.ET_REL))
	le.PutUint16(head[18:], uint16(elf.EM_X86_64))
	le.PutUint32(head[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(head[40:], ehsize) // section headers' offset
	le.PutUint16(head[52:], ehsize)
	le.PutUint16(head[58:], shsize)
	le.PutUint16(head[60:], 2) // a null section, then ours; no name table
	sh := head[ehsize+shsize:]
	le.PutUint32(sh[4:], uint32(elf.SHT_PROGBITS))
	le.PutUint64(sh[8:], uint64(elf.SHF_COMPRESSED))
	le.PutUint64(sh[24:], ehsize+2*shsize)           // offset
	le.PutUint64(sh[32:], uint64(chsize+len(frame))) // size in the file
	le.PutUint64(sh[48:], 1)                         // alignment
	ch := head[ehsize+2*shsize:]
	le.PutUint32(ch[0:], uint32(elf.COMPRESS_ZSTD))
	le.PutUint64(ch[8:], 1<<40) // uncompressed size: unknown, the JSON decoder stops first
	le.PutUint64(ch[16:], 1)
	f, err := elf.NewFile(readerAt{head, frame})
	if err != nil {
		return errReader{err}
	}
	return f.Sections[1].Open()
}

// readerAt reads head followed by tail without copying either.
type readerAt struct{ head, tail []byte }

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < int64(len(r.head)) {
		n = copy(p, r.head[off:])
	}
	if n < len(p) {
		at := off + int64(n) - int64(len(r.head))
		if at < int64(len(r.tail)) {
			n += copy(p[n:], r.tail[at:])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// compareClasses orders classes by family, then by size (nano … xlarge,
// then 2xlarge, 4xlarge, …).
func compareClasses(a, b string) int {
	fa, sa, _ := strings.Cut(a, ".")
	fb, sb, _ := strings.Cut(b, ".")
	if fa != fb {
		return strings.Compare(fa, fb)
	}
	if d := sizeRank(sa) - sizeRank(sb); d != 0 {
		return d
	}
	return strings.Compare(sa, sb)
}

func sizeRank(s string) int {
	order := []string{"nano", "micro", "small", "medium", "large", "xlarge"}
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	if n, ok := strings.CutSuffix(s, "xlarge"); ok {
		if v, err := strconv.Atoi(n); err == nil {
			return 5 + v
		}
	}
	return 1000
}

func goStrings(list []string, perLine int) string {
	var lines []string
	for i := 0; i < len(list); i += perLine {
		var quoted []string
		for _, s := range list[i:min(i+perLine, len(list))] {
			quoted = append(quoted, strconv.Quote(s))
		}
		lines = append(lines, "\t"+strings.Join(quoted, ", ")+",")
	}
	return strings.Join(lines, "\n")
}

func goMap(entries [][2]string) string {
	var lines []string
	for _, e := range entries {
		lines = append(lines, fmt.Sprintf("\t%q: %q,", e[0], e[1]))
	}
	return strings.Join(lines, "\n")
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func goCmd(args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v", strings.Join(args, " "), err)
	}
	return out, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gencdkdata: "+format+"\n", args...)
	os.Exit(2)
}
