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
  echo "(function () {"
  echo "'use strict';"
  cat "$tmp/webchatservice.js"
  cat "$ROOT/www/helpers.js"
  sed "s/@WASM_FILE@/$wasm_name/" "$ROOT/www/loader.js"
  echo "})();"
} > "$tmp/whole.js"
# Minified: the page keeps a script's source and bytecode for its whole life (46 KB of
# source become 19 KB; 2.5 KB less gzip). Property names are kept (the wasm imports
# are looked up by name).
{
  echo "/* WebChatService for Genesys Widgets, Rust/WebAssembly build $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo dev). Loads ./$wasm_name. Source: www/ and the wasm-bindgen glue. */"
  "$ROOT/tools/minify/node_modules/.bin/terser" "$tmp/whole.js" --compress passes=2 --mangle --format ascii_only=true
} > "$out/$js_name"
# V8 keeps a script's source for the life of the page, in two bytes a character as soon as
# one character is not Latin-1: one stray dash doubled the 45 KB the page holds.
if LC_ALL=C grep -q '[^ -~	]' "$out/$js_name"; then
  echo "$out/$js_name has non-ASCII characters (keep www/*.js and the glue ASCII):" >&2
  LC_ALL=C grep -n '[^ -~	]' "$out/$js_name" | head -3 >&2
  exit 1
fi
say "built $out/$js_name and $out/$wasm_name"
# The npm package (pkg/, `npm pack` there): the same two files, the ES module entry for
# bundlers and the TypeScript declarations (npm/), the version of Cargo.toml.
pkg="$ROOT/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"
cp "$out/$js_name" "$out/$wasm_name" "$ROOT/npm/index.mjs" "$ROOT/npm/index.d.ts" "$ROOT/npm/README.md" "$pkg/"
version="$(awk -F'"' '/^version = / { print $2; exit }' "$ROOT/Cargo.toml")"
sed "s/@VERSION@/$version/" "$ROOT/npm/package.template.json" > "$pkg/package.json"
say "built the npm package in $pkg (version $version)"
