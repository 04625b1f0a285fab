# Sourced by the other scripts: puts a Node.js 22+ first on PATH.
#
# jsii (the bridge between Go and the CDK's JavaScript) warns on Node 20 and
# synthesizes about 30% slower there. When the machine's node is older than
# 22, scripts/setup.sh installs the npm package node@22 into .tools/node22 and
# this file puts it first on PATH for cdk, go test and go run alike.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
local_node_bin="$repo_root/.tools/node22/node_modules/.bin"

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || [ "$(node_major)" -lt 22 ]; then
  if [ -x "$local_node_bin/node" ]; then
    export PATH="$local_node_bin:$PATH"
  fi
fi
# Keeps the "Node 20 is end-of-life" banner out of logs if we are still on it.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
