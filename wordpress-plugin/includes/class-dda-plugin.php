<?php
/**
 * Bootstrap: wires the plugin's classes to WordPress hooks.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Plugin lifecycle and hook registration. Nothing here runs on the front end of the site:
 * admin screens load only in wp-admin, REST routes only on REST requests.
 */
final class DDA_Plugin {

	/**
	 * Registers the hooks. Called once from the main plugin file.
	 */
	public static function boot(): void {
		add_action( 'rest_api_init', array( __CLASS__, 'load_textdomain' ), 5 );
		add_action( 'rest_api_init', array( 'DDA_REST_Controller', 'register_routes' ) );

		if ( is_admin() ) {
			add_action( 'init', array( __CLASS__, 'load_textdomain' ) );
			DDA_Admin::init();
		}
	}

	/**
	 * Loads the translations from languages/.
	 */
	public static function load_textdomain(): void {
		load_plugin_textdomain( 'distributed-data-analysis', false, dirname( plugin_basename( DDA_PLUGIN_FILE ) ) . '/languages' );
	}

	/**
	 * Activation: writes the default settings (not autoloaded: the API key is only needed
	 * in wp-admin and REST requests) and fills in defaults a newer version added.
	 * The plugin schedules no events, so deactivation has nothing to clear.
	 */
	public static function activate(): void {
		$stored = get_option( DDA_Settings::OPTION, null );
		if ( null === $stored ) {
			add_option( DDA_Settings::OPTION, DDA_Settings::defaults(), '', 'no' );
			return;
		}
		if ( is_array( $stored ) ) {
			update_option( DDA_Settings::OPTION, array_merge( DDA_Settings::defaults(), $stored ) );
		}
	}
}
