#!/bin/sh
# Renders an HTML brief in headless Chromium to a PNG and checks the result:
#   scripts/brief-screenshot.sh HTML PNG
# The PNG is BRIEF_WIDTH x BRIEF_HEIGHT pixels (default 1000 x 3000). Needs Debian's
# `chromium` package (apt-get install chromium). Exit 0 only for a valid PNG of that size.
set -eu
if [ $# -ne 2 ]; then echo "usage: $0 HTML PNG" >&2; exit 2; fi
html=$1 png=$2
width=${BRIEF_WIDTH:-1000} height=${BRIEF_HEIGHT:-3000}
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "$0: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
[ -f "$html" ] || { echo "$0: no such file: $html" >&2; exit 2; }
abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
mkdir -p "$(dirname "$png")"
rm -f "$png"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network: the brief is self-contained, and Chromium is told not to reach out.
if ! "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
      --disable-extensions --disable-background-networking --disable-component-update \
      --user-data-dir="$profile" --window-size="$width,$height" --default-background-color=00000000 \
      --screenshot="$png" "file://$abs" >"$profile/log" 2>&1; then
  cat "$profile/log" >&2
  echo "$0: chromium failed to render $html" >&2
  exit 1
fi
[ -s "$png" ] || { cat "$profile/log" >&2; echo "$0: no PNG written" >&2; exit 1; }
# PNG signature, then the IHDR chunk's width and height (big-endian) at bytes 16..23.
set -- $(od -An -tu1 -N24 "$png")
[ "$2 $3 $4" = "80 78 71" ] || { echo "$0: $png is not a PNG" >&2; exit 1; }
w=$(( (${17} << 24) | (${18} << 16) | (${19} << 8) | ${20} ))
h=$(( (${21} << 24) | (${22} << 16) | (${23} << 8) | ${24} ))
if [ "$w" -ne "$width" ] || [ "$h" -ne "$height" ]; then
  echo "$0: $png is ${w}x${h}, expected ${width}x${height}" >&2
  exit 1
fi
echo "rendered $html to $png (${w}x${h}, $(wc -c <"$png") bytes)"
