<?php
/**
 * The sweep behind dda_task_finished: once per finished task, not again on the next sweep;
 * tasks that finish out of creation order, bursts longer than a sweep's page budget,
 * retried tasks, the lock, errors, the WP-Cron schedule. Against the real dda-server, and
 * against an in-process fake of `GET /tasks/all` and `GET /task/{id}` (pre_http_request)
 * where the order in which tasks finish must be controlled.
 *
 * @package DistributedDataAnalysis
 */

final class SweepTest extends DDA_Test_Case {

	/** No runner registers this code: such a task stays pending. */
	private const WAITING_CODE = 424242;

	/**
	 * dda_task_finished calls: `array{0: string id, 1: string status, 2: array task}` each.
	 *
	 * @var array
	 */
	private array $finished = array();

	/**
	 * The listener.
	 *
	 * @var callable
	 */
	private $listener;

	/**
	 * The fake server's tasks, in creation order (id => task).
	 *
	 * @var array
	 */
	private array $tasks = array();

	/**
	 * The fake's clock (seconds after its epoch).
	 *
	 * @var int
	 */
	private int $clock = 0;

	/**
	 * The fake's requests (path?query), in order.
	 *
	 * @var string[]
	 */
	private array $fake_requests = array();

	/**
	 * The fake's pre_http_request filter, if on.
	 *
	 * @var callable|null
	 */
	private $fake = null;

	/**
	 * Whether the fake answers every request with 503.
	 *
	 * @var bool
	 */
	private bool $fake_down = false;

	protected function setUp(): void {
		parent::setUp();
		delete_option( DDA_Sweep::OPTION );
		delete_option( DDA_Sweep::LOCK_OPTION );
		$this->finished = array();
		$this->listener = function ( $id, $status, $task ) {
			$this->finished[] = array( $id, $status, $task );
		};
		add_action( 'dda_task_finished', $this->listener, 10, 3 );
	}

	protected function tearDown(): void {
		remove_action( 'dda_task_finished', $this->listener, 10 );
		if ( null !== $this->fake ) {
			remove_filter( 'pre_http_request', $this->fake, 10 );
			$this->fake = null;
		}
		remove_all_filters( 'dda_sweep_enabled' );
		delete_option( DDA_Sweep::OPTION );
		delete_option( DDA_Sweep::LOCK_OPTION );
		DDA_Sweep::schedule();
		parent::tearDown();
	}

	/**
	 * How often each task id fired.
	 *
	 * @return array<string, int>
	 */
	private function fired_counts(): array {
		return array_count_values( array_column( $this->finished, 0 ) );
	}

	public function test_against_the_server_each_finished_task_fires_once(): void {
		$sweep = new DDA_Sweep();
		$this->assertSame( 0, $sweep->run(), 'the first sweep only notes where the lists stand' );
		$this->assertSame( array(), $this->finished );

		$done    = dda_create_task( 100, array( 'from' => 'sweep test' ) );
		$waiting = dda_create_task( self::WAITING_CODE, array(), array( 'delay_seconds' => 3600 ) );
		$this->assertIsArray( $done );
		$this->assertIsArray( $waiting );
		$deadline = microtime( true ) + 30;
		do {
			$task = dda_get_task( $done['task_id'] );
			$this->assertIsArray( $task );
			if ( 'completed' === $task['status'] ) {
				break;
			}
			usleep( 100000 );
		} while ( microtime( true ) < $deadline );
		$this->assertSame( 'completed', $task['status'] );
		$this->assertIsArray( ( new DDA_API_Client() )->cancel_task( $waiting['task_id'] ) );

		$this->assertIsInt( $sweep->run() );
		$counts = $this->fired_counts();
		$this->assertSame( 1, $counts[ $done['task_id'] ] ?? 0, 'the completed task did not fire once' );
		$this->assertSame( 1, $counts[ $waiting['task_id'] ] ?? 0, 'the cancelled task did not fire once' );
		foreach ( $this->finished as $call ) {
			if ( $call[0] === $done['task_id'] ) {
				$this->assertSame( 'completed', $call[1] );
				$this->assertSame( 'raw data', $call[2]['result_data'] );
			} elseif ( $call[0] === $waiting['task_id'] ) {
				$this->assertSame( 'cancelled', $call[1] );
			}
		}

		$this->finished = array();
		$this->assertIsInt( ( new DDA_Sweep() )->run() );
		$this->assertArrayNotHasKey( $done['task_id'], $this->fired_counts(), 'fired again on the next sweep' );
		$this->assertArrayNotHasKey( $waiting['task_id'], $this->fired_counts(), 'fired again on the next sweep' );
	}

	/**
	 * Answers the plugin's requests from $this->tasks instead of a server.
	 */
	private function use_fake_server(): void {
		$this->use_settings( 'http://127.0.0.1:9', self::api_key() );
		$this->fake = function ( $preempt, $args, $url ) {
			$path = (string) wp_parse_url( $url, PHP_URL_PATH );
			parse_str( (string) wp_parse_url( $url, PHP_URL_QUERY ), $query );
			$this->fake_requests[] = $path . ( $query ? '?' . http_build_query( $query ) : '' );
			if ( $this->fake_down ) {
				return self::answer( 503, array( 'error' => array( 'code' => 'unavailable', 'message' => 'down (fake)' ) ) );
			}
			if ( '/tasks/all' === $path ) {
				$list = array_reverse( array_values( $this->tasks ) );
				if ( ! empty( $query['before'] ) ) {
					$ids = array_column( $list, 'task_id' );
					$at  = array_search( $query['before'], $ids, true );
					if ( false === $at ) {
						return self::answer( 404, array( 'error' => array( 'code' => 'not_found', 'message' => 'no such task' ) ) );
					}
					$list = array_slice( $list, $at + 1 );
				}
				if ( ! empty( $query['status'] ) ) {
					$list = array_values(
						array_filter(
							$list,
							static function ( $task ) use ( $query ) {
								return $task['status'] === $query['status'];
							}
						)
					);
				}
				return self::answer( 200, array_slice( $list, 0, (int) $query['limit'] ) );
			}
			if ( preg_match( '#^/task/([0-9a-f-]{36})$#', $path, $m ) && isset( $this->tasks[ $m[1] ] ) ) {
				return self::answer( 200, $this->tasks[ $m[1] ] );
			}
			return self::answer( 404, array( 'error' => array( 'code' => 'not_found', 'message' => 'no such route' ) ) );
		};
		add_filter( 'pre_http_request', $this->fake, 10, 3 );
	}

	/**
	 * A response as the HTTP API returns it.
	 *
	 * @param int   $status The status.
	 * @param mixed $body   The JSON body.
	 */
	private static function answer( int $status, $body ): array {
		return array(
			'headers'  => array( 'content-type' => 'application/json' ),
			'body'     => wp_json_encode( $body ),
			'response' => array(
				'code'    => $status,
				'message' => 'fake',
			),
			'cookies'  => array(),
			'filename' => null,
		);
	}

	/**
	 * Creates a task on the fake server.
	 *
	 * @param string $status Its status.
	 * @return string Its id.
	 */
	private function fake_task( string $status = 'pending' ): string {
		$id                 = wp_generate_uuid4();
		$this->tasks[ $id ] = array(
			'task_id'        => $id,
			'operation_code' => 100,
			'status'         => $status,
			'created_at'     => $this->time(),
			'completed_at'   => in_array( $status, DDA_Sweep::FINISHED, true ) ? $this->time() : null,
		);
		return $id;
	}

	/**
	 * Finishes (or, with pending, retries) a task of the fake server.
	 *
	 * @param string $id     The task.
	 * @param string $status Its new status.
	 */
	private function fake_finish( string $id, string $status = 'completed' ): void {
		$this->tasks[ $id ]['status']       = $status;
		$this->tasks[ $id ]['completed_at'] = in_array( $status, DDA_Sweep::FINISHED, true ) ? $this->time() : null;
	}

	/**
	 * The fake's next time, RFC 3339 with milliseconds as the API writes it.
	 */
	private function time(): string {
		++$this->clock;
		return gmdate( 'Y-m-d\TH:i:s', 1800000000 + $this->clock ) . '.000Z';
	}

	public function test_the_first_sweep_fires_nothing_for_what_finished_before(): void {
		$this->use_fake_server();
		$this->fake_task( 'completed' );
		$this->fake_task( 'failed' );
		$this->fake_task( 'cancelled' );
		$this->assertSame( 0, ( new DDA_Sweep() )->run() );
		$this->assertSame( 0, ( new DDA_Sweep() )->run() );
		$this->assertSame( array(), $this->finished );
	}

	public function test_a_task_created_early_and_finishing_late_fires_too(): void {
		$this->use_fake_server();
		$early  = $this->fake_task( 'pending' ); // Waits for a runner that can do it.
		$long   = $this->fake_task( 'running' );
		$quick  = $this->fake_task( 'running' );
		$queued = $this->fake_task( 'pending' );
		( new DDA_Sweep() )->run();

		$this->fake_finish( $quick );
		$this->assertSame( 1, ( new DDA_Sweep() )->run() );
		// The completed list now begins at $quick; $long and $early were created before it,
		// so they finish below where the next sweep stops reading that list.
		$this->fake_finish( $long );
		$this->fake_finish( $early );
		$this->fake_finish( $queued );
		$this->assertSame( 3, ( new DDA_Sweep() )->run() );
		$this->assertSame( 0, ( new DDA_Sweep() )->run() );
		$this->assertSame(
			array(
				$quick  => 1,
				$queued => 1,
				$long   => 1,
				$early  => 1,
			),
			$this->fired_counts()
		);
		foreach ( $this->finished as $call ) {
			$this->assertSame( 'completed', $call[1] );
			$this->assertSame( 'completed', $call[2]['status'] );
		}
	}

	public function test_a_burst_longer_than_the_page_budget_is_worked_off_by_later_sweeps(): void {
		$this->use_fake_server();
		( new DDA_Sweep( 1 ) )->run(); // Empty lists: every task finishing later is new.
		$burst = array();
		for ( $i = 0; $i < 250; $i++ ) {
			$burst[] = $this->fake_task( 'completed' );
		}
		$this->assertSame( 100, ( new DDA_Sweep( 1 ) )->run(), 'one page of 100 per sweep' );
		$late = $this->fake_task( 'completed' );
		$this->assertSame( 101, ( new DDA_Sweep( 1 ) )->run(), 'the new task at the top, and the next page of the gap' );
		$this->assertSame( 50, ( new DDA_Sweep( 1 ) )->run() );
		$this->assertSame( 0, ( new DDA_Sweep( 1 ) )->run() );
		$counts = $this->fired_counts();
		$this->assertCount( 251, $counts );
		$this->assertSame( array( 1 ), array_values( array_unique( $counts ) ), 'a task fired twice' );
		$this->assertArrayHasKey( $late, $counts );
		$this->assertSame( array(), array_diff( $burst, array_keys( $counts ) ) );
		$this->assertSame( array(), DDA_Sweep::state()['gaps']['completed'] );
	}

	public function test_a_retried_task_fires_again_when_it_finishes_again(): void {
		$this->use_fake_server();
		$id = $this->fake_task( 'running' );
		( new DDA_Sweep() )->run();
		$this->fake_finish( $id, 'failed' );
		( new DDA_Sweep() )->run();
		$this->fake_finish( $id, 'pending' ); // POST /task/{id}/retry.
		$this->fake_task( 'completed' );      // A newer task finishes meanwhile.
		( new DDA_Sweep() )->run();
		$this->fake_finish( $id, 'completed' );
		( new DDA_Sweep() )->run();
		( new DDA_Sweep() )->run();
		$mine = array_values(
			array_filter(
				$this->finished,
				static function ( $call ) use ( $id ) {
					return $call[0] === $id;
				}
			)
		);
		$this->assertSame( array( 'failed', 'completed' ), array_column( $mine, 1 ) );
	}

	public function test_the_record_of_fired_tasks_is_bounded(): void {
		$this->use_fake_server();
		( new DDA_Sweep() )->run();
		for ( $i = 0; $i < DDA_Sweep::FIRED_MAX + 100; $i++ ) {
			$this->fake_task( 'completed' );
		}
		$total = 0;
		for ( $i = 0; $i < 4; $i++ ) {
			$total += ( new DDA_Sweep() )->run();
		}
		$this->assertSame( DDA_Sweep::FIRED_MAX + 100, $total );
		$this->assertCount( DDA_Sweep::FIRED_MAX, DDA_Sweep::state()['fired'] );
	}

	public function test_a_sweep_that_fails_fires_later(): void {
		$this->use_fake_server();
		( new DDA_Sweep() )->run();
		$id              = $this->fake_task( 'completed' );
		$this->fake_down = true;
		$error           = ( new DDA_Sweep() )->run();
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'dda_unavailable', $error->get_error_code() );
		$this->assertSame( array(), $this->finished );
		$this->fake_down = false;
		$this->assertSame( 1, ( new DDA_Sweep() )->run() );
		$this->assertSame( array( $id => 1 ), $this->fired_counts() );
	}

	public function test_a_gap_whose_cursor_task_was_dropped_is_given_up(): void {
		$this->use_fake_server();
		( new DDA_Sweep( 1 ) )->run();
		for ( $i = 0; $i < 150; $i++ ) {
			$this->fake_task( 'completed' );
		}
		$this->assertSame( 100, ( new DDA_Sweep( 1 ) )->run() );
		$cursor = DDA_Sweep::state()['gaps']['completed'][0]['before'];
		unset( $this->tasks[ $cursor ] ); // Retention removed it.
		$this->assertSame( 0, ( new DDA_Sweep( 1 ) )->run() );
		$this->assertSame( array(), DDA_Sweep::state()['gaps']['completed'] );
	}

	public function test_only_one_sweep_runs_at_a_time(): void {
		$this->use_fake_server();
		add_option( DDA_Sweep::LOCK_OPTION, time(), '', 'no' );
		$this->assertSame( 0, ( new DDA_Sweep() )->run() );
		$this->assertSame( array(), $this->fake_requests, 'a locked sweep sent requests' );
		$this->assertNotFalse( get_option( DDA_Sweep::LOCK_OPTION ), 'the other sweep\'s lock was released' );

		update_option( DDA_Sweep::LOCK_OPTION, time() - DDA_Sweep::LOCK_SECONDS - 1 ); // Left by a sweep that died.
		( new DDA_Sweep() )->run();
		$this->assertNotSame( array(), $this->fake_requests );
		$this->assertFalse( get_option( DDA_Sweep::LOCK_OPTION ), 'the lock is released at the end' );
	}

	public function test_the_scheduled_run_can_be_switched_off_and_needs_settings(): void {
		$this->use_fake_server();
		add_filter( 'dda_sweep_enabled', '__return_false' );
		DDA_Sweep::run_scheduled();
		$this->assertSame( array(), $this->fake_requests );
		remove_all_filters( 'dda_sweep_enabled' );

		$this->use_settings( '', '' );
		DDA_Sweep::run_scheduled();
		$this->assertSame( array(), $this->fake_requests );
		$this->assertFalse( get_option( DDA_Sweep::OPTION ) );

		$this->use_settings( 'http://127.0.0.1:9', self::api_key() );
		do_action( DDA_Sweep::HOOK ); // What WP-Cron calls.
		$this->assertNotSame( array(), $this->fake_requests );
		$this->assertIsArray( get_option( DDA_Sweep::OPTION ) );
	}

	public function test_the_sweep_is_scheduled_every_minute_and_unscheduled_on_deactivation(): void {
		$this->assertArrayHasKey( DDA_Sweep::SCHEDULE, wp_get_schedules() );
		$this->assertSame( 60, wp_get_schedules()[ DDA_Sweep::SCHEDULE ]['interval'] );

		DDA_Plugin::deactivate();
		$this->assertFalse( wp_next_scheduled( DDA_Sweep::HOOK ) );
		DDA_Plugin::activate();
		$next = wp_next_scheduled( DDA_Sweep::HOOK );
		$this->assertIsInt( $next );
		$this->assertLessThanOrEqual( time() + 60, $next );
		$this->assertSame( DDA_Sweep::SCHEDULE, wp_get_schedule( DDA_Sweep::HOOK ) );
		DDA_Sweep::schedule(); // Idempotent: one event.
		$this->assertSame( $next, wp_next_scheduled( DDA_Sweep::HOOK ) );
	}
}
