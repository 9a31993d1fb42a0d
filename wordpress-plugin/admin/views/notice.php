<?php
/**
 * One admin notice. Variables: $vars['type'] (success|error|warning|info), $vars['message'],
 * optional $vars['link'] (a settings link).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_type = in_array( $vars['type'] ?? '', array( 'success', 'error', 'warning', 'info' ), true ) ? $vars['type'] : 'info';
?>
<div class="notice notice-<?php echo esc_attr( $dda_type ); ?> dda-notice">
	<p>
		<?php echo esc_html( (string) ( $vars['message'] ?? '' ) ); ?>
		<?php if ( ! empty( $vars['link'] ) ) : ?>
			<a href="<?php echo esc_url( $vars['link'] ); ?>"><?php esc_html_e( 'Open the settings', 'distributed-data-analysis' ); ?></a>
		<?php endif; ?>
	</p>
</div>
