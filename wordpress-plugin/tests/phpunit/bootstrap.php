<?php
/**
 * Loads the live WordPress that scripts/test-wordpress.sh brought up (no per-test
 * rollback: every run gets a fresh database).
 *
 * Environment: DDA_TEST_WP_HOST (host:port of the site), DDA_TEST_WP_CONFIG (the
 * /etc/wordpress/config-<name>.php to use), DDA_TEST_API_URL, DDA_TEST_API_KEY.
 *
 * @package DistributedDataAnalysis
 */

foreach ( array( 'DDA_TEST_WP_HOST', 'DDA_TEST_WP_CONFIG', 'DDA_TEST_API_URL', 'DDA_TEST_API_KEY' ) as $dda_var ) {
	if ( ! getenv( $dda_var ) ) {
		fwrite( STDERR, "bootstrap: $dda_var is not set; run scripts/test-wordpress.sh\n" );
		exit( 1 );
	}
}

// Debian's wp-config.php picks the site config from these, before anything else runs.
$_SERVER['HTTP_HOST']        = getenv( 'DDA_TEST_WP_HOST' );
$_SERVER['WORDPRESS_CONFIG'] = getenv( 'DDA_TEST_WP_CONFIG' );
$_SERVER['SERVER_NAME']      = '127.0.0.1';
$_SERVER['REQUEST_URI']      = '/wp-admin/admin.php?page=dda-tasks';
$_SERVER['REQUEST_METHOD']   = 'GET';

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/template.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

if ( ! is_plugin_active( 'distributed-data-analysis/distributed-data-analysis.php' ) ) {
	fwrite( STDERR, "bootstrap: the plugin is not active in this WordPress\n" );
	exit( 1 );
}

require __DIR__ . '/class-dda-test-die.php';
require __DIR__ . '/class-dda-test-case.php';
