<?php
/**
 * The paging links of the task table: Newest, Newer, Older (the API pages with a `before`
 * cursor, so there are no page numbers to jump to). Variables: $vars['view'], $vars['count']
 * (tasks on this page), $vars['loaded'] (false when the API could not be asked: then the line
 * says so instead of "0 tasks"), $vars['has_older'], $vars['older'] (the cursor of the older page).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_view  = DDA_Admin::normalize_view( (array) ( $vars['view'] ?? array() ) );
$dda_count = (int) ( $vars['count'] ?? 0 );
$dda_older = (string) ( $vars['older'] ?? '' );
$dda_first = '' === $dda_view['before'];
$dda_page  = $dda_first ? 1 : count( $dda_view['newer'] ) + 2;
$dda_links = array();
if ( ! $dda_first ) {
	$dda_newer_view           = $dda_view;
	$dda_newer_view['before'] = (string) ( end( $dda_view['newer'] ) ?: '' );
	$dda_newer_view['newer']  = array_slice( $dda_view['newer'], 0, -1 );
	$dda_links['newest']      = DDA_Admin::tasks_url( DDA_Admin::view_args( $dda_view, false ) );
	$dda_links['newer']       = DDA_Admin::tasks_url( DDA_Admin::view_args( $dda_newer_view ) );
}
if ( ! empty( $vars['has_older'] ) && '' !== $dda_older ) {
	$dda_older_view           = $dda_view;
	$dda_older_view['newer']  = $dda_first ? array() : array_merge( $dda_view['newer'], array( $dda_view['before'] ) );
	$dda_older_view['before'] = $dda_older;
	$dda_links['older']       = DDA_Admin::tasks_url( DDA_Admin::view_args( $dda_older_view ) );
}
$dda_labels = array(
	'newest' => array( '«', __( 'Newest', 'distributed-data-analysis' ), 'first-page' ),
	'newer'  => array( '‹', __( 'Newer', 'distributed-data-analysis' ), 'prev-page' ),
	'older'  => array( '›', __( 'Older', 'distributed-data-analysis' ), 'next-page' ),
);
?>
<div class="tablenav-pages dda-pagination" data-dda-page="<?php echo esc_attr( (string) $dda_page ); ?>">
	<span class="displaying-num">
		<?php
		if ( false === ( $vars['loaded'] ?? true ) ) {
			echo esc_html(
				sprintf(
					/* translators: %s: page number. */
					__( 'Page %s: not loaded', 'distributed-data-analysis' ),
					number_format_i18n( $dda_page )
				)
			);
		} else {
			echo esc_html(
				sprintf(
					/* translators: 1: page number, 2: number of tasks on the page. */
					_n( 'Page %1$s: %2$s task', 'Page %1$s: %2$s tasks', $dda_count, 'distributed-data-analysis' ),
					number_format_i18n( $dda_page ),
					number_format_i18n( $dda_count )
				)
			);
		}
		?>
	</span>
	<span class="pagination-links">
		<?php foreach ( $dda_labels as $dda_key => $dda_label ) : ?>
			<?php if ( isset( $dda_links[ $dda_key ] ) ) : ?>
				<a class="<?php echo esc_attr( $dda_label[2] ); ?> button dda-page-<?php echo esc_attr( $dda_key ); ?>" href="<?php echo esc_url( $dda_links[ $dda_key ] ); ?>"><span aria-hidden="true"><?php echo esc_html( 'older' === $dda_key ? '' : $dda_label[0] . ' ' ); ?></span><?php echo esc_html( $dda_label[1] ); ?><span aria-hidden="true"><?php echo esc_html( 'older' === $dda_key ? ' ' . $dda_label[0] : '' ); ?></span></a>
			<?php else : ?>
				<span class="tablenav-pages-navspan button disabled dda-page-<?php echo esc_attr( $dda_key ); ?>" aria-hidden="true"><?php echo esc_html( 'older' === $dda_key ? $dda_label[1] . ' ' . $dda_label[0] : $dda_label[0] . ' ' . $dda_label[1] ); ?></span>
			<?php endif; ?>
		<?php endforeach; ?>
	</span>
</div>
