package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// minPostgresMajor is the oldest PostgreSQL major the app deploys: older
// ones are past RDS standard support, and RDS enrolls a new instance on them
// in paid Extended Support (docs/configuration.md, "Validation").
const minPostgresMajor = 14

// retiredBefore is, per major, the oldest minor version RDS still creates
// new instances on, where the validator's data (a snapshot) lags behind:
// AWS's notice of the end of standard support of 14.14-14.17, 15.9-15.12,
// 16.5-16.8 and 17.1-17.4 ("Starting May 1, 2026, you will not be able to
// create new database instances on ..."). It only ever removes versions.
var retiredBefore = map[int]int{14: 18, 15: 13, 16: 9, 17: 5}

// postgresVersions are the versions app:dbEngineVersion accepts: known to
// the CDK (rds.PostgresEngineVersion) and listed for PostgreSQL by the
// bundled validator's data (rule E3062), of minPostgresMajor or newer and
// not retired, in version order.
func postgresVersions() []string {
	var out []string
	for v := range postgresVersionClasses {
		if m, n := versionParts(v); m >= minPostgresMajor && n >= retiredBefore[m] {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, compareVersions)
	return out
}

// versionParts splits "17.9" into 17 and 9; -1 for a part that is missing
// or not a number.
func versionParts(v string) (major, minor int) {
	a, b, _ := strings.Cut(v, ".")
	major, err := strconv.Atoi(a)
	if err != nil {
		major = -1
	}
	minor, err = strconv.Atoi(b)
	if err != nil {
		minor = -1
	}
	return major, minor
}

func compareVersions(a, b string) int {
	am, an := versionParts(a)
	bm, bn := versionParts(b)
	return cmp.Or(cmp.Compare(am, bm), cmp.Compare(an, bn), strings.Compare(a, b))
}

func (p *problems) checkEngine(c Config) {
	d := c.Database
	offered := postgresVersions()
	versionOK := slices.Contains(offered, d.EngineVersion)
	if !versionOK {
		p.add("dbEngineVersion", d.EngineVersion, engineAllowed(d.EngineVersion, offered))
	}

	class := d.InstanceClass
	sets := classSets()
	known := func(class string) bool {
		ok := sets.anyRegion[class]
		for _, v := range offered {
			ok = ok || sets.byVersion[v][class]
		}
		return ok
	}
	bare, prefixed := strings.CutPrefix(class, "db.")
	switch {
	case prefixed && known(bare):
		p.add("dbInstanceClass", class, fmt.Sprintf("the class without its db. prefix: %s (the CDK adds db., so %s would become db.%s)", bare, class, class))
	case !known(class):
		p.add("dbInstanceClass", class, "an RDS for PostgreSQL instance class, without the db. prefix, that the CloudFormation validator bundled with aws-cdk-lib "+cdkLibVersion+" accepts"+closest(bare, postgresClasses)+"; "+classChoices(bare, func(c string) bool { return sets.anyRegion[c] }))
	case versionOK && !sets.byVersion[d.EngineVersion][class]:
		p.add("dbInstanceClass", class, "a class RDS offers for PostgreSQL "+d.EngineVersion+" (validator rule E3062); "+classChoices(class, func(c string) bool { return sets.byVersion[d.EngineVersion][c] }), "dbEngineVersion")
	case c.Region != "" && sets.byRegion[c.Region] != nil && !sets.byRegion[c.Region][class]:
		p.add("dbInstanceClass", class, "a class RDS offers for PostgreSQL in "+c.Region+" (validator rule E3025); "+classChoices(class, func(cl string) bool { return sets.byRegion[c.Region][cl] }), "region", "dbEngineVersion")
	}
}

// classChoices lists the allowed sizes of the class's family, or the
// allowed families when the family itself is unknown.
func classChoices(class string, ok func(string) bool) string {
	family, _, _ := strings.Cut(class, ".")
	var sizes, families []string
	for _, c := range postgresClasses {
		if !ok(c) {
			continue
		}
		f, size, _ := strings.Cut(c, ".")
		if f == family {
			sizes = append(sizes, size)
		}
		if !slices.Contains(families, f) {
			families = append(families, f)
		}
	}
	if len(sizes) > 0 {
		return family + " sizes: " + strings.Join(sizes, ", ")
	}
	return "families: " + strings.Join(families, ", ") + " (e.g. t4g.micro, m7g.large, r7g.xlarge)"
}

// engineAllowed says which versions are allowed, in the terms of the
// mistake: a major alone, a version newer than the CDK knows, an old major.
func engineAllowed(v string, offered []string) string {
	major, minor := versionParts(v)
	var same []string
	newest := map[int]string{}
	var majors []int
	for _, o := range offered {
		m, _ := versionParts(o)
		if m == major {
			same = append(same, o)
		}
		if _, seen := newest[m]; !seen {
			majors = append(majors, m)
		}
		newest[m] = o
	}
	var perMajor []string
	for _, m := range majors {
		perMajor = append(perMajor, newest[m])
	}
	src := "aws-cdk-lib " + cdkLibVersion
	switch {
	case len(same) > 0 && minor < 0 && !strings.Contains(v, "."):
		return fmt.Sprintf("a full minor version such as %s (a major alone is deprecated for new RDS instances)", newest[major])
	case len(same) > 0 && minor > 0 && compareVersions(v, newest[major]) > 0:
		return fmt.Sprintf("PostgreSQL %d up to %s, the newest %s knows (rds.PostgresEngineVersion); a newer version needs a CDK upgrade", major, newest[major], src)
	case len(same) > 0:
		return fmt.Sprintf("a PostgreSQL %d version %s knows and RDS offers for new instances: %s", major, src, strings.Join(same, ", "))
	case major > 0 && major < minPostgresMajor:
		return fmt.Sprintf("PostgreSQL %d or newer (older majors are out of RDS standard support); newest of each: %s", minPostgresMajor, strings.Join(perMajor, ", "))
	case major > majors[len(majors)-1]:
		return fmt.Sprintf("PostgreSQL up to %d (%s), the newest %s knows; a newer major needs a CDK upgrade", majors[len(majors)-1], perMajor[len(perMajor)-1], src)
	}
	return fmt.Sprintf("a PostgreSQL version %s knows and RDS offers for new instances, such as %s", src, strings.Join(perMajor, ", "))
}
