package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var fromLine = regexp.MustCompile(`(?m)^FROM\s+(?:--platform=\S+\s+)?(\S+)`)

// baseImages returns the image reference of every FROM line that is not an
// earlier stage.
func baseImages(t *testing.T, dockerfile string) []string {
	t.Helper()
	raw, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?mi)^FROM\s+.*\s+AS\s+(\S+)\s*$`).FindAllStringSubmatch(string(raw), -1) {
		stages[strings.ToLower(m[1])] = true
	}
	var out []string
	for _, m := range fromLine.FindAllStringSubmatch(string(raw), -1) {
		if !stages[strings.ToLower(m[1])] && m[1] != "scratch" {
			out = append(out, m[1])
		}
	}
	return out
}

// TestBaseImagesPinnedAndSupported: a floating tag rebuilds the image on
// whatever the tag points at that day, and distroless's debian12 images are
// out of support since 2026-09-01 (GoogleContainerTools/distroless#2129).
func TestBaseImagesPinnedAndSupported(t *testing.T) {
	images := baseImages(t, "Dockerfile")
	if len(images) < 2 {
		t.Fatalf("base images %v, want a build and a runtime stage", images)
	}
	pinned := regexp.MustCompile(`^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$`)
	for _, img := range images {
		if !pinned.MatchString(img) {
			t.Errorf("%s is not pinned as image:tag@sha256:<digest>", img)
		}
		if strings.Contains(img, "debian12") || strings.Contains(img, "bookworm") {
			t.Errorf("%s is on Debian 12; use the Debian 13 (trixie) line", img)
		}
	}
	if runtime := images[len(images)-1]; !strings.HasPrefix(runtime, "gcr.io/distroless/static-debian13:nonroot@") {
		t.Errorf("runtime image %s, want gcr.io/distroless/static-debian13:nonroot pinned by digest", runtime)
	}
}

// TestBumpBaseImagesScript runs scripts/bump-base-images.sh against a copy
// of the Dockerfile with a stand-in crane that reports new digests.
func TestBumpBaseImagesScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(dockerfile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	newDigest := "sha256:" + strings.Repeat("ab", 32)
	crane := "#!/bin/sh\n[ \"$1\" = digest ] || exit 2\necho " + newDigest + "\n"
	if err := os.WriteFile(filepath.Join(bin, "crane"), []byte(crane), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "scripts/bump-base-images.sh", dockerfile)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bump-base-images.sh: %v\n%s", err, out)
	}
	before, after := baseImages(t, "Dockerfile"), baseImages(t, dockerfile)
	if len(after) != len(before) {
		t.Fatalf("after the bump: %v, before: %v", after, before)
	}
	for i, img := range after {
		ref := strings.SplitN(before[i], "@", 2)[0]
		if img != ref+"@"+newDigest {
			t.Errorf("after the bump: %s, want %s@%s (tag kept, digest moved)", img, ref, newDigest)
		}
	}
}
