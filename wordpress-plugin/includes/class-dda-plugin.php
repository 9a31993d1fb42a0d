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
		DDA_Settings::hooks();
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
	 * On multisite (network activation or not) the settings are one network option, which
	 * no site autoloads, so no site needs an option of its own.
	 * The plugin schedules no events, so deactivation has nothing to clear.
	 *
	 * @param bool $network_wide Whether the plugin is activated for the whole network (the
	 *                           same either way: a multisite keeps one network option).
	 */
	public static function activate( $network_wide = false ): void {
		if ( DDA_Settings::network_mode() ) {
			$stored = get_site_option( DDA_Settings::NETWORK_OPTION, null );
			if ( null === $stored ) {
				add_site_option( DDA_Settings::NETWORK_OPTION, DDA_Settings::defaults() );
			} elseif ( is_array( $stored ) ) {
				update_site_option( DDA_Settings::NETWORK_OPTION, array_merge( DDA_Settings::defaults(), $stored ) );
			}
			return;
		}
		$stored = get_option( DDA_Settings::OPTION, null );
		if ( null === $stored ) {
			add_option( DDA_Settings::OPTION, DDA_Settings::defaults(), '', 'no' );
		} elseif ( is_array( $stored ) ) {
			update_option( DDA_Settings::OPTION, array_merge( DDA_Settings::defaults(), $stored ), false );
		}
		// Also for an option an earlier version (or other code) stored as autoloaded: an
		// update that changes nothing does not touch the autoload flag.
		DDA_Settings::ensure_not_autoloaded();
	}
}
