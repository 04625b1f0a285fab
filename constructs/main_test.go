package constructs

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// TestMain stops the jsii kernel once every test has run: that removes the
// runtime it unpacked into the temporary directory (jsii-runtime.*), which
// each test binary would otherwise leave behind.
func TestMain(m *testing.M) {
	defer jsii.Close()
	m.Run()
}
