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
 * them through the REST routes instead. Bulk actions (Cancel, Retry) post the checked rows
 * with the `dda_bulk_tasks` nonce (DDA_Admin::process_bulk_action()). Paging follows the
 * API's `before` cursor: "Older" shows the tasks created before the page's last one,
 * "Newer" goes back along the cursors of the pages seen before (`newer`).
 */
class DDA_Tasks_List_Table extends WP_List_Table {

	/**
	 * Runner names by id.
	 *
	 * @var array<string, string>
	 */
	private array $runner_names = array();

	/**
	 * The view: status, operation, search, before, newer (see DDA_Admin::list_view()).
	 *
	 * @var array
	 */
	private array $view = array();

	/**
	 * Why the tasks could not be loaded, if they could not.
	 *
	 * @var WP_Error|null
	 */
	private ?WP_Error $error = null;

	/**
	 * Whether there are tasks older than the page's last one.
	 *
	 * @var bool
	 */
	private bool $has_older = false;

	/**
	 * The catalog for the operation filter: code => label.
	 *
	 * @var array<int, string>
	 */
	private array $operations = array();

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
	 * @param array         $tasks        Task objects (at most one page).
	 * @param array         $runner_names runner_id => name.
	 * @param array|string  $view         The view (DDA_Admin::list_view()), or just a status.
	 * @param WP_Error|null $error        Why the tasks could not be loaded.
	 * @param bool          $has_older    Whether an older page exists.
	 * @param array         $operations   code => label for the operation filter.
	 */
	public function set_data( array $tasks, array $runner_names, $view, ?WP_Error $error = null, bool $has_older = false, array $operations = array() ): void {
		$this->items           = array_values( array_filter( $tasks, 'is_array' ) );
		$this->runner_names    = $runner_names;
		$this->view            = DDA_Admin::normalize_view( is_array( $view ) ? $view : array( 'status' => (string) $view ) );
		$this->error           = $error;
		$this->has_older       = $has_older;
		$this->operations      = $operations;
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
			'cb'        => '<input type="checkbox" />',
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
	 * The bulk actions: Cancel (pending and running tasks) and Retry (failed and cancelled).
	 *
	 * @return array<string, string>
	 */
	protected function get_bulk_actions() {
		return array(
			'cancel' => __( 'Cancel', 'distributed-data-analysis' ),
			'retry'  => __( 'Retry', 'distributed-data-analysis' ),
		);
	}

	/**
	 * Status filter links: All | Pending | Running | Completed | Failed | Cancelled. They keep
	 * the operation filter and the search, and start from the newest tasks.
	 *
	 * @return array<string, string>
	 */
	protected function get_views() {
		$views  = array();
		$all    = array_merge( array( '' ), DDA_Format::STATUSES );
		$status = $this->view['status'];
		foreach ( $all as $one ) {
			$url   = DDA_Admin::tasks_url( DDA_Admin::view_args( array_merge( $this->view, array( 'status' => $one ) ), false ) );
			$label = '' === $one ? __( 'All', 'distributed-data-analysis' ) : DDA_Format::status_label( $one );
			$views[ '' === $one ? 'all' : $one ] = sprintf(
				'<a href="%1$s"%2$s data-dda-status="%3$s">%4$s</a>',
				esc_url( $url ),
				$one === $status ? ' class="current" aria-current="page"' : '',
				esc_attr( $one ),
				esc_html( $label )
			);
		}
		return $views;
	}

	/**
	 * The message when there are no rows: why (the API could not be asked, a filter matches
	 * nothing, or there are no tasks yet).
	 */
	public function no_items() {
		echo esc_html( self::empty_message( $this->view, $this->error ) );
	}

	/**
	 * The text of an empty table (also used by admin.js through the REST answer).
	 *
	 * @param array         $view  The view.
	 * @param WP_Error|null $error Why the tasks could not be loaded.
	 */
	public static function empty_message( array $view, ?WP_Error $error = null ): string {
		if ( null !== $error ) {
			if ( in_array( $error->get_error_code(), array( 'dda_not_configured', 'dda_no_key' ), true ) ) {
				return __( 'No tasks to show: the plugin is not connected to an API server yet.', 'distributed-data-analysis' );
			}
			return __( 'The tasks could not be loaded from the API server (see the error above). They are not gone: the list shows them again when the server answers.', 'distributed-data-analysis' );
		}
		$view = DDA_Admin::normalize_view( $view );
		if ( '' !== $view['before'] ) {
			return __( 'No older tasks.', 'distributed-data-analysis' );
		}
		if ( '' !== $view['search'] ) {
			/* translators: %s: the start of a task id. */
			return sprintf( __( 'No task id starts with “%s” here.', 'distributed-data-analysis' ), $view['search'] );
		}
		if ( $view['operation'] > 0 && '' !== $view['status'] ) {
			/* translators: 1: a task status such as "Pending", 2: an operation label. */
			return sprintf( __( 'No tasks with status “%1$s” for operation %2$s.', 'distributed-data-analysis' ), DDA_Format::status_label( $view['status'] ), DDA_Format::operation_label( $view['operation'] ) );
		}
		if ( $view['operation'] > 0 ) {
			/* translators: %s: an operation label. */
			return sprintf( __( 'No tasks for operation %s.', 'distributed-data-analysis' ), DDA_Format::operation_label( $view['operation'] ) );
		}
		if ( '' !== $view['status'] ) {
			/* translators: %s: a task status such as "Pending". */
			return sprintf( __( 'No tasks with status “%s”.', 'distributed-data-analysis' ), DDA_Format::status_label( $view['status'] ) );
		}
		return __( 'No tasks yet. Create one with the form above.', 'distributed-data-analysis' );
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
	 * The row's checkbox for the bulk actions (none for an id the plugin would not send).
	 *
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_cb( $item ) {
		$id = self::task_id( $item );
		if ( '' === $id ) {
			return '';
		}
		return sprintf(
			'<label class="screen-reader-text" for="cb-select-%1$s">%2$s</label><input type="checkbox" id="cb-select-%1$s" name="task[]" value="%1$s" />',
			esc_attr( $id ),
			/* translators: %s: short task id. */
			esc_html( sprintf( __( 'Select task %s', 'distributed-data-analysis' ), DDA_Format::short_id( $id ) ) )
		);
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
	 * The status badge; under it a progress bar (a running task that reports progress) or
	 * when a scheduled task runs.
	 *
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_status( $item ) {
		$status = (string) ( $item['status'] ?? '' );
		$html   = sprintf(
			'<span class="dda-badge dda-badge--%1$s" data-status="%2$s">%3$s</span>',
			esc_attr( DDA_Format::slug( $status ) ),
			esc_attr( $status ),
			esc_html( DDA_Format::status_label( $status ) )
		);
		$progress = DDA_Format::progress( $item );
		if ( null !== $progress ) {
			$html .= self::progress_html( $progress, self::task_id( $item ) );
		}
		$scheduled = DDA_Format::scheduled_at( $item );
		if ( null !== $scheduled ) {
			$html .= sprintf(
				'<span class="dda-scheduled">%1$s <time datetime="%2$s" title="%3$s">%4$s</time></span>',
				esc_html__( 'Runs at', 'distributed-data-analysis' ),
				esc_attr( $scheduled ),
				/* translators: %s: a time zone such as Europe/Berlin. */
				esc_attr( sprintf( __( 'Time zone: %s', 'distributed-data-analysis' ), DDA_Format::timezone_label() ) ),
				esc_html( DDA_Format::datetime( $scheduled ) )
			);
		}
		return $html;
	}

	/**
	 * A labelled <progress> with its value in words next to it.
	 *
	 * @param array  $progress {percent, message}.
	 * @param string $task_id  The task (for the label).
	 */
	public static function progress_html( array $progress, string $task_id ): string {
		$text = DDA_Format::percent( $progress['percent'] );
		if ( '' !== $progress['message'] ) {
			$text .= ' — ' . $progress['message'];
		}
		return sprintf(
			'<span class="dda-progress"><progress max="100" value="%1$s" aria-label="%2$s">%3$s</progress><span class="dda-progress__text">%4$s</span></span>',
			esc_attr( (string) round( $progress['percent'], 1 ) ),
			/* translators: %s: short task id. */
			esc_attr( sprintf( __( 'Progress of task %s', 'distributed-data-analysis' ), DDA_Format::short_id( $task_id ) ) ),
			esc_html( DDA_Format::percent( $progress['percent'] ) ),
			esc_html( $text )
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
		$name = isset( $this->runner_names[ $runner ] ) ? $this->runner_names[ $runner ] : DDA_Format::short_id( $runner );
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
		return $this->time_html( $item['created_at'] ?? null, __( 'not yet', 'distributed-data-analysis' ) );
	}

	/**
	 * When the task finished; a dash for a task that never ran (cancelled before it started).
	 *
	 * @param array $item A task.
	 * @return string
	 */
	protected function column_finished( $item ) {
		$status = (string) ( $item['status'] ?? '' );
		$none   = in_array( $status, array( 'pending', 'running' ), true )
			? __( 'not yet', 'distributed-data-analysis' )
			: __( 'did not run', 'distributed-data-analysis' );
		return $this->time_html( DDA_Format::finished_at( $item ), $none );
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
	 * A `<time>` element, or a dash with words for screen readers.
	 *
	 * @param mixed  $iso  RFC 3339 or null.
	 * @param string $none What a missing time means ("not yet").
	 */
	private function time_html( $iso, string $none ): string {
		$text = DDA_Format::datetime( $iso );
		if ( '' === $text ) {
			return '<span aria-hidden="true">—</span><span class="screen-reader-text">' . esc_html( $none ) . '</span>';
		}
		return sprintf( '<time datetime="%1$s">%2$s</time>', esc_attr( (string) $iso ), esc_html( $text ) );
	}

	/**
	 * The pagination links (Newest, Newer, Older) of this page, as HTML.
	 */
	public function pagination_html(): string {
		return DDA_Views::capture(
			'tasks-pagination',
			array(
				'view'      => $this->view,
				'count'     => count( $this->items ),
				'loaded'    => null === $this->error,
				'has_older' => $this->has_older,
				'older'     => $this->has_older && $this->items ? self::task_id( end( $this->items ) ) : '',
			)
		);
	}

	/**
	 * Above the table: bulk actions, the operation filter, paging and the refresh button;
	 * below it: paging again.
	 *
	 * @param string $which top or bottom.
	 */
	protected function display_tablenav( $which ) {
		DDA_Views::render(
			'tablenav',
			array(
				'which'      => $which,
				'bulk'       => $this->get_bulk_actions(),
				'view'       => $this->view,
				'operations' => $this->operations,
				'pagination' => $this->pagination_html(),
			)
		);
	}
}
