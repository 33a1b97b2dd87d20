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
# The linear memory the plugin starts with (its memory section's minimum: stack + data,
# rounded up to 64 KB pages); wasm memory never shrinks, so every page is paid at load.
pages_budget="$(toml_get budget initial-memory-pages)"
pages=$(node -e '
  const b = require("fs").readFileSync(process.argv[1]);
  const leb = (i) => { let r = 0, s = 0, x; do { x = b[i++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return [r, i]; };
  for (let i = 8; i < b.length;) {
    const id = b[i++]; let size; [size, i] = leb(i);
    if (id === 5) { let [, j] = leb(i); const [min] = leb(j + 1); console.log(min); process.exit(0); }
    i += size;
  }
  console.log(0);' "$wasm")
printf 'initial wasm memory: %d page(s) of 64 KB (budget %d)\n' "$pages" "$pages_budget"
if [ "$pages" -gt "$pages_budget" ]; then
  echo "initial wasm memory over budget: stack (.cargo/config.toml) + data no longer fit in $pages_budget page(s)" >&2
  exit 1
fi
