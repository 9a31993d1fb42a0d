<?php
/**
 * Uninstall: removes everything the plugin stored — its settings option and the
 * short-lived notices it keeps per user. Tasks live on the API server and stay there.
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
	// Notices of the no-JavaScript forms: transients named dda_notice_{user id}.
	$names = $wpdb->get_col(
		$wpdb->prepare(
			"SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s",
			$wpdb->esc_like( '_transient_dda_notice_' ) . '%'
		)
	);
	foreach ( $names as $name ) {
		delete_transient( substr( $name, strlen( '_transient_' ) ) );
	}
}

if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids' ) ) as $dda_site_id ) {
		switch_to_blog( $dda_site_id );
		dda_uninstall_site();
		restore_current_blog();
	}
} else {
	dda_uninstall_site();
}
