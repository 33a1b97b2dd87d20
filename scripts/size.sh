#!/usr/bin/env bash
# Prints the plugin's transfer size (raw and gzip -9 of loader + glue + wasm) against the
# budget in wasm-pack.toml. Run scripts/build.sh first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out="$ROOT/$(toml_get build out-dir)"
budget="$(toml_get budget gzip-bytes)"
js="$out/$(toml_get build js-name)"
wasm="$out/$(toml_get build wasm-name)"
raw_js=$(wc -c < "$js"); raw_wasm=$(wc -c < "$wasm")
gz_js=$(gzip -9 -c "$js" | wc -c); gz_wasm=$(gzip -9 -c "$wasm" | wc -c)
total=$((gz_js + gz_wasm))
printf 'plugin size: js %d B (gzip %d B) + wasm %d B (gzip %d B) = %d B raw, %d B gzip (budget %d B)\n' \
  "$raw_js" "$gz_js" "$raw_wasm" "$gz_wasm" $((raw_js + raw_wasm)) "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "plugin size over budget" >&2
  exit 1
fi
