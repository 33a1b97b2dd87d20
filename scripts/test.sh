#!/usr/bin/env bash
# Runs every test layer and prints the plugin's transfer size:
#   1. native: engine unit + scenario tests (simulated clock), codec tests over recorded
#      payloads, stand-in tests, and the end-to-end WebDriver test (Chromium);
#   2. browser: wasm-bindgen tests of the real plugin in headless Chromium against the
#      stand-in, through the bus stand-in (wasm-pack test --headless --chrome);
#   3. each transport's build alone compiles (one cargo feature per transport);
#   4. size of dist/ (loader + glue + wasm, raw and gzip) against the budget.
# Installs what is missing first (see scripts/lib.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
log="$(mktemp)"
trap 'rm -f "$log"; [ -n "${standin_pid:-}" ] && kill "$standin_pid" 2>/dev/null; true' EXIT

"$ROOT/scripts/build.sh"

say "native tests (engine, codecs, stand-in, end to end)"
cargo test --workspace 2>&1 | tee -a "$log"

say "browser tests (wasm-bindgen-test in headless Chromium)"
cargo build --quiet -p standin
port_file="$(mktemp)"
"$ROOT/target/debug/standin" --port 0 --port-file "$port_file" --exit-after 900 >/dev/null &
standin_pid=$!
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || { echo "the stand-in did not start" >&2; exit 1; }
export STANDIN_URL="http://127.0.0.1:$(cat "$port_file")"
rm -f "$port_file"
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}" \
  PATH="$(dirname "$(command -v chromedriver)"):$PATH" \
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" --mode no-install . --test browser 2>&1 | tee -a "$log"

say "one-transport builds (issue 19: each transport compiles alone)"
for feature in gms guest nexus webmsg; do
  cargo check --quiet --lib --target wasm32-unknown-unknown --no-default-features --features "$feature"
done

say "plugin size"
"$ROOT/scripts/size.sh"

passed=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
