#!/usr/bin/env bash
# deploy/install.sh — installs DDA on this host, or into a staging root.
#
#   deploy/install.sh                  install (or upgrade) into /
#   DESTDIR=/tmp/root deploy/install.sh   the same into /tmp/root (nothing else is touched)
#   deploy/install.sh --uninstall      remove what was installed (keeps /etc/dda/server.env
#                                      and configs you edited; --purge removes them too)
#
# Options: --root DIR (same as DESTDIR), --uninstall, --purge, -h/--help, and
#   --php-pool-user NAME   WordPress's PHP in a PHP-FPM pool of its own user NAME instead of
#                          www-data (nginx's group, which may connect to /run/dda/api.sock):
#                          creates the system user NAME (own group, never in www-data) and
#                          writes the pool example php-fpm-wordpress.conf for it (README,
#                          "WordPress's PHP and the DDA socket"). In a staging root the user
#                          is only created when DIR/etc/passwd exists (useradd --prefix).
# Environment: DESTDIR; DDA_SERVER_BIN / DDA_RUNNER_BIN, the binaries to install (default
# .build/release/dda-server and dda-runner of this checkout: build with swift build -c release);
# DDA_PHP_POOL_USER (same as --php-pool-user); DDA_NGINX_VERSION, the nginx the site is
# written for (default: what `nginx -v` reports; no nginx: the 1.22 form). From nginx 1.25.1
# on, the site gets `listen 443 ssl;` + a separate http2 directive instead of the deprecated
# `listen 443 ssl http2;`.
#
# What goes where (all recorded with their checksums in /usr/local/share/dda/install-manifest):
#   /usr/local/bin/dda-server, dda-runner                 0755  replaced when they change
#   /usr/local/share/dda/openapi.yaml, examples/, doc     0644  replaced when they change
#   /usr/local/share/man/man1/dda-server.1, dda-runner.1  0644  from the binaries' help (python3)
#     (examples/ also holds server-cluster.env and dda-upstream.conf: several servers on one
#     PostgreSQL database, README "Scaling out")
#   /etc/systemd/system/dda-*.{socket,service,timer}      0644  config files (see below);
#     dda-server@.socket/.service too, the template for several servers on one host
#   /etc/nginx/conf.d/dda-*.conf, snippets/dda-*.conf,
#   /etc/nginx/sites-available/dda.conf, dda-ffdhe2048.pem 0644  config files
#   /etc/logrotate.d/dda-runner                           0644  config file (the cron runner's log)
#   /etc/dda/runner.toml                                  0640  config file (root:dda)
#   /etc/dda/server.env                                   0640  installed once (root:root)
#   /etc/dda/credentials/ (0700) api_keys, registration_token, jwt_secret
#                                                         0600  generated once (root:root): the
#     secrets, which dda-server.service reads with LoadCredential=. Neither is ever touched once
#     there: an older install keeps its secrets in server.env (where they still work).
#   /usr/local/share/dda/examples/php-fpm-wordpress.conf  0644  only with --php-pool-user
# Config files are never overwritten once you edited them: an upgrade replaces a config file
# only while it is exactly what the last run installed; otherwise the new version is written
# next to it as NAME.dda-new. Nothing is enabled or started: see deploy/README.md.
# Running it twice changes nothing. Exit status: 0 done, 64 bad usage, 66 a binary is
# missing, 77 not root, 78 the --php-pool-user NAME is unusable (www-data's group, root).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

root="${DESTDIR:-}"
mode=install
purge=no
pool_user="${DDA_PHP_POOL_USER:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="${2:?--root needs a directory}"; shift 2 ;;
        --root=*) root="${1#--root=}"; shift ;;
        --php-pool-user) pool_user="${2:?--php-pool-user needs a user name}"; shift 2 ;;
        --php-pool-user=*) pool_user="${1#--php-pool-user=}"; shift ;;
        --uninstall) mode=uninstall; shift ;;
        --purge) purge=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
done
[ "$purge" = no ] || [ "$mode" = uninstall ] || { echo "install.sh: --purge goes with --uninstall" >&2; exit 64; }
if [ -n "$pool_user" ] && ! [[ "$pool_user" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then
    echo "install.sh: --php-pool-user '$pool_user' is not a valid user name" >&2
    exit 64
fi
root="${root%/}"
if [ -n "$root" ]; then
    mkdir -p "$root"
    root="$(cd "$root" && pwd)"
    [ "$root" != / ] || root=""
fi
live=no
[ -n "$root" ] || live=yes
if [ "$live" = yes ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or stage with DESTDIR=DIR / --root DIR)" >&2
    exit 77
fi

src="$(cd "$(dirname "$0")/.." && pwd)"
manifest_rel=/usr/local/share/dda/install-manifest
manifest="$root$manifest_rel"
# Set when systemd is the init on a live install: units get daemon-reload / disable.
systemd_live=no
[ "$live" = yes ] && [ -d /run/systemd/system ] && systemd_live=yes

sha() { sha256sum "$1" | cut -d' ' -f1; }
say() { printf '%s\n' "$*"; }

# The sha256 the last run recorded for a path ("" if none).
recorded() {
    [ -f "$manifest" ] || return 0
    awk -v p="$1" '$4 == p { print $1; exit }' "$manifest"
}

new_manifest=""
record() {  # record KIND PATH SHA MODE
    new_manifest+="$3 $4 $1 $2"$'\n'
}

# put KIND SOURCE DEST MODE [OWNER:GROUP]
#   KIND program: replaced whenever it differs.
#   KIND config:  installed if absent; replaced only if unchanged since the last run;
#                 else the new version goes to DEST.dda-new.
put() {
    local kind="$1" from="$2" rel="$3" perm="$4" owner="${5:-}"
    local dest="$root$rel" want have last
    want="$(sha "$from")"
    mkdir -p "$(dirname "$dest")"
    if [ -f "$dest" ]; then
        have="$(sha "$dest")"
        if [ "$have" = "$want" ]; then
            record "$kind" "$rel" "$want" "$perm"
            return 0
        fi
        last="$(recorded "$rel")"
        if [ "$kind" = config ] && [ "$have" != "$last" ]; then
            # Edited by the admin (or not ours): keep it, offer the new version beside it.
            if [ ! -f "$dest.dda-new" ] || [ "$(sha "$dest.dda-new")" != "$want" ]; then
                install -m "$perm" "$from" "$dest.dda-new"
                say "kept your $rel; the new version is $rel.dda-new"
            fi
            record "$kind-edited" "$rel" "${last:--}" "$perm"
            record program "$rel.dda-new" "$want" "$perm"
            return 0
        fi
    fi
    install -m "$perm" "$from" "$dest"
    [ -z "$owner" ] || chown "$owner" "$dest"
    say "installed $rel"
    record "$kind" "$rel" "$want" "$perm"
}

secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# write_secret REL VALUE: the value and a newline in a file of its own, mode 0600 (mktemp's).
write_secret() {
    local tmp
    tmp="$(mktemp "$root$(dirname "$1")/.secret.XXXXXX")"
    printf '%s\n' "$2" > "$tmp"
    mv "$tmp" "$root$1"
}

# The version of the nginx the site is written for; nothing when there is no nginx.
nginx_version() {
    if [ -n "${DDA_NGINX_VERSION:-}" ]; then printf '%s\n' "$DDA_NGINX_VERSION"; return 0; fi
    command -v nginx >/dev/null 2>&1 || return 0
    nginx -v 2>&1 | sed -n 's|^nginx version: [a-z]*nginx/\([0-9][0-9.]*\).*|\1|p' | head -n 1
}
# Succeeds when nginx VERSION wants HTTP/2 as a directive of its own: 1.25.1 deprecated the
# listen parameter (Debian 12's 1.22 knows only that).
http2_directive_for() {
    [ -n "$1" ] && printf '%s\n%s\n' 1.25.1 "$1" | sort -V -C
}
# The site, stdin to stdout, in the nginx >= 1.25.1 form: each "listen … ssl http2;" loses its
# http2, and one "http2 on;" follows the server's listen lines.
site_with_http2_directive() {
    awk '
        pending && !/^[ \t]*listen[ \t]/ { print indent "http2 on;"; pending = 0 }
        /^[ \t]*listen[ \t].*[ \t]ssl[ \t]+http2[ \t]*;/ {
            sub(/[ \t]+http2[ \t]*;/, ";")
            indent = $0; sub(/[^ \t].*$/, "", indent)
            pending = 1
        }
        { print }
        END { if (pending) print indent "http2 on;" }
    '
}

# The PHP-FPM pool user (--php-pool-user): created when missing, as a system user with a group
# of its own; refused when it is, or may become, a member of www-data (nginx's group, the
# group of /run/dda/api.sock). Live: the host's users; staging: DIR/etc/passwd if there is one.
pool_user_ready() {
    local name="$1" groups prefix=()
    case "$name" in
        root|www-data|nobody|dda)
            echo "install.sh: --php-pool-user $name: WordPress's PHP needs a user of its own (e.g. wordpress)" >&2
            exit 78 ;;
    esac
    if [ "$live" = no ]; then
        if [ ! -f "$root/etc/passwd" ] || [ ! -f "$root/etc/group" ]; then
            say "no $root/etc/passwd: create the PHP-FPM pool user $name on the host (useradd --system --user-group $name)"
            return 0
        fi
        prefix=(--prefix "$root")
    fi
    if ! has_user "$name"; then
        local group_opt=(--user-group)
        ! has_group "$name" || group_opt=(--gid "$name")
        useradd "${prefix[@]}" --system "${group_opt[@]}" --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin --comment "WordPress PHP-FPM pool" "$name"
        say "created system user $name (WordPress's PHP-FPM pool, not in group www-data)"
    fi
    groups=" $(user_groups "$name" | tr '\n' ' ') "
    case "$groups" in
        *" www-data "*)
            echo "install.sh: user $name is in group www-data, which may connect to /run/dda/api.sock;" \
                "take it out first (gpasswd -d $name www-data) or pick another name" >&2
            exit 78 ;;
    esac
}
has_user() {
    if [ "$live" = yes ]; then getent passwd "$1" >/dev/null; else grep -q "^$1:" "$root/etc/passwd"; fi
}
has_group() {
    if [ "$live" = yes ]; then getent group "$1" >/dev/null; else grep -q "^$1:" "$root/etc/group"; fi
}
user_groups() {  # every group of a user, the primary one included, one a line
    if [ "$live" = yes ]; then id -nG "$1" | tr ' ' '\n'; return; fi
    local gid
    gid="$(awk -F: -v u="$1" '$1 == u { print $4 }' "$root/etc/passwd")"
    awk -F: -v u="$1" -v g="$gid" '
        $3 == g { print $1; next }
        { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) print $1 }
    ' "$root/etc/group"
}

do_install() {
    local server_bin="${DDA_SERVER_BIN:-$src/.build/release/dda-server}"
    local runner_bin="${DDA_RUNNER_BIN:-$src/.build/release/dda-runner}"
    for b in "$server_bin" "$runner_bin"; do
        [ -x "$b" ] || { echo "install.sh: $b is missing; build first: swift build -c release" >&2; exit 66; }
    done
    umask 022
    # Checked first: a refused --php-pool-user leaves nothing half-installed.
    [ -z "$pool_user" ] || pool_user_ready "$pool_user"

    # A system user for the runners (the server runs as a systemd DynamicUser).
    local runner_group=""
    if [ "$live" = yes ]; then
        if ! getent passwd dda >/dev/null; then
            useradd --system --user-group --home-dir /var/lib/dda-runner --no-create-home \
                --shell /usr/sbin/nologin --comment "DDA runner" dda
            say "created system user dda"
        fi
        runner_group=dda
        # For runners started from cron (the systemd units create these themselves).
        install -d -o dda -g dda -m 0700 /var/lib/dda-runner /var/lib/dda-runner/work
        install -d -o dda -g dda -m 0750 /var/log/dda
    fi

    put program "$server_bin" /usr/local/bin/dda-server 0755
    put program "$runner_bin" /usr/local/bin/dda-runner 0755
    put program "$src/openapi.yaml" /usr/local/share/dda/openapi.yaml 0644
    put program "$src/deploy/README.md" /usr/local/share/doc/dda/README.md 0644
    put program "$src/deploy/examples/server.env" /usr/local/share/dda/examples/server.env 0644
    put program "$src/deploy/examples/server-cluster.env" /usr/local/share/dda/examples/server-cluster.env 0644
    put program "$src/nginx/conf.d/dda-upstream.conf.example" /usr/local/share/dda/examples/dda-upstream.conf 0644
    put program "$src/deploy/examples/runner.toml" /usr/local/share/dda/examples/runner.toml 0644
    put program "$src/deploy/cron/dda-runner" /usr/local/share/dda/examples/cron.d-dda-runner 0644
    # Harmless without the cron file: logrotate skips a log that is not there (missingok).
    put config "$src/deploy/logrotate/dda-runner" /etc/logrotate.d/dda-runner 0644
    put program "$src/deploy/spawn-fcgi/dda-server-spawn-fcgi" /usr/local/share/dda/examples/dda-server-spawn-fcgi 0755
    # The manual pages, written from the binaries' own help (as the packages' are).
    if command -v python3 >/dev/null; then
        local pages b date
        pages="$(mktemp -d)"
        for b in dda-server dda-runner; do
            local bin="$server_bin"
            [ "$b" = dda-runner ] && bin="$runner_bin"
            # Dated by the last commit, else the binary: a second run writes the same page.
            date="$(git -C "$src" log -1 --format=%cs 2>/dev/null || date -u -r "$bin" +%Y-%m-%d)"
            if python3 "$src/scripts/man-page.py" "$bin" "$("$bin" --version 2>/dev/null || echo unknown)" "$date" > "$pages/$b.1"; then
                put program "$pages/$b.1" "/usr/local/share/man/man1/$b.1" 0644
            else
                say "no manual page for $b (scripts/man-page.py failed)"
            fi
        done
        rm -rf "$pages"
    else
        say "no manual pages: python3 is not installed (dda-server --help and dda-runner --help say the same)"
    fi

    local f
    # dda-server@.socket/.service included: files only, enabled per instance by the admin.
    for f in "$src"/deploy/systemd/dda-*; do
        put config "$f" "/etc/systemd/system/$(basename "$f")" 0644
    done
    for f in "$src"/nginx/conf.d/dda-*.conf; do
        put config "$f" "/etc/nginx/conf.d/$(basename "$f")" 0644
    done
    for f in "$src"/nginx/snippets/dda-*.conf; do
        put config "$f" "/etc/nginx/snippets/$(basename "$f")" 0644
    done
    # The site in the form of this host's nginx (DDA_NGINX_VERSION, else nginx -v).
    local site="$src/nginx/sites-available/dda.conf" site_tmp="" ngx
    ngx="$(nginx_version)"
    if http2_directive_for "$ngx"; then
        site_tmp="$(mktemp)"
        site_with_http2_directive < "$site" > "$site_tmp"
        site="$site_tmp"
    fi
    put config "$site" /etc/nginx/sites-available/dda.conf 0644
    [ -z "$site_tmp" ] || rm -f "$site_tmp"
    put config "$src/nginx/dda-ffdhe2048.pem" /etc/nginx/dda-ffdhe2048.pem 0644

    # WordPress's PHP-FPM pool under its own user (only with --php-pool-user).
    local pool_rel=/usr/local/share/dda/examples/php-fpm-wordpress.conf
    if [ -n "$pool_user" ]; then
        local tmp
        tmp="$(mktemp)"
        sed -e "s|^user = .*|user = $pool_user|" -e "s|^group = .*|group = $pool_user|" \
            "$src/deploy/examples/php-fpm-wordpress.conf" > "$tmp"
        put program "$tmp" "$pool_rel" 0644
        rm -f "$tmp"
    elif [ -f "$root$pool_rel" ] && [ -n "$(recorded "$pool_rel")" ]; then
        # From an earlier run with --php-pool-user: kept as it is, still listed for --uninstall.
        record program "$pool_rel" "$(sha "$root$pool_rel")" 0644
    fi

    # Secrets: generated once, into /etc/dda/credentials/ (dda-server.service's
    # LoadCredential=), on a host that has neither server.env nor that directory. An existing
    # server.env or credential is never touched.
    local env_rel=/etc/dda/server.env cred_rel=/etc/dda/credentials generated=no api_key="" reg_token=""
    install -d -m 0755 "$root/etc/dda"
    if [ ! -e "$root$env_rel" ] && [ ! -e "$root$cred_rel" ]; then
        api_key="$(secret)" reg_token="$(secret)"
        local jwt
        jwt="$(secret)"
        install -d -m 0700 "$root$cred_rel"
        write_secret "$cred_rel/api_keys" "$api_key"
        write_secret "$cred_rel/registration_token" "$reg_token"
        write_secret "$cred_rel/jwt_secret" "$jwt"
        generated=yes
        say "generated $cred_rel/api_keys, registration_token and jwt_secret (mode 0600)"
    fi
    if [ ! -e "$root$env_rel" ]; then
        local tmp
        tmp="$(mktemp "$root/etc/dda/.server.env.XXXXXX")"
        chmod 0640 "$tmp"
        cat "$src/deploy/examples/server.env" > "$tmp"
        mv "$tmp" "$root$env_rel"
        say "installed $env_rel (mode 0640; the secrets are in $cred_rel/)"
    elif [ ! -e "$root$cred_rel" ] && grep -q '^DDA_API_KEYS=.' "$root$env_rel"; then
        say "note: $env_rel holds the secrets (an older install; they keep working). To keep them out" \
            "of dda-server's environment, move them to $cred_rel/ (README, \"Deploying\" → \"Secrets\")."
    fi
    record secrets "$env_rel" "$(sha "$root$env_rel")" 0640
    local name
    for name in api_keys registration_token jwt_secret database_url; do
        [ ! -f "$root$cred_rel/$name" ] || record secrets "$cred_rel/$name" "$(sha "$root$cred_rel/$name")" 0600
    done

    # runner.toml: from the example, with this server's registration token when it was
    # generated just now. Readable by the runners' group only.
    local runner_rel=/etc/dda/runner.toml
    if [ ! -e "$root$runner_rel" ] && [ "$generated" = yes ]; then
        local tmp
        tmp="$(mktemp)"
        sed -e "s|^registration_token = \".*\"|registration_token = \"$reg_token\"|" \
            "$src/deploy/examples/runner.toml" > "$tmp"
        put config "$tmp" "$runner_rel" 0640 "${runner_group:+root:$runner_group}"
        rm -f "$tmp"
    else
        local last
        last="$(recorded "$runner_rel")"
        if [ -e "$root$runner_rel" ] && [ -n "$last" ]; then
            # Ours from an earlier run: keep it as it is (it carries this host's token).
            if [ "$(sha "$root$runner_rel")" = "$last" ]; then
                record config "$runner_rel" "$last" 0640
            else
                record config-edited "$runner_rel" "$last" 0640
            fi
        elif [ ! -e "$root$runner_rel" ]; then
            put config "$src/deploy/examples/runner.toml" "$runner_rel" 0640 "${runner_group:+root:$runner_group}"
        fi
    fi

    # The manifest: only rewritten when it changed (a second run changes nothing).
    mkdir -p "$(dirname "$manifest")"
    local tmp
    tmp="$(mktemp)"
    printf '%s' "$new_manifest" | sort -k4 > "$tmp"
    if [ -f "$manifest" ] && cmp -s "$tmp" "$manifest"; then
        rm -f "$tmp"
    else
        install -m 0644 "$tmp" "$manifest"
        rm -f "$tmp"
    fi

    if [ "$systemd_live" = yes ]; then systemctl daemon-reload; fi

    # server_tokens is set once per http{} (conf.d/dda-http.conf): another one is an error.
    local other_tokens
    other_tokens="$(grep -lE '^[[:space:]]*server_tokens[[:space:]]' "$root/etc/nginx/nginx.conf" \
        "$root"/etc/nginx/conf.d/*.conf 2>/dev/null | grep -v '/conf.d/dda-http.conf$' || true)"
    if [ -n "$other_tokens" ]; then
        say "note: server_tokens is set in $(echo "$other_tokens" | sed "s|^$root||" | tr '\n' ' ')as well as in" \
            "/etc/nginx/conf.d/dda-http.conf: remove one, or nginx -t reports it as duplicate."
    fi

    if [ "$generated" = yes ]; then
        cat <<MSG

Secrets generated into $cred_rel/ — shown this once (the files keep them, mode 0600):
  API key (WordPress plugin settings, X-API-Key):  $api_key
  Registration token (runner.toml):                $reg_token
MSG
    fi
    cat <<MSG

Installed into ${root:-/}. Nothing is enabled yet; next (deploy/README.md, "Deploying"):
  systemctl enable --now dda-server.socket dda-server.service
    (or several servers on one PostgreSQL database: dda-server@1.socket dda-server@2.socket,
    README "Scaling out")
  edit /etc/nginx/sites-available/dda.conf (server_name, certificate), link it into
  sites-enabled, nginx -t && systemctl reload nginx
MSG
    if [ -n "$pool_user" ]; then
        cat <<MSG
  WordPress's PHP as $pool_user: copy $pool_rel to
  /etc/php/<version>/fpm/pool.d/wordpress.conf and point the WordPress site's fastcgi_pass at
  its socket (README, "WordPress's PHP and the DDA socket")
MSG
    fi
}

do_uninstall() {
    if [ ! -f "$manifest" ]; then
        say "Nothing to uninstall: $manifest_rel not found under ${root:-/}."
        return 0
    fi
    if [ "$systemd_live" = yes ]; then
        # Some of these units may never have been enabled or may be gone already: not an error.
        systemctl disable --now dda-runner-once.timer dda-runner.service dda-server.service \
            dda-server.socket 2>/dev/null || true
        # Instances of dda-server@.socket/.service: stopped by pattern (loaded units), disabled
        # by the names of their links (disable takes no patterns).
        local instances=()
        mapfile -t instances < <(find /etc/systemd/system -path '*.wants/dda-server@?*' -printf '%f\n' 2>/dev/null | sort -u)
        systemctl stop 'dda-server@*.service' 'dda-server@*.socket' 2>/dev/null || true
        [ ${#instances[@]} -eq 0 ] || systemctl disable "${instances[@]}" 2>/dev/null || true
    fi
    local sum perm kind rel dest kept=""
    while read -r sum perm kind rel; do
        dest="$root$rel"
        [ -e "$dest" ] || continue
        case "$kind" in
            program) rm -f "$dest"; say "removed $rel" ;;
            config|config-edited|secrets)
                if [ "$purge" = yes ]; then
                    rm -f "$dest"; say "removed $rel"
                elif [ "$kind" = secrets ]; then
                    say "kept $rel (the secrets; --uninstall --purge removes it)"
                    kept+="$sum $perm $kind $rel"$'\n'
                elif [ "$(sha "$dest")" = "$sum" ]; then
                    rm -f "$dest"; say "removed $rel"
                else
                    say "kept $rel (edited; --uninstall --purge removes it)"
                    kept+="$sum $perm $kind $rel"$'\n'
                fi ;;
        esac
    done < "$manifest"
    # What was kept stays listed, so that a later --uninstall --purge finds it.
    if [ -n "$kept" ]; then
        printf '%s' "$kept" > "$manifest"
    else
        rm -f "$manifest"
    fi
    # Our own directories, if empty now (rmdir refuses a non-empty one, which is what we want).
    local d
    for d in /usr/local/share/dda/examples /usr/local/share/dda /usr/local/share/doc/dda /etc/dda/credentials /etc/dda; do
        rmdir "$root$d" 2>/dev/null || true
    done
    if [ "$systemd_live" = yes ]; then systemctl daemon-reload; fi
    if [ "$purge" = yes ] && [ "$live" = yes ]; then
        rm -rf /var/lib/dda-runner /var/log/dda
        if getent passwd dda >/dev/null; then userdel dda && say "removed system user dda"; fi
    fi
    say "Uninstalled from ${root:-/}. Remove the sites-enabled link yourself if you made one."
}

if [ "$mode" = install ]; then do_install; else do_uninstall; fi
