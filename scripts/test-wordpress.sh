#!/usr/bin/env bash
# The WordPress plugin's tests (run by `make test`): brings up a throwaway WordPress (fresh
# MariaDB database) with the plugin, and a DDA stack (dda-server + one dda-runner) with
# generated credentials on free loopback ports; runs PHPUnit 9.6 in that WordPress
# (wordpress-plugin/tests/phpunit) and the selenium browser test (wordpress-plugin/tests/e2e,
# headless Chromium); checks the PHP error log for anything from the plugin; stops every
# process it started and ends with `N passed, M failed` (`, K skipped` when a test was skipped;
# its reason is printed). Exit status 0 only if none failed.
# Screenshots: .run/screenshots/{settings,tasks,modal,file,form,overview,dashboard,runners,server-down}.png,
# and failed-NN.png of the page step NN failed on.
#
# Environment: DDA_SERVER_BIN / DDA_RUNNER_BIN (default: the newer of .build/release and
# .build/debug).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/wordpress-env.sh
. "$here/scripts/wordpress-env.sh"

wp_install_packages
wp_env_init dda-wptest
on_exit() {
    local status=$?
    trap - EXIT INT TERM
    # On any failure (a test's or the script's own) the ends of the logs, before the
    # throwaway directory goes: what WordPress was asked last and what it answered.
    if [ "$status" -ne 0 ] && [ -n "${RUN:-}" ] && [ -d "$RUN" ]; then
        for log in stack.log php-error.log nginx/error.log nginx/access.log install.log; do
            [ -s "$RUN/$log" ] || continue
            echo "--- $log (last 30 lines) ---" >&2
            # awk, not grep -v: a log of nothing but deprecations is no failure here.
            awk '!/PHP Deprecated/' "$RUN/$log" | tail -n 30 >&2
        done
    fi
    wp_env_cleanup
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DDA_API_KEY="$(wp_secret)$(wp_secret)"
DDA_REG_TOKEN="$(wp_secret)$(wp_secret)"
DDA_JWT="$(wp_secret)$(wp_secret)"
DDA_RUNNERS=1
WP_PORT="$(wp_free_port)"
DDA_PORT="$(wp_free_port)"
[ "$WP_PORT" != "$DDA_PORT" ] || DDA_PORT="$(wp_free_port)"

echo "test-wordpress: starting the DDA stack, MariaDB, php-fpm and nginx (files in $RUN)"
wp_start_dda_stack
wp_start_mariadb
wp_start_php_fpm
wp_install_plugin_files copy   # a copy: the checkout may not be readable by www-data
wp_write_config
wp_start_nginx
wp_install_site "http://127.0.0.1:$DDA_PORT" "$DDA_API_KEY"
echo "test-wordpress: WordPress on http://127.0.0.1:$WP_PORT, DDA API on http://127.0.0.1:$DDA_PORT"

passed=0
failed=0
skipped=0

# --- PHPUnit in the live WordPress ---------------------------------------------------------
echo "test-wordpress: PHPUnit"
phpunit_status=0
DDA_TEST_WP_HOST="127.0.0.1:$WP_PORT" DDA_TEST_WP_CONFIG="$WP_CONFIG_NAME" \
    DDA_TEST_API_URL="http://127.0.0.1:$DDA_PORT" DDA_TEST_API_KEY="$DDA_API_KEY" \
    timeout 600 phpunit -c "$REPO/wordpress-plugin/tests/phpunit/phpunit.xml.dist" \
    --log-junit "$RUN/phpunit.xml" 2> >(grep -v 'PHP Deprecated' >&2) || phpunit_status=$?
if [ -s "$RUN/phpunit.xml" ]; then
    read -r p_tests p_bad p_skipped < <("$WP_PYTHON" - "$RUN/phpunit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
tests = int(suite.get("tests", 0))
bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0)) + int(suite.get("warnings", 0) or 0)
print(tests, bad, int(suite.get("skipped", 0) or 0))
PY
)
    # A skipped test (its reason is printed above, e.g. CliTest's real wp-cli test where
    # wp-cli cannot be installed) is counted as skipped, not as passed.
    passed=$((passed + p_tests - p_bad - p_skipped))
    failed=$((failed + p_bad))
    skipped=$((skipped + p_skipped))
    if [ "$phpunit_status" -ne 0 ] && [ "$p_bad" -eq 0 ]; then failed=$((failed + 1)); fi
else
    echo "test-wordpress: PHPUnit produced no results (exit $phpunit_status)" >&2
    failed=$((failed + 1))
fi

# --- Browser end to end --------------------------------------------------------------------
echo "test-wordpress: browser end to end (headless Chromium)"
shots="$REPO/.run/screenshots"
mkdir -p "$REPO/.run"
chmod 700 "$REPO/.run"
rm -rf "$shots"
mkdir -p "$shots"
e2e_status=0
DDA_E2E_BASE_URL="http://127.0.0.1:$WP_PORT" DDA_E2E_USER="$WP_ADMIN_USER" DDA_E2E_PASSWORD="$WP_ADMIN_PASSWORD" \
    DDA_E2E_API_URL="http://127.0.0.1:$DDA_PORT" DDA_E2E_API_KEY="$DDA_API_KEY" DDA_E2E_SCREENSHOTS="$shots" \
    DDA_E2E_REG_TOKEN="$DDA_REG_TOKEN" \
    timeout 600 "$WP_PYTHON" "$REPO/wordpress-plugin/tests/e2e/test_admin_e2e.py" 2>&1 | tee "$RUN/e2e.log" \
    || e2e_status=$?
e2e_line="$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$RUN/e2e.log" | tail -n 1 || true)"
if [ -n "$e2e_line" ]; then
    e_pass="$(echo "$e2e_line" | sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\1/')"
    e_fail="$(echo "$e2e_line" | sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\2/')"
    passed=$((passed + e_pass))
    failed=$((failed + e_fail))
    if [ "$e2e_status" -ne 0 ] && [ "$e_fail" -eq 0 ]; then failed=$((failed + 1)); fi
else
    echo "test-wordpress: the browser test did not finish (exit $e2e_status)" >&2
    failed=$((failed + 1))
fi
for shot in settings tasks modal file form overview dashboard runners server-down; do
    [ -s "$shots/$shot.png" ] && echo "test-wordpress: screenshot $shots/$shot.png"
done
for shot in "$shots"/failed-*.png; do   # the page a step failed on
    [ -s "$shot" ] && echo "test-wordpress: screenshot of a failure $shot"
done

# --- No PHP errors, warnings or notices from the plugin ------------------------------------
plugin_lines="$(grep -F "/plugins/$PLUGIN_SLUG/" "$RUN/php-error.log" 2>/dev/null || true)"
if [ -z "$plugin_lines" ]; then
    echo "ok     the PHP error log has nothing from the plugin"
    passed=$((passed + 1))
else
    echo "FAILED the PHP error log has lines from the plugin:" >&2
    echo "$plugin_lines" | head -n 20 >&2
    failed=$((failed + 1))
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
