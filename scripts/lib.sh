# Shared helpers for the project scripts. Source it; do not run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# toml_get SECTION KEY: a string value from wasm-pack.toml.
toml_get() {
  awk -v section="[$1]" -v key="$2" '
    /^\[/ { in_section = ($0 == section) }
    in_section && $1 == key { sub(/^[^=]*=[ \t]*/, ""); gsub(/"/, ""); sub(/[ \t]*#.*/, ""); print; exit }
  ' "$ROOT/wasm-pack.toml"
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_tools: installs what is missing (wasm32 target, wasm-bindgen-cli pinned to the
# version in Cargo.lock, wasm-pack, terser from npm for the build, the guest chat SDK from
# npm for tests/sdk, typescript and esbuild from npm for tests/npm, Debian's
# chromium + chromium-driver); quick when present.
ensure_tools() {
  local want_bg want_pack lock_bg
  want_bg="$(toml_get tools wasm-bindgen-cli)"
  want_pack="$(toml_get tools wasm-pack)"
  lock_bg="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock" 2>/dev/null || true)"
  if [ -n "$lock_bg" ] && [ "$lock_bg" != "$want_bg" ]; then
    echo "wasm-pack.toml pins wasm-bindgen-cli $want_bg but Cargo.lock has wasm-bindgen $lock_bg" >&2
    exit 1
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "installing the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want_bg" ]; then
    say "installing wasm-bindgen-cli $want_bg (takes ~5 min once)"
    # No --locked: its packaged lockfile wants a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version "$want_bg" --force
  fi
  if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$want_pack" ]; then
    say "installing wasm-pack $want_pack"
    cargo install wasm-pack --version "$want_pack" --locked --force
  fi
  if [ ! -d "$ROOT/tests/sdk/node_modules/purecloud-guest-chat-client" ]; then
    say "installing the official guest chat SDK for the stand-in proof (npm ci, pinned)"
    (cd "$ROOT/tests/sdk" && npm ci --silent --no-audit --no-fund)
  fi
  if [ ! -x "$ROOT/tests/npm/node_modules/.bin/tsc" ] || [ ! -x "$ROOT/tests/npm/node_modules/.bin/esbuild" ]; then
    say "installing typescript and esbuild for the npm package test (npm ci, pinned)"
    (cd "$ROOT/tests/npm" && npm ci --silent --no-audit --no-fund)
  fi
  if [ ! -x "$ROOT/tools/minify/node_modules/.bin/terser" ]; then
    say "installing terser for the build (npm ci, pinned)"
    (cd "$ROOT/tools/minify" && npm ci --silent --no-audit --no-fund)
  fi
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}
