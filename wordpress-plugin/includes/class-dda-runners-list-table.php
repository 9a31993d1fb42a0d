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
 * Lists runners from `GET /runners`: name, operation codes, last seen, state.
 */
class DDA_Runners_List_Table extends WP_List_Table {

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
	 * @param array $runners Runner objects.
	 */
	public function set_data( array $runners ): void {
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
			'name'       => __( 'Name', 'distributed-data-analysis' ),
			'codes'      => __( 'Operation codes', 'distributed-data-analysis' ),
			'last_seen'  => __( 'Last seen', 'distributed-data-analysis' ),
			'registered' => __( 'Registered', 'distributed-data-analysis' ),
			'state'      => __( 'State', 'distributed-data-analysis' ),
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
		esc_html_e( 'No runners are registered. Start dda-runner on a machine with the server\'s registration token.', 'distributed-data-analysis' );
	}

	/**
	 * @param array $item A runner.
	 */
	public function single_row( $item ) {
		printf( '<tr data-runner-id="%1$s" data-state="%2$s">', esc_attr( (string) ( $item['runner_id'] ?? '' ) ), esc_attr( (string) ( $item['state'] ?? '' ) ) );
		$this->single_row_columns( $item );
		echo '</tr>';
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_name( $item ) {
		return sprintf(
			'<strong>%1$s</strong><br /><code class="dda-runner-id" title="%2$s">%3$s</code>',
			esc_html( (string) ( $item['name'] ?? '' ) ),
			esc_attr( (string) ( $item['runner_id'] ?? '' ) ),
			esc_html( DDA_Format::short_id( $item['runner_id'] ?? '' ) )
		);
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
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_registered( $item ) {
		$iso = $item['registered_at'] ?? null;
		return sprintf( '<time datetime="%1$s">%2$s</time>', esc_attr( (string) $iso ), esc_html( DDA_Format::datetime( $iso ) ) );
	}

	/**
	 * @param array $item A runner.
	 * @return string
	 */
	protected function column_state( $item ) {
		$state = (string) ( $item['state'] ?? '' );
		return sprintf(
			'<span class="dda-badge dda-badge--%1$s">%2$s</span>',
			esc_attr( DDA_Format::slug( $state ) ),
			esc_html( DDA_Format::runner_state_label( $state ) )
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
