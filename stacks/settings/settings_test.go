package settings

import (
	"slices"
	"testing"
)

func TestMigrationCommandSetting(t *testing.T) {
	for in, want := range map[string][]string{"migrate": {"migrate"}, " db  migrate --yes ": {"db", "migrate", "--yes"}, "none": nil, " none ": nil} {
		if got := (Service{MigrationCommand: in}).MigrationArgs(); !slices.Equal(got, want) {
			t.Errorf("MigrationArgs of %q = %q, want %q", in, got, want)
		}
	}
}
