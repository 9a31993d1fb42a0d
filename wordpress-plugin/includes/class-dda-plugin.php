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
 * admin screens load only in wp-admin, REST routes only on REST requests, the sweep in
 * WP-Cron's own request, the commands in WP-CLI.
 */
final class DDA_Plugin {

	/** The option that says which roles version the site has (grant_capability()). */
	public const ROLES_OPTION = 'dda_roles_version';

	/** 1: administrators get `manage_dda`. */
	public const ROLES_VERSION = 1;

	/**
	 * Registers the hooks. Called once from the main plugin file.
	 */
	public static function boot(): void {
		DDA_Settings::hooks();
		// WP-Cron's request runs the sweep (dda_task_finished); it needs its schedule.
		DDA_Sweep::hooks();
		add_action( 'rest_api_init', array( __CLASS__, 'load_textdomain' ), 5 );
		add_action( 'rest_api_init', array( __CLASS__, 'maybe_grant_capability' ), 1 );
		add_action( 'rest_api_init', array( 'DDA_REST_Controller', 'register_routes' ) );

		if ( is_admin() || wp_doing_cron() ) {
			// For a site that did not run the activation: an update of the plugin (WordPress
			// runs no activation hook then), or a site of a network where it was activated.
			add_action( 'init', array( __CLASS__, 'maybe_grant_capability' ), 1 );
			add_action( 'init', array( 'DDA_Sweep', 'schedule' ) );
		}
		if ( is_admin() ) {
			add_action( 'init', array( __CLASS__, 'load_textdomain' ) );
			DDA_Admin::init();
		}
		if ( defined( 'WP_CLI' ) && WP_CLI ) {
			require_once DDA_PLUGIN_DIR . 'includes/class-dda-cli.php';
			DDA_CLI::register();
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
	 * in wp-admin and REST requests) and fills in defaults a newer version added; grants
	 * `manage_dda` to administrators and schedules the sweep (on every site of the network
	 * when activated network-wide).
	 * On multisite (network activation or not) the settings are one network option, which
	 * no site autoloads, so no site needs an option of its own.
	 *
	 * @param bool $network_wide Whether the plugin is activated for the whole network.
	 */
	public static function activate( $network_wide = false ): void {
		self::activate_settings();
		self::for_each_site( (bool) $network_wide, array( __CLASS__, 'activate_site' ) );
	}

	/**
	 * The settings part of activate().
	 */
	private static function activate_settings(): void {
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

	/**
	 * What activation does on one site: the capability and the sweep's schedule.
	 */
	public static function activate_site(): void {
		self::grant_capability();
		DDA_Sweep::schedule();
	}

	/**
	 * Deactivation: removes the sweep's WP-Cron event (on every site when network-wide).
	 * The capability stays, so that an administrator's choice of roles survives; uninstall
	 * removes it.
	 *
	 * @param bool $network_wide Whether the plugin is deactivated for the whole network.
	 */
	public static function deactivate( $network_wide = false ): void {
		self::for_each_site( (bool) $network_wide, array( 'DDA_Sweep', 'unschedule' ) );
	}

	/**
	 * Runs a callback on every site of the network (network-wide on a multisite), else on
	 * the current site.
	 *
	 * @param bool     $network_wide Network-wide.
	 * @param callable $callback     What to run.
	 */
	private static function for_each_site( bool $network_wide, callable $callback ): void {
		if ( ! $network_wide || ! is_multisite() ) {
			$callback();
			return;
		}
		// 'number' => 0: every site (the default stops at 100).
		$site_ids = get_sites(
			array(
				'number' => 0,
				'fields' => 'ids',
			)
		);
		foreach ( $site_ids as $site_id ) {
			switch_to_blog( (int) $site_id );
			$callback();
			restore_current_blog();
		}
	}

	/**
	 * Gives `manage_dda` (DDA_Admin::CAPABILITY) to the administrator role of the current site
	 * and notes that it did (ROLES_OPTION), so that a site that takes it away again keeps
	 * its choice.
	 */
	public static function grant_capability(): void {
		$role = get_role( 'administrator' );
		if ( $role ) {
			$role->add_cap( DDA_Admin::CAPABILITY );
		}
		// Autoloaded: read on every wp-admin and REST request by maybe_grant_capability().
		update_option( self::ROLES_OPTION, self::ROLES_VERSION, true );
		// The current user's capabilities were read from the roles before.
		$user = wp_get_current_user();
		if ( $user->exists() ) {
			$user->get_role_caps();
		}
	}

	/**
	 * `init` (wp-admin, WP-Cron) and `rest_api_init`: grant_capability() on a site where the
	 * plugin has not granted it yet (a site the activation did not run on, an update from a
	 * version before `manage_dda`).
	 */
	public static function maybe_grant_capability(): void {
		if ( (int) get_option( self::ROLES_OPTION, 0 ) < self::ROLES_VERSION ) {
			self::grant_capability();
		}
	}
}
