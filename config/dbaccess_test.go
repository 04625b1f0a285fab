package config

import (
	"strings"
	"testing"
)

func TestDatabaseAccessSettings(t *testing.T) {
	dev, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if dev.Service.MigrationCommand != "migrate" || dev.Service.OpenEgress {
		t.Errorf("defaults: migrationCommand %q, openEgress %v; want migrate, false", dev.Service.MigrationCommand, dev.Service.OpenEgress)
	}
	c, err := Load(map[string]any{"app:migrationCommand": "none", "app:openEgress": "true"})
	if err != nil || c.Service.MigrationCommand != MigrationOff || !c.Service.OpenEgress {
		t.Errorf("overrides: %+v, %v", c.Service, err)
	}
	for _, bad := range []map[string]any{
		{"app:migrationCommand": " "},
		{"app:migrationCommand": "migrate\n--all"},
		{"app:environment": "DB_AUTH=password"},
		{"app:environment": "DB_RUNTIME_USERNAME=root"},
	} {
		_, err := Load(bad)
		for k, v := range bad {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("Load(%s=%q) = %v, want an error naming %s", k, v, err, k)
			}
		}
	}
}
