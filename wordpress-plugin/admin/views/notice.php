<?php
/**
 * One admin notice. Variables: $vars['type'] (success|error|warning|info), $vars['message'],
 * optional $vars['link'] (a settings link), $vars['items'] (lines listed under the message,
 * such as the tasks a bulk action could not change), $vars['key'] (admin.js replaces a
 * notice with the same key, such as the list's "refresh" error, instead of adding one).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_type  = in_array( $vars['type'] ?? '', array( 'success', 'error', 'warning', 'info' ), true ) ? $vars['type'] : 'info';
$dda_items = array_filter( (array) ( $vars['items'] ?? array() ), 'is_scalar' );
$dda_key   = isset( $vars['key'] ) && is_string( $vars['key'] ) ? $vars['key'] : '';
?>
<?php if ( '' !== $dda_key ) : ?>
<div class="dda-notice-slot" data-dda-key="<?php echo esc_attr( $dda_key ); ?>">
<?php endif; ?>
<div class="notice notice-<?php echo esc_attr( $dda_type ); ?> dda-notice">
	<p>
		<?php echo esc_html( (string) ( $vars['message'] ?? '' ) ); ?>
		<?php if ( ! empty( $vars['link'] ) ) : ?>
			<a href="<?php echo esc_url( $vars['link'] ); ?>"><?php esc_html_e( 'Open the settings', 'distributed-data-analysis' ); ?></a>
		<?php endif; ?>
	</p>
	<?php if ( $dda_items ) : ?>
		<ul class="dda-notice__items">
			<?php foreach ( $dda_items as $dda_item ) : ?>
				<li><?php echo esc_html( (string) $dda_item ); ?></li>
			<?php endforeach; ?>
		</ul>
	<?php endif; ?>
</div>
<?php if ( '' !== $dda_key ) : ?>
</div>
<?php endif; ?>
