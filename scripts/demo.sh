#!/usr/bin/env bash
# The main job: two staffs keep the joint plan of the 20th EUMS-IMS Director Generals
# conference offline, sync through a fresh server with its own CA on loopback, merge,
# see one real disagreement and settle it. Leaves nothing running.
set -euo pipefail
BIN=${1:-.build/debug}
OUT=${DEMO_OUT:-demo-out}
rm -rf "$OUT"; mkdir -p "$OUT"
export NO_COLOR=1
wp() { "$BIN/workplan" "$@"; }
srv() { "$BIN/workplan-server" "$@" --dir "$OUT/server"; }
say() { printf '\n== %s\n' "$*"; }

say "Administrator: a fresh server, CA and store"
srv init

"$BIN/workplan-server" serve --dir "$OUT/server" --bind 127.0.0.1 --port 0 > "$OUT/server.out" 2> "$OUT/server.log" &
SERVER_PID=$!
trap 'kill -TERM $SERVER_PID 2>/dev/null || true; wait $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q '^listening on ' "$OUT/server.out" 2>/dev/null && break
  kill -0 $SERVER_PID 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$OUT/server.out")
echo "server at $URL"
srv user add "Col. A. Dupont" --staff EUMS --role editor --out "$OUT/dupont.bundle" --server-url "$URL"
srv user add "Lt Col. B. Smith" --staff IMS --role editor --out "$OUT/smith.bundle" --server-url "$URL"
srv user list

EUMS="$OUT/eums"; IMS="$OUT/ims"
say "EUMS officer worked offline before enrolling"
wp init --staff EUMS --user "Col. A. Dupont" --dir "$EUMS"
for a in "Military Mobility" "Medical Cooperation" "CIS/Cyber Interoperability" "Gender Perspectives" "EU-NATO Information Exchange"; do
  wp area add "$a" --dir "$EUMS"
done
wp conference add 19 --date 2023-06-15 --host IMS --place "NATO HQ" --dir "$EUMS"
wp conference add 20 --date 2023-12-01 --host EUMS --place "EUMS headquarters, Brussels" --dir "$EUMS"
wp conference add 21 --date 2024-05-15 --host IMS --place "NATO HQ" --dir "$EUMS"
T1=$(wp add "Harmonise cross-border movement permissions" --area "Military Mobility" --lead JOINT --priority high --origin-conference 20 --conference 21 --tag mobility --description "Agree a common template for diplomatic clearance.
Share national points of contact.
Report progress at the 21st conference." --dir "$EUMS")
T2=$(wp add "Exercise medical evacuation procedures together" --area "Medical Cooperation" --owner "Lt Col. M. Weber" --due 2024-04-30 --origin-conference 20 --dir "$EUMS")
wp note "$T2" "EUMS internal: planning conference slot requested." --releasable EUMS --dir "$EUMS"
wp conference guidance 20 "Deepen cooperation on military mobility and information exchange." --dir "$EUMS"
wp conference close 20 --dir "$EUMS"

say "Both officers enrol with their bundles and sync"
wp join "$OUT/dupont.bundle" --dir "$EUMS"
wp sync --dir "$EUMS"
wp join "$OUT/smith.bundle" --dir "$IMS"
wp sync --dir "$IMS"

say "Days offline: each staff edits its own copy"
wp edit "$T1" --status in-progress --add-tag permits --description "Agree a common template for diplomatic clearance and transit.
Share national points of contact.
Report progress at the 21st conference." --dir "$EUMS"
wp note "$T1" "EUMS: template circulated to member states." --dir "$EUMS"
wp edit "$T1" --owner "Cdr. K. Jansen" --description "Agree a common template for diplomatic clearance.
Share national points of contact.
Report progress at the 21st conference (NATO HQ, May 2024)." --dir "$IMS"
wp note "$T1" "IMS: allied comments consolidated." --dir "$IMS"
wp edit "$T2" --status blocked --dir "$EUMS"
wp edit "$T2" --status in-progress --dir "$IMS"
T3=$(wp add "Cyber situational awareness exchange" --area "CIS/Cyber Interoperability" --lead IMS --dir "$IMS")

say "Before the 21st conference both sync"
wp sync --dir "$EUMS"
wp sync --dir "$IMS"
wp sync --dir "$EUMS"

say "Different fields and non-overlapping description edits merged; one real disagreement"
wp show "$T1" --dir "$EUMS"
wp conflicts --dir "$IMS"

say "IMS settles it with EUMS: the task is blocked after all"
wp resolve "$T2" status --theirs --dir "$IMS"
wp sync --dir "$IMS"
wp sync --dir "$EUMS"
wp history "$T2" --dir "$EUMS"

say "Both replicas hold the same plan (EUMS also keeps its internal note)"
wp list --dir "$EUMS"
wp status --dir "$EUMS"
wp status --dir "$IMS"
wp export --dir "$EUMS" > "$OUT/eums-export.json"
wp export --dir "$IMS" > "$OUT/ims-export.json"
if grep -q "EUMS internal" "$OUT/ims-export.json"; then echo "FAIL: an EUMS-only note reached IMS"; exit 1; fi
python3 - "$OUT/eums-export.json" "$OUT/ims-export.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda recs: [r for r in recs if r["fields"].get("releasable", "both") == "both"]
assert strip(a["records"]) == strip(b["records"]), "replicas differ"
print(f"replicas equal: {len(strip(a['records']))} shared records; EUMS-only records stayed with EUMS")
PY
say "The brief for the 21st conference"
wp brief --conference 21 --format html --output "$OUT/brief-21.html" --dir "$EUMS"
wp brief --conference 21 --dir "$EUMS" | head -40
echo "wrote $OUT/brief-21.html (open it in a browser, or 'make brief-screenshot')"
say "Stopping the server"
kill -TERM $SERVER_PID; wait $SERVER_PID || true
trap - EXIT
echo "demo finished; nothing left running"
