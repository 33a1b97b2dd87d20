#!/usr/bin/env bash
# The main job: builds the plugin and serves the demo chat page against the stand-in
# backends on 127.0.0.1 (it prints the URL). PORT=… picks the port (default 8765).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/build.sh"
cd "$ROOT"
say "starting the stand-in (Ctrl-C stops it)"
exec cargo run --quiet -p standin -- --port "${PORT:-8765}"
