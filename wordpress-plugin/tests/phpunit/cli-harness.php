<?php
/**
 * Runs a `wp dda …` command in a PHP process of its own, the way WP-CLI would, with the
 * stand-in of wp-cli-stub.php (WP-CLI itself cannot be installed here): loads the test
 * WordPress, dispatches the command to the class the plugin registered and exits with the
 * command's status (1 after WP_CLI::error()). Started by CliTest:
 *
 *     php cli-harness.php [--no-wp-cli] dda task create 100 --porcelain
 *
 * Environment: DDA_TEST_WP_HOST and DDA_TEST_WP_CONFIG (as for PHPUnit). With --no-wp-cli
 * the constant WP_CLI is not defined, and the harness only prints which commands the plugin
 * registered ("registered: none" when it registered none).
 *
 * @package DistributedDataAnalysis
 */

$dda_argv = array_slice( $argv, 1 );
$dda_cli  = true;
if ( isset( $dda_argv[0] ) && '--no-wp-cli' === $dda_argv[0] ) {
	$dda_cli = false;
	array_shift( $dda_argv );
}

$_SERVER['HTTP_HOST']        = getenv( 'DDA_TEST_WP_HOST' );
$_SERVER['WORDPRESS_CONFIG'] = getenv( 'DDA_TEST_WP_CONFIG' );
$_SERVER['SERVER_NAME']      = '127.0.0.1';
$_SERVER['REQUEST_URI']      = '/';

if ( $dda_cli ) {
	define( 'WP_CLI', true );
	require __DIR__ . '/wp-cli-stub.php';
	WP_CLI::$print = true;
}
require '/usr/share/wordpress/wp-load.php';

if ( ! $dda_cli ) {
	echo 'registered: ', class_exists( 'DDA_CLI', false ) ? 'DDA_CLI' : 'none', "\n";
	exit( 0 );
}

// The longest registered command the arguments start with: "dda task" before "dda".
$dda_name = '';
foreach ( array_keys( WP_CLI::$commands ) as $dda_command ) {
	$dda_words = explode( ' ', $dda_command );
	if ( array_slice( $dda_argv, 0, count( $dda_words ) ) === $dda_words && strlen( $dda_command ) > strlen( $dda_name ) ) {
		$dda_name = $dda_command;
	}
}
if ( '' === $dda_name ) {
	fwrite( STDERR, "Error: '" . implode( ' ', $dda_argv ) . "' is not a registered wp command.\n" );
	exit( 1 );
}
$dda_rest       = array_slice( $dda_argv, count( explode( ' ', $dda_name ) ) );
$dda_subcommand = (string) array_shift( $dda_rest );
$dda_method     = 'list' === $dda_subcommand ? 'list_' : str_replace( '-', '_', $dda_subcommand );
$dda_args       = array();
$dda_assoc      = array();
foreach ( $dda_rest as $dda_word ) {
	if ( preg_match( '/^--([^=]+)=(.*)$/s', $dda_word, $dda_m ) ) {
		$dda_assoc[ $dda_m[1] ] = $dda_m[2];
	} elseif ( 0 === strpos( $dda_word, '--' ) ) {
		$dda_assoc[ substr( $dda_word, 2 ) ] = true;
	} else {
		$dda_args[] = $dda_word;
	}
}
$dda_class = WP_CLI::$commands[ $dda_name ];
if ( ! is_string( $dda_class ) || ! method_exists( $dda_class, $dda_method ) ) {
	fwrite( STDERR, "Error: 'wp $dda_name $dda_subcommand' is not a registered subcommand.\n" );
	exit( 1 );
}
try {
	( new $dda_class() )->$dda_method( $dda_args, $dda_assoc );
} catch ( DDA_Test_CLI_Exit $dda_exit ) {
	exit( $dda_exit->getCode() );
}
exit( 0 );
