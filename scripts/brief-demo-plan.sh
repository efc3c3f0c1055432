#!/usr/bin/env bash
# A demo-like plan for the conference brief, built offline through the CLI:
#   scripts/brief-demo-plan.sh BIN_DIR REPLICA_DIR
# The 19th conference (June 2023) and the 20th (1 December 2023, EUMS headquarters) are
# held; the 21st, hosted by NATO/IMS in May 2024, is being prepared.
set -euo pipefail
BIN=${1:?usage: $0 BIN_DIR REPLICA_DIR}
DIR=${2:?usage: $0 BIN_DIR REPLICA_DIR}
rm -rf "$DIR"
export NO_COLOR=1
wp() { "$BIN/workplan" "$@" --dir "$DIR"; }
add() { wp add "$@" | head -n 1; }

wp init --staff EUMS --user "Col. A. Dupont" >/dev/null
for a in "Military Mobility" "Medical Cooperation" "CIS/Cyber Interoperability" "Gender Perspectives" "EU-NATO Information Exchange"; do
  wp area add "$a" >/dev/null
done
wp conference add 19 --date 2023-06-14 --host IMS --place "NATO Headquarters, Brussels" >/dev/null
wp conference close 19 >/dev/null
wp conference add 20 --date 2023-12-01 --host EUMS --place "EUMS headquarters, Brussels" >/dev/null

# The plan as it stood at the 20th conference.
MOB1=$(add "Harmonise cross-border movement permissions" --area "Military Mobility" --lead JOINT --priority high --owner "Lt Col. M. Weber" --due 2024-04-30 --origin-conference 19)
MOB2=$(add "Map rail and port capacity for heavy equipment" --area "Military Mobility" --lead EUMS --owner "Cdr. P. Jansen" --due 2024-03-31)
MED1=$(add "Exercise medical evacuation procedures together" --area "Medical Cooperation" --lead JOINT --owner "Lt Col. S. Moreau" --due 2024-06-30 --status in-progress)
MED2=$(add "Deployable medical module standards" --area "Medical Cooperation" --lead IMS --owner "Maj. L. Novak" --due 2024-02-15)
CIS1=$(add "Cyber situational awareness exchange" --area "CIS/Cyber Interoperability" --lead IMS --owner "Col. R. Hansen" --status in-progress --priority high)
CIS2=$(add "Federated mission networking: common joining instructions" --area "CIS/Cyber Interoperability" --lead JOINT --owner "Maj. K. Laine" --due 2024-01-31)
GEN1=$(add "Gender focal point network: annual workshop" --area "Gender Perspectives" --lead EUMS --owner "Lt Col. A. Rossi" --due 2024-05-01)
INF1=$(add "Secure exchange of unclassified staff documents" --area "EU-NATO Information Exchange" --lead JOINT --owner "Cdr. T. Berg" --due 2024-04-15 --status blocked)
INF2=$(add "Common glossary of crisis-management terms" --area "EU-NATO Information Exchange" --lead EUMS --status proposed --priority low)
wp note "$MOB1" "Draft permission template circulated to both staffs." >/dev/null
wp note "$MED1" "Scenario agreed; exercise window under discussion." >/dev/null
wp note "$INF1" "Waiting for accreditation of the gateway." >/dev/null
A20=$(wp agenda add 20 "Military Mobility: progress since June 2023" --task "$MOB1" --task "$MOB2" --presenter "Lt Col. M. Weber")
wp agenda outcome "$A20" "Template endorsed; national points of contact to be shared before May." >/dev/null
wp conference guidance 20 "Focus on deliverables for the 21st conference; report blocked items early." >/dev/null
wp conference close 20 >/dev/null

# Since the 20th conference (after its baseline).
wp edit "$MOB2" --status done >/dev/null
wp note "$MOB2" "Capacity map delivered to both staffs." >/dev/null
wp edit "$MED2" --status cancelled >/dev/null
wp edit "$MED1" --owner "Lt Col. S. Moreau-Vidal" --due 2024-09-30 >/dev/null
wp note "$MED1" "Exercise moved to September 2024 (host nation availability)." >/dev/null
wp edit "$CIS1" --priority medium --add-tag cyber >/dev/null
wp edit "$INF1" --status in-progress >/dev/null
wp note "$INF1" "Gateway accredited; pilot exchange running." >/dev/null
F1=$(add "Joint military mobility table-top exercise" --area "Military Mobility" --lead JOINT --owner "Lt Col. M. Weber" --due 2024-10-15 --origin-conference 20 --status open)
F2=$(add "Women, peace and security: joint training module" --area "Gender Perspectives" --lead IMS --owner "Cdr. E. Olsen" --origin-conference 20 --status in-progress --due 2024-06-30)
F3=$(add "Exchange of liaison officers for cyber defence" --area "CIS/Cyber Interoperability" --lead JOINT --origin-conference 20 --status proposed)
wp conference add 21 --date 2024-05-16 --host IMS --place "NATO Headquarters, Brussels" >/dev/null
wp agenda add 21 "Opening remarks by the Director Generals" --presenter "DG EUMS and DG IMS" >/dev/null
wp agenda add 21 "Military Mobility" --task "$MOB1" --task "$MOB2" --task "$F1" --presenter "Lt Col. M. Weber" >/dev/null
wp agenda add 21 "Medical Cooperation" --task "$MED1" --task "$MED2" --presenter "Lt Col. S. Moreau-Vidal" >/dev/null
wp agenda add 21 "CIS/Cyber and information exchange" --task "$CIS1" --task "$CIS2" --task "$INF1" --task "$F3" --presenter "Col. R. Hansen" >/dev/null
wp agenda add 21 "Gender perspectives" --task "$GEN1" --task "$F2" --presenter "Lt Col. A. Rossi" >/dev/null
wp agenda add 21 "Way ahead and guidance" --presenter "DG IMS" >/dev/null
echo "demo plan in $DIR"
