#!/usr/bin/env bash
# scripts/lint.sh — the coding-standard checks: the Swift sources against .swift-format (lint_swift) and the
# WordPress plugin's PHP against phpcs.xml.dist (lint_php: PSR-12 adapted to WordPress style).
# Runs from any directory; installs php-codesniffer with apt-get when phpcs is missing.
# Exit 0 when everything is clean; phpcs's findings and a non-zero exit otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

# lint_swift: swift-format (shipped with the toolchain) with the repository's .swift-format;
# `make format` rewrites the files the way this check wants them.
lint_swift() {
    local swift="${SWIFT:-swift}"
    if ! "$swift" format lint --strict --recursive --parallel Sources Tests Package.swift; then
        echo "lint: the Swift breaks .swift-format (above; make format fixes it)" >&2
        return 1
    fi
    echo "lint: Sources/, Tests/ and Package.swift pass .swift-format (swift-format $("$swift" format --version))"
}

# lint_php: phpcs with the repository's phpcs.xml.dist (the files it checks are listed there).
lint_php() {
    command -v phpcs >/dev/null 2>&1 || dda_install_missing php-codesniffer
    if ! phpcs --standard=phpcs.xml.dist -q; then
        echo "lint: the PHP breaks phpcs.xml.dist (above; phpcbf --standard=phpcs.xml.dist fixes the [x] ones)" >&2
        return 1
    fi
    echo "lint: wordpress-plugin/ passes phpcs.xml.dist (PHP_CodeSniffer $(phpcs --version | awk '{print $3}'))"
}

# lint_pot: the translation template holds every string of the plugin (scripts/make-pot.sh).
lint_pot() {
    command -v xgettext >/dev/null 2>&1 || dda_install_missing gettext
    "$here/scripts/make-pot.sh" --check
}

lint_swift
lint_php
lint_pot
