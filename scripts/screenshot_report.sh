#!/usr/bin/env bash
# Render a tickwire HTML report to PNG with headless Chromium, to check how it looks.
#
#   scripts/screenshot_report.sh REPORT.html [OUT.png] [WIDTH] [HEIGHT]
#
# Defaults: OUT is REPORT's folder/screenshot.png, 1280 x 4200 pixels (the whole page).
# Needs Chromium: on Debian/Ubuntu `apt-get install -y chromium` (or set CHROMIUM=/path).
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1" ]]; then
    echo "usage: $0 REPORT.html [OUT.png] [WIDTH] [HEIGHT]" >&2
    exit 2
fi
report=$(realpath "$1")
out=$(realpath -m "${2:-$(dirname "$report")/screenshot.png}")
width=${3:-1280}
height=${4:-4200}

browser=${CHROMIUM:-}
if [[ -z "$browser" ]]; then
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
        if [[ -x "$candidate" ]]; then browser=$candidate; break; fi
    done
fi
if [[ -z "$browser" ]]; then
    echo "Chromium not found. Install it (Debian/Ubuntu: sudo apt-get install -y chromium)" >&2
    echo "or point CHROMIUM at a Chromium or Chrome binary." >&2
    exit 3
fi

# --virtual-time-budget lets plotly draw its charts before the picture is taken.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --disable-component-update --user-data-dir="$profile" \
    --virtual-time-budget=10000 --window-size="${width},${height}" \
    --screenshot="$out" "file://$report" 2>/dev/null
echo "$out"
