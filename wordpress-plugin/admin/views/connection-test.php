<?php
/**
 * The Test connection button and its result area (the JavaScript fills it).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}
?>
<h2><?php esc_html_e( 'Connection', 'distributed-data-analysis' ); ?></h2>
<p id="dda-test-help"><?php esc_html_e( 'Checks the saved settings: that the API server answers, that it is DDA, and that it accepts the API key. Save changes first.', 'distributed-data-analysis' ); ?></p>
<p>
	<button type="button" class="button button-secondary hide-if-no-js" id="dda-test-connection" aria-describedby="dda-test-help"><?php esc_html_e( 'Test connection', 'distributed-data-analysis' ); ?></button>
	<span class="spinner dda-test-spinner" aria-hidden="true"></span>
</p>
<div id="dda-connection-result" class="dda-connection-result" role="status" aria-live="polite"></div>
