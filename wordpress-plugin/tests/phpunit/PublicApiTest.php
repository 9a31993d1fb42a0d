<?php
/**
 * For other plugins: dda_create_task(), dda_get_task(), the action dda_task_created on every
 * way a task is created, and the request filters dda_api_request_args / dda_api_timeout.
 *
 * @package DistributedDataAnalysis
 */

final class PublicApiTest extends DDA_Test_Case {

	/** No runner registers this code: such a task stays pending. */
	private const WAITING_CODE = 424242;

	/**
	 * What dda_task_created was called with: `array{0: string, 1: array}` each.
	 *
	 * @var array
	 */
	private array $created = array();

	/**
	 * The listener.
	 *
	 * @var callable
	 */
	private $listener;

	protected function setUp(): void {
		parent::setUp();
		$this->created  = array();
		$this->listener = function ( $task_id, $spec ) {
			$this->created[] = array( $task_id, $spec );
		};
		add_action( 'dda_task_created', $this->listener, 10, 2 );
	}

	protected function tearDown(): void {
		remove_action( 'dda_task_created', $this->listener, 10 );
		remove_all_filters( 'dda_api_request_args' );
		remove_all_filters( 'dda_api_timeout' );
		$_POST    = array();
		$_REQUEST = array();
		parent::tearDown();
	}

	public function test_dda_create_task_creates_on_the_server_and_fires_the_action(): void {
		$task = dda_create_task( 300, array( 'values' => array( 1, 2, 3 ) ), array( 'priority' => 7 ) );
		$this->assertIsArray( $task, is_wp_error( $task ) ? $task->get_error_message() : '' );
		$this->assertTrue( DDA_Format::is_task_id( $task['task_id'] ) );
		$this->assertSame( 'pending', $task['status'] );

		$this->assertCount( 1, $this->created );
		$this->assertSame( $task['task_id'], $this->created[0][0] );
		$this->assertSame( 300, $this->created[0][1]['operation_code'] );
		$this->assertSame( 7, $this->created[0][1]['priority'] );
		$this->assertSame( array( 'values' => array( 1, 2, 3 ) ), json_decode( wp_json_encode( $this->created[0][1]['params'] ), true ) );

		$read = dda_get_task( $task['task_id'] );
		$this->assertIsArray( $read );
		$this->assertSame( $task['task_id'], $read['task_id'] );
		$this->assertSame( array( 'values' => array( 1, 2, 3 ) ), $read['params'] );
		$this->assertSame( 7, $read['priority'] );
		$this->assertSame( 'created', $read['events'][0]['event'] );
		// Upper case and spaces around are fine too.
		$this->assertSame( $task['task_id'], dda_get_task( ' ' . strtoupper( $task['task_id'] ) . ' ' )['task_id'] );
	}

	public function test_empty_params_are_an_object_and_the_scheduling_arguments_reach_the_server(): void {
		$run_at = new DateTimeImmutable( '+2 hours', new DateTimeZone( 'Europe/Berlin' ) );
		$task   = dda_create_task(
			self::WAITING_CODE,
			array(),
			array(
				'run_at'          => $run_at,
				'max_attempts'    => 5,
				'timeout_seconds' => 120,
			)
		);
		$this->assertIsArray( $task, is_wp_error( $task ) ? $task->get_error_message() : '' );
		$read = dda_get_task( $task['task_id'] );
		$this->assertSame( array(), $read['params'] );
		$this->assertSame( 5, $read['max_attempts'] );
		$this->assertSame( gmdate( 'Y-m-d\TH:i:s', $run_at->getTimestamp() ), substr( $read['available_at'], 0, 19 ) );
		$this->assertSame( 'Z', substr( $read['available_at'], -1 ) );
		( new DDA_API_Client() )->cancel_task( $task['task_id'] );

		// A Unix timestamp and an RFC 3339 string with an offset: sent as UTC.
		$this->spy_requests( '{"task_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "status": "pending", "message": "ok"}' );
		dda_create_task( 100, new stdClass(), array( 'run_at' => 1893456000 ) );
		dda_create_task( 100, new stdClass(), array( 'run_at' => '2030-01-01T01:30:00+01:30' ) );
		dda_create_task( 100, new stdClass(), array( 'delay_seconds' => 60 ) );
		$bodies = array_map(
			static function ( $request ) {
				return json_decode( $request['args']['body'], false );
			},
			$this->requests
		);
		$this->assertSame( '2030-01-01T00:00:00Z', $bodies[0]->run_at );
		$this->assertSame( '2030-01-01T00:00:00Z', $bodies[1]->run_at );
		$this->assertSame( 60, $bodies[2]->delay_seconds );
		$this->assertFalse( property_exists( $bodies[2], 'run_at' ) );
		$this->assertInstanceOf( stdClass::class, $bodies[0]->params, 'params must be sent as {}' );
	}

	public function test_the_idempotency_key_is_sent_and_answers_the_first_task(): void {
		$key   = 'phpunit-' . wp_generate_uuid4();
		$first = dda_create_task( self::WAITING_CODE, array( 'n' => 1 ), array( 'idempotency_key' => $key ) );
		$again = dda_create_task( self::WAITING_CODE, array( 'n' => 1 ), array( 'idempotency_key' => $key ) );
		$this->assertIsArray( $first );
		$this->assertIsArray( $again );
		$this->assertSame( $first['task_id'], $again['task_id'] );
		( new DDA_API_Client() )->cancel_task( $first['task_id'] );
	}

	/**
	 * Arguments refused before anything is sent.
	 */
	public function invalid_calls(): array {
		return array(
			'code as a string'     => array( '100', array(), array(), 'operation_code' ),
			'code 0'               => array( 0, array(), array(), 'operation_code' ),
			'code too large'       => array( 1000000, array(), array(), 'operation_code' ),
			'params a list'        => array( 100, array( 1, 2 ), array(), 'params' ),
			'params a string'      => array( 100, '{"a": 1}', array(), 'params' ),
			'priority too high'    => array( 100, array(), array( 'priority' => 101 ), 'priority' ),
			'priority a float'     => array( 100, array(), array( 'priority' => 1.0 ), 'priority' ),
			'unknown argument'     => array( 100, array(), array( 'api_key' => 'x' ), 'api_key' ),
			'run_at not RFC 3339'  => array( 100, array(), array( 'run_at' => '2030-01-01 08:00' ), 'run_at' ),
			'run_at no such day'   => array( 100, array(), array( 'run_at' => '2030-02-30T08:00:00Z' ), 'run_at' ),
			'run_at and delay'     => array( 100, array(), array( 'run_at' => 1893456000, 'delay_seconds' => 5 ), 'run_at' ),
			'delay negative'       => array( 100, array(), array( 'delay_seconds' => -1 ), 'delay_seconds' ),
			'max_attempts 0'       => array( 100, array(), array( 'max_attempts' => 0 ), 'max_attempts' ),
			'timeout too long'     => array( 100, array(), array( 'timeout_seconds' => 86401 ), 'timeout_seconds' ),
			'key with a space'     => array( 100, array(), array( 'idempotency_key' => 'a b' ), 'idempotency_key' ),
			'key too long'         => array( 100, array(), array( 'idempotency_key' => str_repeat( 'k', 129 ) ), 'idempotency_key' ),
		);
	}

	/**
	 * @dataProvider invalid_calls
	 *
	 * @param mixed  $code   Operation code.
	 * @param mixed  $params Params.
	 * @param array  $args   Arguments.
	 * @param string $named  What the message must name.
	 */
	public function test_invalid_calls_are_refused_before_sending( $code, $params, array $args, string $named ): void {
		$this->spy_requests();
		$result = dda_create_task( $code, $params, $args );
		$this->assertInstanceOf( WP_Error::class, $result );
		$this->assertSame( 'dda_invalid_task_spec', $result->get_error_code() );
		$this->assertSame( 400, $result->get_error_data()['status'] );
		$this->assertStringContainsString( $named, $result->get_error_message() );
		$this->assertStringContainsString( 'Nothing was sent', $result->get_error_message() );
		$this->assertSame( array(), $this->requests );
		$this->assertSame( array(), $this->created, 'dda_task_created fired for a task that was not created' );
	}

	public function test_api_errors_come_back_as_wp_error_and_fire_nothing(): void {
		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key(), 2 );
		$result = dda_create_task( 100, array() );
		$this->assertInstanceOf( WP_Error::class, $result );
		$this->assertSame( 'dda_unreachable', $result->get_error_code() );
		$this->assertSame( array(), $this->created );
		$this->assertSame( 'dda_unreachable', dda_get_task( '0f8fad5b-d9cb-469f-a165-70867728950e' )->get_error_code() );

		$this->use_settings( self::api_url(), 'not-the-key-0123456789abcdef' );
		$this->assertSame( 'dda_key_refused', dda_create_task( 100, array() )->get_error_code() );

		$this->use_settings( self::api_url(), self::api_key() );
		$this->assertSame( 'dda_not_found', dda_get_task( '0f8fad5b-d9cb-469f-a165-70867728950e' )->get_error_code() );
		$this->spy_requests();
		foreach ( array( 'not-a-task', '', null, 42 ) as $bad ) {
			$this->assertSame( 'dda_invalid_task_id', dda_get_task( $bad )->get_error_code() );
		}
		$this->assertSame( array(), $this->requests );
	}

	public function test_dda_get_task_refuses_an_answer_that_is_not_a_task(): void {
		$this->spy_requests( '[1, 2]' );
		$this->assertSame( 'dda_bad_response', dda_get_task( '0f8fad5b-d9cb-469f-a165-70867728950e' )->get_error_code() );
	}

	public function test_the_action_fires_for_the_rest_route_the_form_and_batches(): void {
		$this->as_admin();
		$response = $this->rest(
			'POST',
			'/dda/v1/tasks',
			array(
				'operation_code' => 100,
				'params'         => '{"via": "rest"}',
			)
		);
		$this->assertSame( 201, $response->get_status() );
		$this->assertSame( array( $response->get_data()['task_id'] ), array_column( $this->created, 0 ) );

		$this->created = array();
		$message       = DDA_Admin::create_from_form( '100', '{"via": "form"}', '3' );
		$this->assertIsString( $message, is_wp_error( $message ) ? $message->get_error_message() : '' );
		$this->assertCount( 1, $this->created );
		$this->assertSame( 3, $this->created[0][1]['priority'] );

		$this->created = array();
		$ids           = dda_create_tasks(
			array(
				array( 'operation_code' => 100, 'params' => array( 'n' => 1 ) ),
				array( 'operation_code' => 200, 'params' => array( 'n' => 2 ), 'priority' => -5 ),
			)
		);
		$this->assertIsArray( $ids, is_wp_error( $ids ) ? $ids->get_error_message() : '' );
		$this->assertSame( $ids, array_column( $this->created, 0 ) );
		$this->assertSame( 200, $this->created[1][1]['operation_code'] );
		$this->assertSame( -5, $this->created[1][1]['priority'] );
	}

	public function test_the_request_filters_change_timeout_and_args_but_not_redirects(): void {
		$seen = array();
		add_filter(
			'dda_api_timeout',
			static function ( $timeout, $method, $path ) use ( &$seen ) {
				$seen[] = array( $timeout, $method, $path );
				return 'GET' === $method ? 3 : $timeout;
			},
			10,
			3
		);
		add_filter(
			'dda_api_request_args',
			static function ( $args, $method, $path, $url ) {
				$args['headers']['X-Trace']  = $method . ' ' . $path;
				$args['sslverify']           = false;
				$args['redirection']         = 5; // Must not win: the key would follow a redirect.
				$args['limit_response_size'] = null;
				return $args;
			},
			10,
			4
		);
		$this->spy_requests( '[]' );
		( new DDA_API_Client() )->list_runners();
		$this->assertSame( array( array( 10, 'GET', '/runners' ) ), $seen );
		$args = $this->requests[0]['args'];
		$this->assertSame( 3, $args['timeout'] );
		$this->assertSame( 'GET /runners', $args['headers']['X-Trace'] );
		$this->assertSame( self::api_key(), $args['headers']['X-API-Key'] );
		$this->assertFalse( $args['sslverify'] );
		$this->assertSame( 0, $args['redirection'] );
		$this->assertSame( DDA_API_Client::MAX_RESPONSE_BYTES, $args['limit_response_size'] );
	}
}
