# Sourced by the other scripts: puts the Node.js that package.json pins
# (npm package "node", installed by `npm ci` into node_modules/.bin) first on
# PATH, for cdk, go test and the app alike. `npx cdk ...` does the same by
# itself: npx puts node_modules/.bin first on PATH for the CLI and the app.
#
# Why Node 24: jsii (the bridge between Go and the CDK's JavaScript) runs on
# it; the same app binary spent ~15% less CPU per synth on Node 24 than on 22
# on these machines (README.md, Prerequisites), Node 24 is the active LTS,
# and Node 20, the system node on these machines, is end-of-life: jsii prints
# a large banner on every run there (silenced only by
# JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20, which we do not set: the
# fix is a supported Node).

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$repo_root/node_modules/.bin/node" ]; then
  case ":$PATH:" in
    *":$repo_root/node_modules/.bin:"*) ;;
    *) export PATH="$repo_root/node_modules/.bin:$PATH" ;;
  esac
fi
