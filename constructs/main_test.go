package constructs

import (
	"testing"

	"github.com/example/fargate-api/constructs/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }
