<?php
/**
 * The bar above (and below) a table. For the task table: bulk actions, the operation filter
 * (part of the filter form, by its `form` attribute), the paging links, and above the
 * table when it was last updated and a refresh button. Variables: $vars['which'] (top or
 * bottom), and for the task table $vars['bulk'] (action => label), $vars['view'],
 * $vars['operations'] (code => label), $vars['pagination'] (HTML of the paging links).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_which      = 'bottom' === ( $vars['which'] ?? 'top' ) ? 'bottom' : 'top';
$dda_bulk       = (array) ( $vars['bulk'] ?? array() );
$dda_view       = (array) ( $vars['view'] ?? array() );
$dda_operations = (array) ( $vars['operations'] ?? array() );
$dda_selected   = (int) ( $dda_view['operation'] ?? 0 );
$dda_is_tasks   = ! empty( $dda_bulk );
if ( ! $dda_is_tasks && 'bottom' === $dda_which ) {
	return;
}
if ( $dda_selected > 0 && ! isset( $dda_operations[ $dda_selected ] ) ) {
	// A code that is not in the catalog (no runner declares it now) stays selectable.
	$dda_operations[ $dda_selected ] = DDA_Format::operation_label( $dda_selected );
}
?>
<div class="tablenav <?php echo esc_attr( $dda_which ); ?> dda-tablenav">
	<?php if ( $dda_is_tasks && 'top' === $dda_which ) : ?>
		<div class="alignleft actions bulkactions">
			<label for="bulk-action-selector-top" class="screen-reader-text"><?php esc_html_e( 'Select bulk action', 'distributed-data-analysis' ); ?></label>
			<select name="dda_bulk" id="bulk-action-selector-top">
				<option value=""><?php esc_html_e( 'Bulk actions', 'distributed-data-analysis' ); ?></option>
				<?php foreach ( $dda_bulk as $dda_action => $dda_label ) : ?>
					<option value="<?php echo esc_attr( (string) $dda_action ); ?>"><?php echo esc_html( (string) $dda_label ); ?></option>
				<?php endforeach; ?>
			</select>
			<input type="submit" id="doaction" class="button action" value="<?php esc_attr_e( 'Apply', 'distributed-data-analysis' ); ?>" />
		</div>
		<div class="alignleft actions dda-filter">
			<label for="dda-filter-operation" class="screen-reader-text"><?php esc_html_e( 'Filter by operation', 'distributed-data-analysis' ); ?></label>
			<select name="operation" id="dda-filter-operation" form="dda-filter-form">
				<option value="0"><?php esc_html_e( 'All operations', 'distributed-data-analysis' ); ?></option>
				<?php foreach ( $dda_operations as $dda_code => $dda_label ) : ?>
					<option value="<?php echo esc_attr( (string) $dda_code ); ?>"<?php selected( $dda_selected, (int) $dda_code ); ?>><?php echo esc_html( (string) $dda_label ); ?></option>
				<?php endforeach; ?>
			</select>
			<input type="submit" id="dda-filter-submit" class="button" value="<?php esc_attr_e( 'Filter', 'distributed-data-analysis' ); ?>" form="dda-filter-form" />
		</div>
	<?php endif; ?>
	<?php
	if ( $dda_is_tasks ) {
		echo $vars['pagination']; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- rendered and escaped by admin/views/tasks-pagination.php.
	}
	?>
	<?php if ( 'top' === $dda_which ) : ?>
		<div class="alignright dda-refresh">
			<span class="dda-updated" id="dda-updated">
			<?php
				/* translators: %s: a time of day such as 14:03:27. */
				echo esc_html( sprintf( __( 'Updated %s', 'distributed-data-analysis' ), wp_date( 'H:i:s' ) ) );
			?>
			</span>
			<span class="spinner dda-spinner" aria-hidden="true"></span>
			<button type="button" class="button hide-if-no-js" id="dda-refresh-now"><?php esc_html_e( 'Refresh', 'distributed-data-analysis' ); ?></button>
		</div>
	<?php endif; ?>
	<br class="clear" />
</div>
