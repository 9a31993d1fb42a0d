<?php
/**
 * Uninstall: removes everything the plugin stored — its settings option, the sweep's state
 * and WP-Cron event, the `manage_dda` capability and the short-lived notices it keeps per
 * user, on every site of a network, and the network's settings option. Tasks live on the
 * API server and stay there.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) || ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

/**
 * Deletes the plugin's data of the current site: its options, its WP-Cron event and the
 * `manage_dda` capability (from every role, and from users who were given it directly).
 */
function dda_uninstall_site(): void {
	global $wpdb;
	delete_option( 'dda_settings' );
	// The sweep (dda_task_finished) and the roles version.
	foreach ( array( 'dda_sweep_state', 'dda_sweep_lock', 'dda_roles_version', 'dda_last_connection_test' ) as $option ) {
		delete_option( $option );
	}
	wp_clear_scheduled_hook( 'dda_sweep' );
	foreach ( array_keys( wp_roles()->roles ) as $role_name ) {
		$role = get_role( $role_name );
		if ( $role && $role->has_cap( 'manage_dda' ) ) {
			$role->remove_cap( 'manage_dda' );
		}
	}
	$users = get_users(
		array(
			'fields'       => 'ids',
			'meta_key'     => $wpdb->get_blog_prefix() . 'capabilities', // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_key -- once, on uninstall.
			'meta_value'   => '"manage_dda"', // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_value
			'meta_compare' => 'LIKE',
		)
	);
	foreach ( $users as $user_id ) {
		( new WP_User( (int) $user_id ) )->remove_cap( 'manage_dda' );
	}
	// Of the no-JavaScript forms, per user: notices (dda_notice_{user id}) and the upload id
	// of a file upload that failed part-way (dda_file_resume_{user id}); the overview's
	// cached /stats (dda_stats_{hash of the API URL}).
	foreach ( array( 'dda_notice_', 'dda_file_resume_', 'dda_stats_' ) as $prefix ) {
		$names = $wpdb->get_col(
			$wpdb->prepare(
				"SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s",
				$wpdb->esc_like( '_transient_' . $prefix ) . '%'
			)
		);
		foreach ( $names as $name ) {
			delete_transient( substr( $name, strlen( '_transient_' ) ) );
		}
	}
}

/**
 * Deletes the plugin's data of every site and of the network.
 *
 * @param bool $multisite Whether this is a multisite (is_multisite()).
 */
function dda_uninstall( bool $multisite ): void {
	if ( $multisite ) {
		// 'number' => 0: every site. get_sites() returns at most 100 by default, which would
		// leave the settings (with the API key) on the sites after the hundredth.
		$dda_site_ids = get_sites(
			array(
				'number' => 0,
				'fields' => 'ids',
			)
		);
		foreach ( $dda_site_ids as $dda_site_id ) {
			switch_to_blog( (int) $dda_site_id );
			dda_uninstall_site();
			restore_current_blog();
		}
	} else {
		dda_uninstall_site();
	}
	// The network's settings (multisite; on a single site this is an ordinary option).
	delete_site_option( 'dda_network_settings' );
	// Screen Options → tasks per page, of every user (user meta belongs to the network).
	delete_metadata( 'user', 0, 'dda_tasks_per_page', '', true );
}

dda_uninstall( is_multisite() );
