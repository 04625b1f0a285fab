package config

import (
	"strconv"
	"sync"
)

// The allow-lists in cdkdata_gen.go come from the aws-cdk-lib package the Go
// module embeds; TestCDKDataMatchesGoMod fails when go.mod moves to another
// CDK version without regenerating them.
//go:generate go run ../internal/tools/gencdkdata

// classSet decodes a hex bitmap over postgresClasses.
func classSet(hex string) map[string]bool {
	out := map[string]bool{}
	for i, r := range hex {
		nibble, err := strconv.ParseUint(string(r), 16, 8)
		if err != nil {
			panic("config: bad class bitmap in cdkdata_gen.go")
		}
		for b := range 4 {
			if nibble&(8>>b) != 0 {
				out[postgresClasses[i*4+b]] = true
			}
		}
	}
	return out
}

var classSets = sync.OnceValue(func() (sets struct {
	byVersion map[string]map[string]bool
	byRegion  map[string]map[string]bool
	anyRegion map[string]bool
}) {
	sets.byVersion = map[string]map[string]bool{}
	sets.byRegion = map[string]map[string]bool{}
	sets.anyRegion = map[string]bool{}
	for v, hex := range postgresVersionClasses {
		sets.byVersion[v] = classSet(hex)
	}
	for r, hex := range postgresRegionClasses {
		sets.byRegion[r] = classSet(hex)
		for c := range sets.byRegion[r] {
			sets.anyRegion[c] = true
		}
	}
	return sets
})
