#!/usr/bin/env bash
# Builds the deployable plugin into the folder wasm-pack.toml names (dist/):
# webchatservice.min.js (loader + wasm-bindgen glue, one classic script) and the .wasm.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_tools
cd "$ROOT"
target="$(toml_get build target)"
out="$ROOT/$(toml_get build out-dir)"
js_name="$(toml_get build js-name)"
wasm_name="$(toml_get build wasm-name)"
say "building the plugin (release, $target)"
cargo build --release --target "$target" --lib
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target no-modules --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$tmp" "$ROOT/target/$target/release/webchatservice.wasm"
mkdir -p "$out"
rm -f "$out"/*.js "$out"/*.wasm
cp "$tmp/webchatservice_bg.wasm" "$out/$wasm_name"
{
  echo "/* WebChatService for Genesys Widgets, Rust/WebAssembly build $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo dev). Loads ./$wasm_name. */"
  echo "(function () {"
  echo "'use strict';"
  cat "$tmp/webchatservice.js"
  cat "$ROOT/www/helpers.js"
  sed "s/@WASM_FILE@/$wasm_name/" "$ROOT/www/loader.js"
  echo "})();"
} > "$out/$js_name"
say "built $out/$js_name and $out/$wasm_name"
