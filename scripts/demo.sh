#!/usr/bin/env bash
# The offline part of the scenario: an EUMS officer keeps the plan of the 20th EUMS-IMS
# Director Generals conference on a laptop with no server at all.
set -euo pipefail
BIN=${1:-.build/debug}
OUT=${DEMO_OUT:-demo-out}
rm -rf "$OUT"; mkdir -p "$OUT"
export NO_COLOR=1
wp() { "$BIN/workplan" "$@"; }
say() { printf '\n== %s\n' "$*"; }

EUMS="$OUT/eums"
say "EUMS officer creates an offline replica"
wp init --staff EUMS --user "Col. A. Dupont" --dir "$EUMS"
for a in "Military Mobility" "Medical Cooperation" "CIS/Cyber Interoperability" "Gender Perspectives" "EU-NATO Information Exchange"; do
  wp area add "$a" --dir "$EUMS"
done
wp conference add 19 --date 2023-06-15 --host IMS --place "NATO HQ" --dir "$EUMS"
wp conference add 20 --date 2023-12-01 --host EUMS --place "EUMS headquarters, Brussels" --dir "$EUMS"
wp conference add 21 --date 2024-05-15 --host IMS --place "NATO HQ" --dir "$EUMS"

say "Follow-on tasks agreed at the 20th conference"
T1=$(wp add "Harmonise cross-border movement permissions" --area "Military Mobility" --lead JOINT --priority high --origin-conference 20 --conference 21 --tag mobility --description "Agree a common template for diplomatic clearance.
Share national points of contact." --dir "$EUMS")
T2=$(wp add "Exercise medical evacuation procedures together" --area "Medical Cooperation" --owner "Lt Col. M. Weber" --due 2024-04-30 --origin-conference 20 --dir "$EUMS")
T3=$(wp add "Cyber situational awareness exchange" --area "CIS/Cyber Interoperability" --lead IMS --status proposed --dir "$EUMS")
wp note "$T1" "Draft template circulated to both staffs." --dir "$EUMS"
wp note "$T2" "EUMS internal: planning conference slot requested." --releasable EUMS --dir "$EUMS"
wp edit "$T2" --status in-progress --add-tag medevac --dir "$EUMS"

say "Agenda for the 21st conference"
I1=$(wp agenda add 21 "Opening remarks" --presenter "DG EUMS" --dir "$EUMS")
wp agenda add 21 "Military Mobility progress" --task "$T1" --presenter "Col. A. Dupont" --dir "$EUMS" >/dev/null
wp agenda add 21 "Medical cooperation" --task "$T2" --after "$I1" --dir "$EUMS" >/dev/null
wp conference close 20 --dir "$EUMS"

say "The plan"
wp list --dir "$EUMS"
say "Task $T1"
wp show "$T1" --dir "$EUMS"
say "Agenda of conference 21"
wp agenda list 21 --dir "$EUMS"
say "Status"
wp status --dir "$EUMS"
wp export --output "$OUT/plan.json" --dir "$EUMS"
echo "exported the plan to $OUT/plan.json"
