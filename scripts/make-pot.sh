#!/usr/bin/env bash
# Writes wordpress-plugin/languages/distributed-data-analysis.pot from the plugin's PHP with
# xgettext (Debian's gettext; wp-cli's `wp i18n make-pot` is not installable here). With
# --check it writes nothing and exits 1 when the file lacks a string or has a stale one
# (scripts/lint.sh runs that).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
plugin="$here/wordpress-plugin"
pot="$plugin/languages/distributed-data-analysis.pot"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
version="$(sed -n 's/^ \* Version: *//p' "$plugin/distributed-data-analysis.php")"
(cd "$plugin" && find . -name '*.php' -not -path './tests/*' | sort | sed 's#^\./##') > "$out.files"
(cd "$plugin" && xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: \
    --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__ --keyword=esc_attr_e \
    --keyword=_x:1,2c --keyword=_ex:1,2c --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c \
    --keyword=_n:1,2 --keyword=_nx:1,2,4c --keyword=_n_noop:1,2 \
    --package-name="Distributed Data Analysis" --package-version="$version" \
    --msgid-bugs-address="https://example.com/dda/issues" -o "$out" -f "$out.files" 2>/dev/null)
rm -f "$out.files"
msgids() { grep -v '^#' "$1" | sed -n '/^msgctxt\|^msgid /,/^msgstr/p' | grep -v '^msgstr' | tr -d '\n' | sed 's/msgid /\n/g' | sort -u; }
if [ "${1:-}" = --check ]; then
    if ! diff <(msgids "$pot") <(msgids "$out") >/dev/null; then
        echo "make-pot: $pot is out of date (new or removed strings): run scripts/make-pot.sh" >&2
        exit 1
    fi
    echo "make-pot: the .pot file holds every string of the plugin"
    exit 0
fi
cp "$out" "$pot"
echo "make-pot: wrote $pot ($(grep -c '^msgid ' "$pot") strings)"
