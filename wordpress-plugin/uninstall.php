<?php
/**
 * Uninstall: removes everything the plugin stored — its settings option and the
 * short-lived notices it keeps per user, on every site of a network, and the network's
 * settings option. Tasks live on the API server and stay there.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) || ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

/**
 * Deletes the plugin's data of the current site.
 */
function dda_uninstall_site(): void {
	global $wpdb;
	delete_option( 'dda_settings' );
	// Of the no-JavaScript forms, per user: notices (dda_notice_{user id}) and the upload id
	// of a file upload that failed part-way (dda_file_resume_{user id}).
	foreach ( array( 'dda_notice_', 'dda_file_resume_' ) as $prefix ) {
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
}

dda_uninstall( is_multisite() );
