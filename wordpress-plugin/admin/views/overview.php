<?php
/**
 * The queue at a glance (the Overview tab, and the Dashboard widget when compact): pending,
 * running, the oldest pending task's age, runners online, and the chart of tasks created,
 * completed and failed per hour over the last 24 hours with its table.
 * Variables: $vars['stats'] (the answer of /stats, a WP_Error, or null), $vars['compact'].
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_stats   = $vars['stats'] ?? null;
$dda_compact = ! empty( $vars['compact'] );
$dda_id      = $dda_compact ? 'dda-widget-chart' : 'dda-overview-chart';

if ( ! is_array( $dda_stats ) ) :
	if ( $dda_compact ) :
		?>
		<div class="notice notice-error inline dda-overview-error">
			<p>
				<?php echo esc_html( is_wp_error( $dda_stats ) ? $dda_stats->get_error_message() : __( 'The overview is not available.', 'distributed-data-analysis' ) ); ?>
				<?php if ( current_user_can( DDA_Settings::capability() ) ) : ?>
					<a href="<?php echo esc_url( DDA_Admin::settings_url() ); ?>"><?php esc_html_e( 'Open the settings', 'distributed-data-analysis' ); ?></a>
				<?php endif; ?>
			</p>
		</div>
	<?php else : ?>
		<p class="dda-overview-unavailable">
			<?php
			echo esc_html(
				is_wp_error( $dda_stats ) && in_array( $dda_stats->get_error_code(), array( 'dda_not_configured', 'dda_no_key' ), true )
					? __( 'Nothing to show: the plugin is not connected to an API server yet.', 'distributed-data-analysis' )
					: __( 'The overview could not be loaded from the API server (see the error above).', 'distributed-data-analysis' )
			);
			?>
		</p>
		<?php
	endif;
	return;
endif;

$dda_rows   = DDA_Overview::rows( $dda_stats );
$dda_oldest = $dda_stats['oldest_pending_age_seconds'] ?? null;
$dda_series = DDA_Overview::series();
$dda_cards  = array(
	'pending' => array( number_format_i18n( (int) ( $dda_stats['pending'] ?? 0 ) ), __( 'pending', 'distributed-data-analysis' ) ),
	'running' => array( number_format_i18n( (int) ( $dda_stats['running'] ?? 0 ) ), __( 'running', 'distributed-data-analysis' ) ),
	'oldest'  => array(
		is_numeric( $dda_oldest ) ? DDA_Format::duration( (float) $dda_oldest ) : __( 'none', 'distributed-data-analysis' ),
		is_numeric( $dda_oldest ) ? __( 'the oldest pending task has waited', 'distributed-data-analysis' ) : __( 'no task is waiting for a runner', 'distributed-data-analysis' ),
	),
	'runners' => array( number_format_i18n( (int) ( $dda_stats['runners_online'] ?? 0 ) ), _n( 'runner online', 'runners online', (int) ( $dda_stats['runners_online'] ?? 0 ), 'distributed-data-analysis' ) ),
);
$dda_totals = array_fill_keys( array_keys( $dda_series ), 0 );
foreach ( $dda_rows as $dda_row ) {
	foreach ( $dda_totals as $dda_key => $dda_sum ) {
		$dda_totals[ $dda_key ] += $dda_row[ $dda_key ];
	}
}
?>
<div class="dda-overview<?php echo $dda_compact ? ' dda-overview--compact' : ''; ?>" id="<?php echo esc_attr( $dda_id ); ?>-wrap">
	<ul class="dda-stats">
		<?php foreach ( $dda_cards as $dda_key => $dda_card ) : ?>
			<li class="dda-stats__item dda-stats__item--<?php echo esc_attr( $dda_key ); ?>" data-stat="<?php echo esc_attr( $dda_key ); ?>">
				<span class="dda-stats__value"><?php echo esc_html( $dda_card[0] ); ?></span>
				<span class="dda-stats__label"><?php echo esc_html( $dda_card[1] ); ?></span>
			</li>
		<?php endforeach; ?>
	</ul>

	<figure class="dda-chart-figure">
		<?php
		echo DDA_Overview::chart_svg( $dda_stats, $dda_id, $dda_compact ? 420 : 760, $dda_compact ? 240 : 300 ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built and escaped by DDA_Overview::chart_svg().
		?>
		<figcaption class="dda-chart-caption">
			<?php
			echo esc_html(
				sprintf(
					/* translators: 1: a time zone such as Europe/Berlin, 2: a time of day. */
					__( 'Tasks per hour, last 24 hours (hours in %1$s). Numbers as of %2$s; they are kept for up to a minute.', 'distributed-data-analysis' ),
					DDA_Format::timezone_label(),
					wp_date( 'H:i:s', (int) ( $dda_stats['fetched_at'] ?? time() ) )
				)
			);
			?>
		</figcaption>
	</figure>

	<details class="dda-chart-table">
		<summary><?php esc_html_e( 'The numbers as a table', 'distributed-data-analysis' ); ?></summary>
		<table class="widefat striped dda-stats-table" id="<?php echo esc_attr( $dda_id ); ?>-table">
			<caption class="screen-reader-text"><?php esc_html_e( 'Tasks created, completed and failed per hour, last 24 hours, oldest first', 'distributed-data-analysis' ); ?></caption>
			<thead>
				<tr>
					<th scope="col"><?php esc_html_e( 'Hour', 'distributed-data-analysis' ); ?></th>
					<?php foreach ( $dda_series as $dda_one ) : ?>
						<th scope="col" class="num"><?php echo esc_html( $dda_one['label'] ); ?></th>
					<?php endforeach; ?>
				</tr>
			</thead>
			<tbody>
				<?php foreach ( $dda_rows as $dda_row ) : ?>
					<tr>
						<th scope="row">
							<time datetime="<?php echo esc_attr( gmdate( 'c', $dda_row['start'] ) ); ?>">
								<?php
								echo esc_html(
									sprintf(
										/* translators: 1: start of an hour, 2: its end, such as 14:00 and 15:00. */
										__( '%1$s–%2$s', 'distributed-data-analysis' ),
										wp_date( 'H:i', $dda_row['start'] ),
										wp_date( 'H:i', $dda_row['start'] + (int) ( $dda_stats['bucket_seconds'] ?? HOUR_IN_SECONDS ) )
									)
								);
								?>
							</time>
						</th>
						<?php foreach ( $dda_series as $dda_key => $dda_one ) : ?>
							<td class="num" data-series="<?php echo esc_attr( $dda_key ); ?>"><?php echo esc_html( number_format_i18n( $dda_row[ $dda_key ] ) ); ?></td>
						<?php endforeach; ?>
					</tr>
				<?php endforeach; ?>
			</tbody>
			<tfoot>
				<tr>
					<th scope="row"><?php esc_html_e( 'Total', 'distributed-data-analysis' ); ?></th>
					<?php foreach ( $dda_series as $dda_key => $dda_one ) : ?>
						<td class="num" data-total="<?php echo esc_attr( $dda_key ); ?>"><?php echo esc_html( number_format_i18n( $dda_totals[ $dda_key ] ) ); ?></td>
					<?php endforeach; ?>
				</tr>
			</tfoot>
		</table>
	</details>

	<?php if ( $dda_compact ) : ?>
		<p class="dda-overview-links">
			<a href="<?php echo esc_url( DDA_Admin::tasks_url( array( 'tab' => 'overview' ) ) ); ?>"><?php esc_html_e( 'Overview', 'distributed-data-analysis' ); ?></a>
			|
			<a href="<?php echo esc_url( DDA_Admin::tasks_url() ); ?>"><?php esc_html_e( 'Tasks', 'distributed-data-analysis' ); ?></a>
			|
			<a href="<?php echo esc_url( DDA_Admin::tasks_url( array( 'tab' => 'runners' ) ) ); ?>"><?php esc_html_e( 'Runners', 'distributed-data-analysis' ); ?></a>
		</p>
	<?php endif; ?>
</div>
