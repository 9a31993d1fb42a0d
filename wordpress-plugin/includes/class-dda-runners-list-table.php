<?php
/**
 * The runner table.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Lists runners from `GET /runners`: name, version, labels, state, current tasks, operation
 * codes, last seen, and the actions Pause / Resume / Remove. Each row's actions are a small
 * POST form with a nonce for that runner (DDA_Admin::process_runner_action()); Remove asks
 * for a confirmation (admin.js with confirm(), else a confirmation step on the page).
 */
class DDA_Runners_List_Table extends WP_List_Table {

	/**
	 * Why the runners could not be loaded, if they could not.
	 *
	 * @var WP_Error|null
	 */
	private ?WP_Error $error = null;

	/**
	 * @param string $screen The screen id the table belongs to.
	 */
	public function __construct( string $screen ) {
		parent::__construct(
			array(
				'singular' => 'dda-runner',
				'plural'   => 'dda-runners',
				'ajax'     => false,
				'screen'   => $screen,
			)
		);
	}

	/**
	 * Hands in the rows to show, online runners first, then by name.
	 *
	 * @param array         $runners Runner objects.
	 * @param WP_Error|null $error   Why the runners could not be loaded.
	 */
	public function set_data( array $runners, ?WP_Error $error = null ): void {
		$runners = array_values( array_filter( $runners, 'is_array' ) );
		usort(
			$runners,
			static function ( array $a, array $b ): int {
				$a_off = ( $a['state'] ?? '' ) === 'offline';
				$b_off = ( $b['state'] ?? '' ) === 'offline';
				if ( $a_off !== $b_off ) {
					return $a_off ? 1 : -1;
				}
				return strnatcasecmp( (string) ( $a['name'] ?? '' ), (string) ( $b['name'] ?? '' ) );
			}
		);
		$this->items           = $runners;
		$this->error           = $error;
		$this->_column_headers = array( $this->get_columns(), array(), array(), 'name' );
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
			'name'      => __( 'Name', 'distributed-data-analysis' ),
			'state'     => __( 'State', 'distributed-data-analysis' ),
			'current'   => __( 'Current tasks', 'distributed-data-analysis' ),
			'version'   => __( 'Version', 'distributed-data-analysis' ),
			'labels'    => __( 'Labels', 'distributed-data-analysis' ),
			'codes'     => __( 'Operation codes', 'distributed-data-analysis' ),
			'last_seen' => __( 'Last seen', 'distributed-data-analysis' ),
			'actions'   => __( 'Actions', 'distributed-data-analysis' ),
		);
	}

	/**
	 * @return string
	 */
	protected function get_primary_column_name() {
		return 'name';
	}

	/**
	 * The message when there are no rows.
	 */
	public function no_items() {
		if ( null !== $this->error ) {
			if ( in_array( $this->error->get_error_code(), array( 'dda_not_configured', 'dda_no_key' ), true ) ) {
				esc_html_e( 'No runners to show: the plugin is not connected to an API server yet.', 'distributed-data-analysis' );
				return;
			}
			esc_html_e( 'The runners could not be loaded from the API server (see the error above).', 'distributed-data-analysis' );
			return;
		}
		esc_html_e( 'No runners are registered. Start dda-runner on a machine with the server\'s registration token.', 'distributed-data-analysis' );
	}

	/**
	 * The state a runner shows: `paused` when paused, else the API's state.
	 *
	 * @param array $item A runner.
	 */
	public static function state( array $item ): string {
		return ! empty( $item['paused'] ) ? 'paused' : (string) ( $item['state'] ?? '' );
	}

	/**
	 * @param array $item A runner.
	 */
	public function single_row( $item ) {
		$id = DDA_Format::is_task_id( $item['runner_id'] ?? null ) ? $item['runner_id'] : '';
		printf( '<tr data-runner-id="%1$s" data-state="%2$s">', esc_attr( $id ), esc_attr( self::state( $item ) ) );
		$this->single_row_columns( $item );
		echo '</tr>';
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_name( $item ) {
		return sprintf(
			'<strong class="dda-runner-name">%1$s</strong><br /><code class="dda-runner-id" title="%2$s">%3$s</code>',
			esc_html( (string) ( $item['name'] ?? '' ) ),
			esc_attr( (string) ( $item['runner_id'] ?? '' ) ),
			esc_html( DDA_Format::short_id( $item['runner_id'] ?? '' ) )
		);
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_version( $item ) {
		$version = $item['version'] ?? null;
		if ( ! is_string( $version ) || '' === $version ) {
			return '<span aria-hidden="true">—</span><span class="screen-reader-text">' . esc_html__( 'not declared', 'distributed-data-analysis' ) . '</span>';
		}
		return '<code>' . esc_html( $version ) . '</code>';
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_labels( $item ) {
		$labels = array_filter( is_array( $item['labels'] ?? null ) ? $item['labels'] : array(), 'is_string' );
		if ( ! $labels ) {
			return '<span aria-hidden="true">—</span><span class="screen-reader-text">' . esc_html__( 'none', 'distributed-data-analysis' ) . '</span>';
		}
		$html = '<ul class="dda-labels">';
		foreach ( $labels as $label ) {
			$html .= '<li class="dda-label">' . esc_html( $label ) . '</li>';
		}
		return $html . '</ul>';
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_codes( $item ) {
		$codes = $item['operation_codes'] ?? null;
		if ( ! is_array( $codes ) ) {
			return esc_html__( 'any', 'distributed-data-analysis' );
		}
		$labels = array_map( array( 'DDA_Format', 'operation_label' ), $codes );
		return esc_html( implode( ', ', $labels ) );
	}

	/**
	 * How many tasks the runner is running, each linked to its details.
	 *
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_current( $item ) {
		$ids = array_values( array_filter( is_array( $item['current_tasks'] ?? null ) ? $item['current_tasks'] : array(), array( 'DDA_Format', 'is_task_id' ) ) );
		if ( ! $ids ) {
			return '<span class="dda-current-count" data-count="0">' . esc_html__( 'none', 'distributed-data-analysis' ) . '</span>';
		}
		$links = array();
		foreach ( $ids as $id ) {
			$links[] = sprintf(
				'<a href="%1$s" title="%2$s"><code>%3$s</code></a>',
				esc_url( DDA_Admin::tasks_url( array( 'task' => $id ) ) ),
				esc_attr( $id ),
				esc_html( DDA_Format::short_id( $id ) )
			);
		}
		return sprintf(
			'<span class="dda-current-count" data-count="%1$d">%2$s</span> %3$s',
			count( $ids ),
			/* translators: %s: a number of tasks. */
			esc_html( sprintf( _n( '%s task:', '%s tasks:', count( $ids ), 'distributed-data-analysis' ), number_format_i18n( count( $ids ) ) ) ),
			implode( ', ', $links )
		);
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_last_seen( $item ) {
		$iso = $item['last_seen_at'] ?? null;
		return sprintf(
			'<time datetime="%1$s" title="%2$s">%3$s</time>',
			esc_attr( (string) $iso ),
			esc_attr( DDA_Format::datetime( $iso ) ),
			esc_html( DDA_Format::ago( $iso ) )
		);
	}

	/**
	 * The state badge; a paused runner also says whether it still runs a task.
	 *
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_state( $item ) {
		$state = self::state( $item );
		$html  = sprintf(
			'<span class="dda-badge dda-badge--%1$s">%2$s</span>',
			esc_attr( DDA_Format::slug( $state ) ),
			esc_html( DDA_Format::runner_state_label( $state ) )
		);
		if ( 'paused' === $state ) {
			$under = (string) ( $item['state'] ?? '' );
			$html .= '<span class="dda-state-note">' . esc_html(
				'busy' === $under
					? __( 'finishing its tasks, gets no new ones', 'distributed-data-analysis' )
					: ( 'offline' === $under ? __( 'and offline', 'distributed-data-analysis' ) : __( 'gets no new tasks', 'distributed-data-analysis' ) )
			) . '</span>';
		}
		return $html;
	}

	/**
	 * Pause or Resume, and Remove: buttons of a POST form with this runner's nonce.
	 *
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_actions( $item ) {
		$id = DDA_Format::is_task_id( $item['runner_id'] ?? null ) ? $item['runner_id'] : '';
		if ( '' === $id ) {
			return '';
		}
		$name   = (string) ( $item['name'] ?? '' );
		$paused = ! empty( $item['paused'] );
		$toggle = $paused ? 'resume' : 'pause';
		return sprintf(
			'<form method="post" action="%1$s" class="dda-runner-form">'
			. '<input type="hidden" name="dda_runner_nonce" value="%2$s" />'
			. '<input type="hidden" name="runner" value="%3$s" />'
			. '<button type="submit" class="button button-small dda-runner-action" name="dda_runner_action" value="%4$s" data-dda-action="%4$s" aria-label="%5$s">%6$s</button> '
			. '<button type="submit" class="button button-small button-link-delete dda-runner-action" name="dda_runner_action" value="remove" data-dda-action="remove" data-dda-confirm="%7$s" aria-label="%8$s">%9$s</button>'
			. '</form>',
			esc_url( DDA_Admin::tasks_url( array( 'tab' => 'runners' ) ) ),
			esc_attr( wp_create_nonce( 'dda_runner_' . $id ) ),
			esc_attr( $id ),
			esc_attr( $toggle ),
			/* translators: %s: runner name. */
			esc_attr( sprintf( $paused ? __( 'Resume runner %s', 'distributed-data-analysis' ) : __( 'Pause runner %s', 'distributed-data-analysis' ), $name ) ),
			esc_html( $paused ? __( 'Resume', 'distributed-data-analysis' ) : __( 'Pause', 'distributed-data-analysis' ) ),
			esc_attr( DDA_Admin::remove_runner_question( $name ) ),
			/* translators: %s: runner name. */
			esc_attr( sprintf( __( 'Remove runner %s', 'distributed-data-analysis' ), $name ) ),
			esc_html__( 'Remove', 'distributed-data-analysis' )
		);
	}

	/**
	 * @param array  $item        A runner.
	 * @param string $column_name Column key.
	 * @return string
	 */
	protected function column_default( $item, $column_name ) {
		return '';
	}

	/**
	 * @param string $which top or bottom.
	 */
	protected function display_tablenav( $which ) {
		if ( 'top' !== $which ) {
			return;
		}
		DDA_Views::render( 'tablenav', array( 'which' => $which ) );
	}
}
