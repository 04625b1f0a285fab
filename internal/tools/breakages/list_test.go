package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestListApplies holds every entry to the code as it is: From occurs
// exactly once in File. The breakage run itself (minutes, in its own
// workflow) reports a stale entry too, as FAILED; this says so in every
// go test run, so that whoever changes the line also updates the entry.
func TestListApplies(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "cdk.json")); err != nil {
		t.Fatalf("the repository root is not three directories up: %v", err)
	}
	for _, b := range breakages {
		t.Run(b.Name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(root, b.File))
			if err != nil {
				t.Fatalf("%v: update the entry in list.go", err)
			}
			if n := occurrences(string(text), b.From); n != 1 {
				t.Errorf("%s has %d occurrences of %s, want exactly 1: update the entry in list.go to the code", b.File, n, quote(b.From))
			}
		})
	}
}

// TestShards holds -shard: the N shares together are the whole list, each
// entry once and in list order, and the filter still applies; anything but
// K/N with 1 <= K <= N is refused.
func TestShards(t *testing.T) {
	const n = 4
	var union []string
	for k := 1; k <= n; k++ {
		gotK, gotN, err := parseShard(fmt.Sprintf("%d/%d", k, n))
		if err != nil || gotK != k || gotN != n {
			t.Fatalf("parseShard(%d/%d) = %d, %d, %v", k, n, gotK, gotN, err)
		}
		share := selectBreakages(breakages, "", gotK, gotN)
		if len(share) < len(breakages)/n {
			t.Errorf("shard %d/%d has %d of %d entries", k, n, len(share), len(breakages))
		}
		for _, b := range share {
			union = append(union, b.Name)
		}
	}
	var all []string
	for _, b := range breakages {
		all = append(all, b.Name)
	}
	slices.Sort(union)
	slices.Sort(all)
	if !slices.Equal(union, all) {
		t.Errorf("the %d shards together are not the list, each entry once", n)
	}
	if whole := selectBreakages(breakages, "", 1, 1); len(whole) != len(breakages) {
		t.Errorf("shard 1/1 has %d of %d entries", len(whole), len(breakages))
	}
	if got := selectBreakages(breakages, breakages[5].Name, 2, n); len(got) != 1 || got[0].Name != breakages[5].Name {
		t.Errorf("the filter %q in shard 2/%d selected %d entries, want entry 6 alone", breakages[5].Name, n, len(got))
	}
	for _, bad := range []string{"", "1", "0/4", "5/4", "1/0", "a/4", "1/b", "-1/4", "2/1"} {
		if _, _, err := parseShard(bad); err == nil {
			t.Errorf("parseShard(%q) accepted it", bad)
		}
	}
}
