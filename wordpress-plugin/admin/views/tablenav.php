<?php
/**
 * The bar above a table: when it was last updated and a refresh button.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}
?>
<div class="tablenav top dda-tablenav">
	<div class="alignright dda-refresh">
		<span class="dda-updated" id="dda-updated"><?php
			/* translators: %s: a time of day such as 14:03:27. */
			echo esc_html( sprintf( __( 'Updated %s', 'distributed-data-analysis' ), wp_date( 'H:i:s' ) ) );
		?></span>
		<span class="spinner dda-spinner" aria-hidden="true"></span>
		<button type="button" class="button hide-if-no-js" id="dda-refresh-now"><?php esc_html_e( 'Refresh', 'distributed-data-analysis' ); ?></button>
	</div>
	<br class="clear" />
</div>
