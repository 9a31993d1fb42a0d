#!/usr/bin/env bash
# Builds the Debian packages dda-server_<version>_<arch>.deb and dda-runner_<version>_<arch>.deb
# into dist/ with dpkg-deb (no network tools): statically linked Swift runtime
# (--static-swift-stdlib; the system's libfcgi, libpq and libcurl stay shared libraries, named
# in Depends), the systemd units, /etc/dda/*.example as conffiles, the logrotate file and the
# maintainer scripts of packaging/debian/. `make deb` runs it.
#
# Environment: DDA_DEB_SKIP_BUILD=1 packages binaries already in .build-deb/release (tests);
# DDA_DEB_OUT (default dist).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

version="$(sed -n 's/^public let ddaVersion = "\(.*\)"$/\1/p' Sources/DDAModel/Version.swift)"
[ -n "$version" ] || { echo "build-deb: no version in Sources/DDAModel/Version.swift" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
out="${DDA_DEB_OUT:-dist}"
bin_dir=.build-deb/release

if [ "${DDA_DEB_SKIP_BUILD:-}" != 1 ]; then
    echo "build-deb: swift build -c release --static-swift-stdlib (into .build-deb)"
    swift build -c release --static-swift-stdlib --scratch-path .build-deb --product dda-server
    swift build -c release --static-swift-stdlib --scratch-path .build-deb --product dda-runner
fi
for b in dda-server dda-runner; do
    [ -x "$bin_dir/$b" ] || { echo "build-deb: no $bin_dir/$b" >&2; exit 1; }
done

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The units and the cron line of deploy/ name /usr/local/bin (install.sh's place); a package
# installs into /usr/bin and its documentation into /usr/share/doc.
packaged() {
    sed -e 's#/usr/local/bin/#/usr/bin/#g' -e 's#/usr/local/share/doc/dda/#/usr/share/doc/dda-server/#g' "$1"
}

# common <root> <package>: copyright, changelog, README.
common() {
    local root="$1" package="$2"
    install -d -m 0755 "$root/usr/share/doc/$package"
    install -m 0644 packaging/debian/copyright "$root/usr/share/doc/$package/copyright"
    sed -e "s/@VERSION@/$version/" -e "s/@PACKAGE@/$package/" packaging/debian/changelog \
        | gzip -9n > "$root/usr/share/doc/$package/changelog.gz"
    chmod 0644 "$root/usr/share/doc/$package/changelog.gz"
}

# manpage <root> <binary>: section 1 from the binary's own help (scripts/man-page.py), dated
# by the last commit so that a rebuild gives the same page.
manpage() {
    local root="$1" binary="$2" date
    date="$(git log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)"
    install -d -m 0755 "$root/usr/share/man/man1"
    python3 scripts/man-page.py "$bin_dir/$binary" "$version" "$date" | gzip -9n > "$root/usr/share/man/man1/$binary.1.gz"
    chmod 0644 "$root/usr/share/man/man1/$binary.1.gz"
}

# control <root> <package> <depends> <description file>
control() {
    local root="$1" package="$2" depends="$3" description="$4"
    install -d -m 0755 "$root/DEBIAN"
    local size
    size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
    {
        echo "Package: $package"
        echo "Version: $version"
        echo "Architecture: $arch"
        echo "Maintainer: DDA developers <dda@example.com>"
        echo "Installed-Size: $size"
        echo "Depends: $depends"
        echo "Section: net"
        echo "Priority: optional"
        echo "Homepage: https://example.com/dda"
        cat "$description"
    } > "$root/DEBIAN/control"
    for script in postinst prerm postrm; do
        [ -f "packaging/debian/$package.$script" ] || continue
        install -m 0755 "packaging/debian/$package.$script" "$root/DEBIAN/$script"
    done
    (cd "$root" && find etc -type f 2>/dev/null | sed 's#^#/#' | sort) > "$root/DEBIAN/conffiles"
    [ -s "$root/DEBIAN/conffiles" ] || rm "$root/DEBIAN/conffiles"
    (cd "$root" && find usr lib -type f -print0 2>/dev/null | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
    chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
    [ ! -f "$root/DEBIAN/conffiles" ] || chmod 0644 "$root/DEBIAN/conffiles"
}

# --- dda-server --------------------------------------------------------------------------
s="$work/dda-server"
install -d -m 0755 "$s/usr/bin" "$s/lib/systemd/system" "$s/etc/dda" "$s/usr/share/dda/nginx" \
    "$s/usr/share/doc/dda-server"
install -m 0755 -s "$bin_dir/dda-server" "$s/usr/bin/dda-server"
for unit in dda-server.service dda-server.socket dda-server@.service dda-server@.socket; do
    packaged "deploy/systemd/$unit" > "$s/lib/systemd/system/$unit"
    chmod 0644 "$s/lib/systemd/system/$unit"
done
install -m 0644 deploy/examples/server.env "$s/etc/dda/server.env.example"
install -m 0644 deploy/examples/server-cluster.env "$s/etc/dda/server-cluster.env.example"
cp -r nginx/conf.d nginx/snippets nginx/sites-available "$s/usr/share/dda/nginx/"
install -m 0644 nginx/dda-ffdhe2048.pem "$s/usr/share/dda/nginx/"
find "$s/usr/share/dda" -type d -exec chmod 0755 {} + && find "$s/usr/share/dda" -type f -exec chmod 0644 {} +
install -m 0644 openapi.yaml "$s/usr/share/dda/openapi.yaml"
install -m 0644 README.md "$s/usr/share/doc/dda-server/README.md"
gzip -9n "$s/usr/share/doc/dda-server/README.md"
manpage "$s" dda-server
common "$s" dda-server
control "$s" dda-server "libc6 (>= 2.36), libfcgi0ldbl, libpq5, libstdc++6, libgcc-s1, adduser" \
    packaging/debian/dda-server.description

# --- dda-runner --------------------------------------------------------------------------
r="$work/dda-runner"
install -d -m 0755 "$r/usr/bin" "$r/lib/systemd/system" "$r/etc/dda" "$r/etc/logrotate.d" \
    "$r/usr/share/doc/dda-runner/examples"
install -m 0755 -s "$bin_dir/dda-runner" "$r/usr/bin/dda-runner"
for unit in dda-runner.service dda-runner-once.service dda-runner-once.timer; do
    packaged "deploy/systemd/$unit" > "$r/lib/systemd/system/$unit"
    chmod 0644 "$r/lib/systemd/system/$unit"
done
install -m 0644 deploy/examples/runner.toml "$r/etc/dda/runner.toml.example"
install -m 0644 deploy/logrotate/dda-runner "$r/etc/logrotate.d/dda-runner"
packaged deploy/cron/dda-runner > "$r/usr/share/doc/dda-runner/examples/cron.d-dda-runner"
install -m 0644 examples/handlers/wordcount.py "$r/usr/share/doc/dda-runner/examples/wordcount.py"
chmod 0644 "$r/usr/share/doc/dda-runner/examples/cron.d-dda-runner"
manpage "$r" dda-runner
common "$r" dda-runner
control "$r" dda-runner "libc6 (>= 2.36), libcurl4, libstdc++6, libgcc-s1, adduser" \
    packaging/debian/dda-runner.description

for package in dda-server dda-runner; do
    file="$out/${package}_${version}_${arch}.deb"
    dpkg-deb --root-owner-group -Zxz --build "$work/$package" "$file" >/dev/null
    echo "build-deb: $file ($(du -h "$file" | cut -f1))"
done
