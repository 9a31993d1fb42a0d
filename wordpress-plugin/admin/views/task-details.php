<?php
/**
 * A task's details: status, result, error, parameters and event log. Used in the result
 * dialog (through the REST route) and on the page itself without JavaScript.
 * Variables: $vars['task'] (a task object with `events`), $vars['runner_names'] (runner_id
 * => name: runners are shown by name, by id only when the API does not list them).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_task   = is_array( $vars['task'] ?? null ) ? $vars['task'] : array();
$dda_status = (string) ( $dda_task['status'] ?? '' );
$dda_result = $dda_task['result_data'] ?? null;
$dda_error  = $dda_task['error'] ?? null;
$dda_events = is_array( $dda_task['events'] ?? null ) ? $dda_task['events'] : array();
$dda_params = $dda_task['params'] ?? new stdClass();
$dda_dash   = '—';
$dda_names  = (array) ( $vars['runner_names'] ?? array() );
$dda_runner = static function ( $runner_id ) use ( $dda_names, $dda_dash ): string {
	if ( ! is_string( $runner_id ) || '' === $runner_id ) {
		return esc_html( $dda_dash );
	}
	if ( isset( $dda_names[ $runner_id ] ) ) {
		return sprintf( '<span class="dda-runner-label" title="%1$s">%2$s</span>', esc_attr( $runner_id ), esc_html( DDA_Format::runner_label( $runner_id, $dda_names ) ) );
	}
	return '<code title="' . esc_attr__( 'This runner is not registered any more.', 'distributed-data-analysis' ) . '">' . esc_html( $runner_id ) . '</code>';
};
$dda_progress  = DDA_Format::progress( $dda_task );
$dda_scheduled = DDA_Format::scheduled_at( $dda_task );
$dda_finished  = DDA_Format::finished_at( $dda_task );
?>
<div class="dda-details" data-task-id="<?php echo esc_attr( (string) ( $dda_task['task_id'] ?? '' ) ); ?>" data-status="<?php echo esc_attr( $dda_status ); ?>">
	<dl class="dda-details__summary">
		<dt><?php esc_html_e( 'Status', 'distributed-data-analysis' ); ?></dt>
		<dd>
			<span class="dda-badge dda-badge--<?php echo esc_attr( DDA_Format::slug( $dda_status ) ); ?>"><?php echo esc_html( DDA_Format::status_label( $dda_status ) ); ?></span>
			<?php
			if ( null !== $dda_progress ) {
				DDA_Views::load_list_tables();
				echo DDA_Tasks_List_Table::progress_html( $dda_progress, (string) ( $dda_task['task_id'] ?? '' ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped by progress_html().
			}
			?>
		</dd>

		<dt><?php esc_html_e( 'Task id', 'distributed-data-analysis' ); ?></dt>
		<dd><code><?php echo esc_html( (string) ( $dda_task['task_id'] ?? '' ) ); ?></code></dd>

		<dt><?php esc_html_e( 'Operation', 'distributed-data-analysis' ); ?></dt>
		<dd><?php echo esc_html( DDA_Format::operation_label( $dda_task['operation_code'] ?? '' ) ); ?></dd>

		<dt><?php esc_html_e( 'Attempts', 'distributed-data-analysis' ); ?></dt>
		<dd>
			<?php
			/* translators: 1: attempts made, 2: maximum attempts. */
			echo esc_html( sprintf( __( '%1$d of %2$d', 'distributed-data-analysis' ), (int) ( $dda_task['attempts'] ?? 0 ), (int) ( $dda_task['max_attempts'] ?? 0 ) ) );
			?>
		</dd>

		<dt><?php esc_html_e( 'Priority', 'distributed-data-analysis' ); ?></dt>
		<dd><?php echo esc_html( (string) (int) ( $dda_task['priority'] ?? 0 ) ); ?></dd>

		<dt><?php esc_html_e( 'Runner', 'distributed-data-analysis' ); ?></dt>
		<dd><?php echo $dda_runner( $dda_task['runner_id'] ?? null ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in $dda_runner. ?></dd>

		<dt><?php esc_html_e( 'Created', 'distributed-data-analysis' ); ?></dt>
		<dd><?php echo esc_html( DDA_Format::datetime( $dda_task['created_at'] ?? null ) ); ?></dd>

		<?php if ( null !== $dda_scheduled ) : ?>
			<dt><?php esc_html_e( 'Runs at', 'distributed-data-analysis' ); ?></dt>
			<dd class="dda-details__run-at">
				<?php
				/* translators: 1: a date and time, 2: a time zone such as Europe/Berlin. */
				echo esc_html( sprintf( __( '%1$s (%2$s)', 'distributed-data-analysis' ), DDA_Format::datetime( $dda_scheduled ), DDA_Format::timezone_label() ) );
				?>
			</dd>
		<?php endif; ?>

		<dt><?php esc_html_e( 'Started', 'distributed-data-analysis' ); ?></dt>
		<dd><?php echo esc_html( DDA_Format::datetime( $dda_task['started_at'] ?? null ) ?: $dda_dash ); ?></dd>

		<?php if ( null !== $dda_finished || ! in_array( $dda_status, array( 'cancelled' ), true ) ) : ?>
			<dt><?php esc_html_e( 'Finished', 'distributed-data-analysis' ); ?></dt>
			<dd class="dda-details__finished"><?php echo esc_html( DDA_Format::datetime( $dda_finished ) ?: $dda_dash ); ?></dd>
		<?php else : ?>
			<dt><?php esc_html_e( 'Cancelled', 'distributed-data-analysis' ); ?></dt>
			<dd class="dda-details__cancelled">
				<?php
				/* translators: %s: a date and time. */
				echo esc_html( sprintf( __( '%s, before it started', 'distributed-data-analysis' ), DDA_Format::datetime( $dda_task['completed_at'] ?? null ) ?: $dda_dash ) );
				?>
			</dd>
		<?php endif; ?>
	</dl>

	<h3><?php esc_html_e( 'Result', 'distributed-data-analysis' ); ?></h3>
	<?php if ( null === $dda_result ) : ?>
		<p class="dda-details__none">
			<?php
			echo in_array( $dda_status, array( 'pending', 'running' ), true )
				? esc_html__( 'No result yet: the task has not finished.', 'distributed-data-analysis' )
				: esc_html__( 'No result.', 'distributed-data-analysis' );
			?>
		</p>
	<?php else : ?>
		<pre class="dda-details__result" tabindex="0"><?php echo esc_html( DDA_Format::json_or_text( $dda_result ) ); ?></pre>
	<?php endif; ?>

	<?php if ( is_string( $dda_error ) && '' !== $dda_error ) : ?>
		<h3><?php esc_html_e( 'Error', 'distributed-data-analysis' ); ?></h3>
		<pre class="dda-details__error" tabindex="0"><?php echo esc_html( $dda_error ); ?></pre>
	<?php endif; ?>

	<h3><?php esc_html_e( 'Parameters', 'distributed-data-analysis' ); ?></h3>
	<pre class="dda-details__params" tabindex="0"><?php echo esc_html( DDA_Format::json_or_text( empty( $dda_params ) ? new stdClass() : $dda_params ) ); ?></pre>

	<h3><?php esc_html_e( 'Event log', 'distributed-data-analysis' ); ?></h3>
	<table class="widefat striped dda-details__events">
		<thead>
			<tr>
				<th scope="col"><?php esc_html_e( 'Time', 'distributed-data-analysis' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Event', 'distributed-data-analysis' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Runner', 'distributed-data-analysis' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Detail', 'distributed-data-analysis' ); ?></th>
			</tr>
		</thead>
		<tbody>
			<?php if ( ! $dda_events ) : ?>
				<tr><td colspan="4"><?php esc_html_e( 'No events.', 'distributed-data-analysis' ); ?></td></tr>
			<?php endif; ?>
			<?php foreach ( $dda_events as $dda_event ) : ?>
				<?php
				if ( ! is_array( $dda_event ) ) {
					continue;
				}
				?>
				<tr>
					<td><time datetime="<?php echo esc_attr( (string) ( $dda_event['at'] ?? '' ) ); ?>"><?php echo esc_html( DDA_Format::datetime( $dda_event['at'] ?? null ) ); ?></time></td>
					<td><?php echo esc_html( DDA_Format::event_label( $dda_event['event'] ?? '' ) ); ?></td>
					<td><?php echo $dda_runner( $dda_event['runner_id'] ?? null ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped in $dda_runner. ?></td>
					<td><?php echo esc_html( (string) ( $dda_event['detail'] ?? '' ) ); ?></td>
				</tr>
			<?php endforeach; ?>
		</tbody>
	</table>
</div>
