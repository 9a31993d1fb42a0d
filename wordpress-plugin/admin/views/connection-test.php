<?php
/**
 * The Test connection button and its result: the last test's (saving the settings tests
 * them too), with its time, until the next test; the JavaScript replaces it after a test.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_last = DDA_Admin::last_connection_test();
?>
<h2><?php esc_html_e( 'Connection', 'distributed-data-analysis' ); ?></h2>
<p id="dda-test-help"><?php esc_html_e( 'Checks the saved settings: that the API server answers, that it is DDA, and that it accepts the API key. Saving the settings runs this test too.', 'distributed-data-analysis' ); ?></p>
<p>
	<button type="button" class="button button-secondary hide-if-no-js" id="dda-test-connection" aria-describedby="dda-test-help"><?php esc_html_e( 'Test connection', 'distributed-data-analysis' ); ?></button>
	<span class="spinner dda-test-spinner" aria-hidden="true"></span>
</p>
<div id="dda-connection-result" class="dda-connection-result" role="status" aria-live="polite">
	<?php if ( null !== $dda_last ) : ?>
		<div class="notice inline <?php echo $dda_last['ok'] ? 'notice-success' : 'notice-error'; ?>" data-dda-last-test="<?php echo $dda_last['ok'] ? 'success' : 'error'; ?>">
			<p>
				<strong>
					<?php
					echo esc_html(
						sprintf(
							/* translators: %s: a date and time. */
							__( 'Last test, %s:', 'distributed-data-analysis' ),
							DDA_Format::datetime( gmdate( 'c', $dda_last['at'] ) )
						)
					);
					?>
				</strong>
				<?php echo esc_html( $dda_last['message'] ); ?>
			</p>
		</div>
	<?php else : ?>
		<p class="description"><?php esc_html_e( 'Not tested yet.', 'distributed-data-analysis' ); ?></p>
	<?php endif; ?>
</div>
