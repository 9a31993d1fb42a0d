#!/usr/bin/env bash
# The Debian packages' checks (run by `make test`): builds them (scripts/build-deb.sh), lists
# them, runs lintian when it is installed, installs both into a throwaway root with dpkg
# (--root, maintainer scripts run chrootless with DPKG_ROOT) and checks files, modes, the
# user and directories; an upgrade keeps an edited config, remove keeps data, purge removes
# it and the user. Prints ok/FAIL lines and `N passed, M failed`; exit 0 only if all passed.
#
# Environment: DDA_DEB_SKIP_BUILD=1 (package binaries already built in .build-deb).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"
dda_install_missing lintian man-db >/dev/null 2>&1 || echo "note: lintian or man-db could not be installed"

passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then ok "$1"; else fail "$1"; fi }

out="$(mktemp -d)"
root="$(mktemp -d)"
trap 'rm -rf "$out" "$root"' EXIT
if ! DDA_DEB_OUT="$out" scripts/build-deb.sh; then
    echo "FAIL build-deb.sh"
    echo "0 passed, 1 failed"
    exit 1
fi
server_deb="$(ls "$out"/dda-server_*.deb)"
runner_deb="$(ls "$out"/dda-runner_*.deb)"
version="$(sed -n 's/^public let ddaVersion = "\(.*\)"$/\1/p' Sources/DDAModel/Version.swift)"

echo "--- dpkg-deb -c (contents) ---"
dpkg-deb -c "$server_deb"
dpkg-deb -c "$runner_deb"
listing="$(dpkg-deb -c "$server_deb"; dpkg-deb -c "$runner_deb")"
mode() { echo "$listing" | awk -v p="./$1" '$6 == p { print $1 " " $2 }'; }
check "dda-server binary 0755 root/root" '[ "$(mode usr/bin/dda-server)" = "-rwxr-xr-x root/root" ]'
check "dda-runner binary 0755 root/root" '[ "$(mode usr/bin/dda-runner)" = "-rwxr-xr-x root/root" ]'
for unit in dda-server.service dda-server.socket dda-server@.service dda-runner.service dda-runner-once.service dda-runner-once.timer; do
    check "unit $unit 0644 in /lib/systemd/system" '[ "$(mode lib/systemd/system/$unit)" = "-rw-r--r-- root/root" ]'
done
check "units start /usr/bin, not /usr/local/bin" \
    '! dpkg-deb --fsys-tarfile "$server_deb" | tar -xO ./lib/systemd/system/dda-server.service | grep -q /usr/local/bin'
check "conffiles: the examples and the logrotate file" \
    '[ "$(dpkg-deb -f "$server_deb" Package)" = dda-server ] && dpkg-deb -I "$server_deb" conffiles | grep -qx /etc/dda/server.env.example && dpkg-deb -I "$runner_deb" conffiles | grep -qx /etc/dda/runner.toml.example && dpkg-deb -I "$runner_deb" conffiles | grep -qx /etc/logrotate.d/dda-runner'
check "the real configs are not in the packages (postinst writes them once)" \
    '! echo "$listing" | grep -Eq "\./etc/dda/(server\.env|runner\.toml)$"'
check "versions from Sources/DDAModel/Version.swift" \
    '[ "$(dpkg-deb -f "$server_deb" Version)" = "$version" ] && [ "$(dpkg-deb -f "$runner_deb" Version)" = "$version" ]'
check "Depends names the shared libraries" \
    'dpkg-deb -f "$server_deb" Depends | grep -q "libfcgi0ldbl, libpq5" && dpkg-deb -f "$runner_deb" Depends | grep -q libcurl4'
check "the Swift runtime is linked statically" \
    '! dpkg-deb --fsys-tarfile "$server_deb" | tar -xO ./usr/bin/dda-server > "$out/dda-server" || true; chmod +x "$out/dda-server"; ! ldd "$out/dda-server" | grep -q swift'

for b in dda-server dda-runner; do
    deb="$server_deb"
    [ "$b" = dda-runner ] && deb="$runner_deb"
    check "man page $b(1) 0644" '[ "$(mode usr/share/man/man1/$b.1.gz)" = "-rw-r--r-- root/root" ]'
    dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/share/man/man1/$b.1.gz" > "$out/$b.1.gz"
    # As lintian checks pages: groff warnings on stderr. The page holds every option of --help.
    check "man page $b(1) renders without warnings" \
        '[ -z "$(dda_man_warnings "$out/$b.1.gz")" ]'
done
man_pages_complete() {
    local text o
    text="$(dda_man_text "$out/dda-server.1.gz" "$out/dda-runner.1.gz")"
    for o in --socket --database-url --fsync --state-dir --to --server --once --concurrency --ca-file --log-format; do
        echo "$text" | grep -q -- "$o " || { echo "the man pages lack $o"; return 1; }
    done
    echo "$text" | grep -q "dda-server backup" && echo "$text" | grep -q "dda-server import" \
        && echo "$text" | grep -q "1…1024"
}
check "man pages name every option and subcommand, UTF-8 text kept" man_pages_complete

if command -v lintian >/dev/null; then
    echo "--- lintian ---"
    lintian_out="$(lintian --no-tag-display-limit "$server_deb" "$runner_deb" 2>&1)"
    echo "${lintian_out:-(no tags)}"
    # No error, and no warning but the one README "Packages" explains (a chrootless
    # maintainer script reads $DPKG_ROOT/etc/passwd: getent would read the host's).
    explained='^W: dda-runner: maintainer-script-should-not-parse-etc-passwd-or-group '
    # awk, not grep -v: an empty result is the good case, and grep would report it as failure.
    errors="$(echo "$lintian_out" | awk -v explained="$explained" '/^[EW]:/ && $0 !~ explained')"
    check "lintian: no error, no warning but the explained one" '[ -z "$errors" ]'
    [ -z "$errors" ] || echo "$errors"
else
    echo "skip lintian: not installed (apt-get install lintian)"
fi

# --- A throwaway root --------------------------------------------------------------------
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc" "$root/usr/sbin"
: > "$root/var/lib/dpkg/status"
: > "$root/var/lib/dpkg/available"
grep -E '^(root|daemon|nogroup|nobody):' /etc/passwd > "$root/etc/passwd"
grep -E '^(root|daemon|nogroup|nobody):' /etc/group > "$root/etc/group"
grep -E '^(root|daemon|nobody):' /etc/shadow > "$root/etc/shadow" 2>/dev/null || : > "$root/etc/shadow"
grep -E '^(root|daemon|nogroup):' /etc/gshadow > "$root/etc/gshadow" 2>/dev/null || : > "$root/etc/gshadow"
chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"
dpkg_root() {
    dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root --log=/dev/null "$@" 2>&1
}
echo "--- dpkg --root install ---"
if dpkg_root -i "$server_deb" "$runner_deb"; then ok "both packages install into a throwaway root"; else fail "dpkg -i"; fi
stat_of() { stat -c '%a %U %G' "$root$1" 2>/dev/null; }
uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$root/etc/passwd"; }
check "user dda created (system, nologin, home /var/lib/dda-runner)" \
    'grep -Eq "^dda:x:[0-9]+:[0-9]+:DDA runner:/var/lib/dda-runner:/usr/sbin/nologin$" "$root/etc/passwd" && [ "$(uid_of dda)" -lt 1000 ]'
owner() { stat -c '%a %u %g' "$root$1" 2>/dev/null; }
dda_ids="$(uid_of dda) $(awk -F: '$1 == "dda" { print $3 }' "$root/etc/group")"
check "/var/lib/dda-runner 0700 dda:dda" '[ "$(owner /var/lib/dda-runner)" = "700 $dda_ids" ]'
check "/var/lib/dda-runner/work 0700 dda:dda" '[ "$(owner /var/lib/dda-runner/work)" = "700 $dda_ids" ]'
check "/var/log/dda 0750 dda:dda" '[ "$(owner /var/log/dda)" = "750 $dda_ids" ]'
check "/etc/dda/runner.toml 0640 root:dda from the example" \
    '[ "$(owner /etc/dda/runner.toml)" = "640 0 $(awk -F: "\$1 == \"dda\" { print \$3 }" "$root/etc/group")" ] && cmp -s "$root/etc/dda/runner.toml" "$root/etc/dda/runner.toml.example"'
check "/etc/dda/server.env 0640 root" '[ "$(owner /etc/dda/server.env)" = "640 0 0" ]'
check "/etc/dda/credentials 0700 with three secrets 0600" \
    '[ "$(owner /etc/dda/credentials)" = "700 0 0" ] && for n in api_keys registration_token jwt_secret; do [ "$(owner /etc/dda/credentials/$n)" = "600 0 0" ] && [ "$(wc -c < "$root/etc/dda/credentials/$n")" -eq 65 ] || exit 1; done'
check "the example handler is not active in the installed runner.toml" \
    '! grep -Eq "^\[\[handler\]\]" "$root/etc/dda/runner.toml"'
check "dda-server --version and dda-runner --version say $version" \
    '[ "$("$root/usr/bin/dda-server" --version)" = "$version" ] && [ "$("$root/usr/bin/dda-runner" --version)" = "$version" ]'

echo "--- upgrade keeps edited configs and secrets ---"
echo "# edited by the admin" >> "$root/etc/dda/runner.toml"
echo "DDA_THREADS=4" >> "$root/etc/dda/server.env"
secret_before="$(cat "$root/etc/dda/credentials/api_keys")"
dpkg_root -i "$server_deb" "$runner_deb" >/dev/null
check "an edited runner.toml survives a reinstall" 'tail -n 1 "$root/etc/dda/runner.toml" | grep -q "edited by the admin"'
check "an edited server.env survives a reinstall" 'grep -q "^DDA_THREADS=4$" "$root/etc/dda/server.env"'
check "the secrets are not regenerated" '[ "$(cat "$root/etc/dda/credentials/api_keys")" = "$secret_before" ]'

echo "--- remove keeps data, purge removes it ---"
dpkg_root -r dda-runner dda-server >/dev/null
check "remove: binaries gone" '[ ! -e "$root/usr/bin/dda-server" ] && [ ! -e "$root/usr/bin/dda-runner" ]'
check "remove: configs, state and the user kept" \
    '[ -f "$root/etc/dda/runner.toml" ] && [ -d "$root/var/lib/dda-runner" ] && [ -f "$root/etc/dda/credentials/api_keys" ] && grep -q "^dda:" "$root/etc/passwd"'
dpkg_root -P dda-runner dda-server >/dev/null
check "purge: configs, secrets, state, logs and the user gone" \
    '[ ! -e "$root/etc/dda" ] && [ ! -e "$root/var/lib/dda-runner" ] && [ ! -e "$root/var/log/dda" ] && ! grep -q "^dda:" "$root/etc/passwd"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
