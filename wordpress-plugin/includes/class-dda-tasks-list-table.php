<?php
/**
 * The task table in the wp-admin list-table look.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Lists tasks from `GET /tasks/all`. The data is fetched by the caller (page load or REST
 * refresh) and handed in with set_data(); the table only renders. Row actions are links
 * with nonces that work without JavaScript (processed on `load-{$hook}`); admin.js runs
 * them through the REST routes instead.
 */
class DDA_Tasks_List_Table extends WP_List_Table {

	/**
	 * Runner names by id.
	 *
	 * @var array<string, string>
	 */
	private array $runner_names = array();

	/**
	 * The status filter in use ('' = all).
	 *
	 * @var string
	 */
	private string $status = '';

	/**
	 * @param string $screen The screen id the table belongs to.
	 */
	public function __construct( string $screen ) {
		parent::__construct(
			array(
				'singular' => 'dda-task',
				'plural'   => 'dda-tasks',
				'ajax'     => false,
				'screen'   => $screen,
			)
		);
	}

	/**
	 * Hands in the rows to show.
	 *
	 * @param array  $tasks        Task objects.
	 * @param array  $runner_names runner_id => name.
	 * @param string $status       The status filter in use.
	 */
	public function set_data( array $tasks, array $runner_names, string $status ): void {
		$this->items        = array_values( array_filter( $tasks, 'is_array' ) );
		$this->runner_names = $runner_names;
		$this->status       = $status;
		$this->_column_headers = array( $this->get_columns(), array(), array(), 'task_id' );
	}

	/**
	 * Data is handed in by set_data().
	 */
	public function prepare_items() {
	}

	/**
	 * @return array<string, string>
	 */
	public function get_columns() {
		return array(
			'task_id'   => __( 'Task', 'distributed-data-analysis' ),
			'operation' => __( 'Operation', 'distributed-data-analysis' ),
			'status'    => __( 'Status', 'distributed-data-analysis' ),
			'runner'    => __( 'Runner', 'distributed-data-analysis' ),
			'attempts'  => __( 'Attempts', 'distributed-data-analysis' ),
			'created'   => __( 'Created', 'distributed-data-analysis' ),
			'finished'  => __( 'Finished', 'distributed-data-analysis' ),
		);
	}

	/**
	 * @return string
	 */
	protected function get_primary_column_name() {
		return 'task_id';
	}

	/**
	 * Status filter links: All | Pending | Running | Completed | Failed | Cancelled.
	 *
	 * @return array<string, string>
	 */
	protected function get_views() {
		$views = array();
		$all   = array_merge( array( '' ), DDA_Format::STATUSES );
		foreach ( $all as $status ) {
			$url   = DDA_Admin::tasks_url( '' === $status ? array() : array( 'status' => $status ) );
			$label = '' === $status ? __( 'All', 'distributed-data-analysis' ) : DDA_Format::status_label( $status );
			$views[ '' === $status ? 'all' : $status ] = sprintf(
				'<a href="%1$s"%2$s data-dda-status="%3$s">%4$s</a>',
				esc_url( $url ),
				$status === $this->status ? ' class="current" aria-current="page"' : '',
				esc_attr( $status ),
				esc_html( $label )
			);
		}
		return $views;
	}

	/**
	 * The message when there are no rows.
	 */
	public function no_items() {
		if ( '' === $this->status ) {
			esc_html_e( 'No tasks yet. Create one with the form above.', 'distributed-data-analysis' );
		} else {
			/* translators: %s: a task status such as "Pending". */
			echo esc_html( sprintf( __( 'No tasks with status “%s”.', 'distributed-data-analysis' ), DDA_Format::status_label( $this->status ) ) );
		}
	}

	/**
	 * One row, with the task id on the `<tr>` for the JavaScript.
	 *
	 * @param array $item A task.
	 */
	public function single_row( $item ) {
		$id     = self::task_id( $item );
		$status = (string) ( $item['status'] ?? '' );
		if ( '' === $id ) {
			// Not a task id the API issues: no id for the JavaScript to build a path from.
			printf( '<tr class="dda-task-invalid-id" data-status="%s">', esc_attr( $status ) );
		} else {
			printf(
				'<tr id="dda-task-%1$s" data-task-id="%1$s" data-status="%2$s">',
				esc_attr( $id ),
				esc_attr( $status )
			);
		}
		$this->single_row_columns( $item );
		echo '</tr>';
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_task_id( $item ) {
		$id = self::task_id( $item );
		if ( '' === $id ) {
			return '<strong><code>' . esc_html( DDA_Format::short_id( is_scalar( $item['task_id'] ?? null ) ? (string) $item['task_id'] : '' ) ) . '</code></strong>';
		}
		return sprintf(
			'<strong><a class="row-title dda-view-result" href="%1$s" data-task-id="%2$s" title="%2$s" aria-haspopup="dialog"><code>%3$s</code></a></strong><span class="screen-reader-text"> %2$s</span>',
			esc_url( DDA_Admin::tasks_url( array( 'task' => $id ) ) ),
			esc_attr( $id ),
			esc_html( DDA_Format::short_id( $id ) )
		);
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_operation( $item ) {
		return esc_html( DDA_Format::operation_label( $item['operation_code'] ?? '' ) );
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_status( $item ) {
		$status = (string) ( $item['status'] ?? '' );
		return sprintf(
			'<span class="dda-badge dda-badge--%1$s" data-status="%2$s">%3$s</span>',
			esc_attr( DDA_Format::slug( $status ) ),
			esc_attr( $status ),
			esc_html( DDA_Format::status_label( $status ) )
		);
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_runner( $item ) {
		$runner = $item['runner_id'] ?? null;
		if ( ! is_string( $runner ) || '' === $runner ) {
			return '<span aria-hidden="true">—</span><span class="screen-reader-text">' . esc_html__( 'none', 'distributed-data-analysis' ) . '</span>';
		}
		$name = $this->runner_names[ $runner ] ?? DDA_Format::short_id( $runner );
		return sprintf( '<span title="%1$s">%2$s</span>', esc_attr( $runner ), esc_html( $name ) );
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_attempts( $item ) {
		return esc_html(
			sprintf(
				/* translators: 1: attempts made, 2: maximum attempts. */
				__( '%1$d of %2$d', 'distributed-data-analysis' ),
				(int) ( $item['attempts'] ?? 0 ),
				(int) ( $item['max_attempts'] ?? 0 )
			)
		);
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_created( $item ) {
		return $this->time_html( $item['created_at'] ?? null );
	}

	/**
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_finished( $item ) {
		return $this->time_html( $item['completed_at'] ?? null );
	}

	/**
	 * @param array  $item        A task.
	 * @param string $column_name Column key.
	 * @return string
	 */
	protected function column_default( $item, $column_name ) {
		return '';
	}

	/**
	 * Row actions under the task id: View result, Cancel (pending, running), Retry (failed, cancelled).
	 *
	 * @param array  $item        A task.
	 * @param string $column_name Column key.
	 * @param string $primary     Primary column key.
	 * @return string
	 */
	protected function handle_row_actions( $item, $column_name, $primary ) {
		if ( $primary !== $column_name ) {
			return '';
		}
		$id = self::task_id( $item );
		if ( '' === $id ) {
			return ''; // No links or actions for an id the plugin would not send back.
		}
		$status  = (string) ( $item['status'] ?? '' );
		$short   = DDA_Format::short_id( $id );
		$actions = array(
			'view' => sprintf(
				'<a href="%1$s" class="dda-view-result" data-task-id="%2$s" aria-haspopup="dialog" aria-label="%3$s">%4$s</a>',
				esc_url( DDA_Admin::tasks_url( array( 'task' => $id ) ) ),
				esc_attr( $id ),
				/* translators: %s: short task id. */
				esc_attr( sprintf( __( 'View result of task %s', 'distributed-data-analysis' ), $short ) ),
				esc_html__( 'View result', 'distributed-data-analysis' )
			),
		);
		if ( in_array( $status, array( 'pending', 'running' ), true ) ) {
			$actions['cancel'] = sprintf(
				'<a href="%1$s" class="dda-task-action" data-dda-action="cancel" data-task-id="%2$s" aria-label="%3$s">%4$s</a>',
				esc_url( DDA_Admin::action_url( 'cancel', $id ) ),
				esc_attr( $id ),
				/* translators: %s: short task id. */
				esc_attr( sprintf( __( 'Cancel task %s', 'distributed-data-analysis' ), $short ) ),
				esc_html__( 'Cancel', 'distributed-data-analysis' )
			);
		}
		if ( in_array( $status, array( 'failed', 'cancelled' ), true ) ) {
			$actions['retry'] = sprintf(
				'<a href="%1$s" class="dda-task-action" data-dda-action="retry" data-task-id="%2$s" aria-label="%3$s">%4$s</a>',
				esc_url( DDA_Admin::action_url( 'retry', $id ) ),
				esc_attr( $id ),
				/* translators: %s: short task id. */
				esc_attr( sprintf( __( 'Retry task %s', 'distributed-data-analysis' ), $short ) ),
				esc_html__( 'Retry', 'distributed-data-analysis' )
			);
		}
		return $this->row_actions( $actions );
	}

	/**
	 * The task's id when it is one the API issues (a lower-case UUID v4), else ''. Ids come
	 * from the API's answer: only valid ones go into links, row actions and data attributes.
	 *
	 * @param array $item A task.
	 */
	private static function task_id( $item ): string {
		$id = $item['task_id'] ?? '';
		return DDA_Format::is_task_id( $id ) ? $id : '';
	}

	/**
	 * A `<time>` element, or a dash.
	 *
	 * @param mixed $iso RFC 3339 or null.
	 */
	private function time_html( $iso ): string {
		$text = DDA_Format::datetime( $iso );
		if ( '' === $text ) {
			return '<span aria-hidden="true">—</span><span class="screen-reader-text">' . esc_html__( 'not yet', 'distributed-data-analysis' ) . '</span>';
		}
		return sprintf( '<time datetime="%1$s">%2$s</time>', esc_attr( (string) $iso ), esc_html( $text ) );
	}

	/**
	 * No bulk actions, no pagination: the page shows the newest tasks.
	 *
	 * @param string $which top or bottom.
	 */
	protected function display_tablenav( $which ) {
		if ( 'top' !== $which ) {
			return;
		}
		DDA_Views::render( 'tablenav', array( 'which' => $which ) );
	}
}
