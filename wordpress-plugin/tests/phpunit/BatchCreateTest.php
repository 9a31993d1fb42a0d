<?php
/**
 * Many tasks at once: POST /dda/v1/tasks/batch (the tasks screen's file upload), the API
 * client's create_tasks(), DDA_Task_Batches (checks, batches of ≤ 1,000 and ≤ 900 KiB,
 * Idempotency-Keys) and dda_create_tasks() for other plugins. Batches go to the fake API's
 * POST /tasks/batch (fake-api.php), which behaves as contract v1.1 says and logs what it got;
 * one test uses the real dda-server once it has the route.
 *
 * @package DistributedDataAnalysis
 */

final class BatchCreateTest extends DDA_Test_Case {

	private const UPLOAD_ID = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';

	/** No runner registers this code: such a task stays pending. */
	private const WAITING_CODE = 424242;

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
	}

	/**
	 * Points the plugin at the fake API's batch route.
	 */
	private function use_fake_api(): void {
		$this->use_settings( $this->start_fake_api() . '/batch', self::api_key() );
	}

	/**
	 * The body the browser sends for one part of a file.
	 *
	 * @param array $tasks The tasks (encoded as JSON here, objects stay objects).
	 * @param int   $batch The index.
	 */
	private static function body( array $tasks, int $batch = 0, string $upload_id = self::UPLOAD_ID ): string {
		return (string) wp_json_encode(
			array(
				'upload_id' => $upload_id,
				'batch'     => $batch,
				'tasks'     => $tasks,
			)
		);
	}

	/**
	 * `$count` specs with params {"i": n} (plus $extra for the spec at index $at).
	 */
	private static function specs( int $count, int $at = -1, array $extra = array() ): array {
		$specs = array();
		for ( $i = 0; $i < $count; $i++ ) {
			$specs[] = array(
				'operation_code' => 100,
				'params'         => array( 'i' => $i ) + ( $i === $at ? $extra : array() ),
			);
		}
		return $specs;
	}

	private static function big_params( int $bytes, array $extra = array() ): array {
		return array( 'blob' => str_repeat( 'x', $bytes ) ) + $extra;
	}

	/* -------------------------------------------------------------- the REST route */

	public function test_the_route_creates_a_batch_with_its_idempotency_key(): void {
		$this->use_fake_api();
		$tasks    = array(
			array(
				'operation_code' => 300,
				'params'         => array( 'values' => array( 1, 2, 3 ) ),
				'priority'       => 5,
			),
			array(
				'operation_code' => 100,
				'params'         => new stdClass(),
			),
			array(
				'operation_code' => 200,
				'params'         => array(
					'empty_object' => new stdClass(),
					'empty_list'   => array(),
					'text'         => 'é/ü',
				),
				'priority'       => -100,
			),
		);
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( $tasks, 4 ) );
		$this->assertSame( 201, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$data = $response->get_data();
		$this->assertSame( 3, $data['count'] );
		$this->assertCount( 3, $data['task_ids'] );
		foreach ( $data['task_ids'] as $id ) {
			$this->assertTrue( DDA_Format::is_task_id( $id ) );
		}
		$this->assertSame( '3 tasks created.', $data['message'] );
		$this->assertSame( 'no-store', $response->get_headers()['Cache-Control'] );

		$sent = $this->fake_api_requests();
		$this->assertCount( 1, $sent );
		$this->assertSame( 'dda-wp-' . self::UPLOAD_ID . '-4-0', $sent[0]['key'], 'the Idempotency-Key is derived from the upload id and the batch index' );
		$this->assertSame( self::api_key(), $sent[0]['api_key'] );
		$this->assertStringStartsWith( 'application/json', $sent[0]['type'] );
		// Objects stay objects, lists stay lists, UTF-8 and "/" are sent as they are.
		$this->assertSame(
			array( '{"values":[1,2,3]}', '{}', '{"empty_object":{},"empty_list":[],"text":"é/ü"}' ),
			$this->fake_api_params()
		);
		$this->assertStringNotContainsString( self::api_key(), wp_json_encode( $data ) );
	}

	public function test_the_same_batch_again_creates_nothing_twice(): void {
		$this->use_fake_api();
		$body   = self::body( self::specs( 3 ), 1 );
		$first  = $this->rest_json( 'POST', '/dda/v1/tasks/batch', $body );
		$second = $this->rest_json( 'POST', '/dda/v1/tasks/batch', $body );
		$this->assertSame( 201, $first->get_status() );
		$this->assertSame( 201, $second->get_status() );
		$this->assertSame( $first->get_data()['task_ids'], $second->get_data()['task_ids'] );
		$sent = $this->fake_api_requests();
		$this->assertSame( array( 201, 200 ), array_column( $sent, 'status' ) );
		$this->assertSame( $sent[0]['key'], $sent[1]['key'] );
		$this->assertCount( 3, $this->fake_api_params(), 'the second request created no tasks' );

		// Another batch index, or another upload: another key.
		$this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( self::specs( 3 ), 2 ) );
		$this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( self::specs( 3 ), 1, '0f8fad5b-d9cb-469f-a165-70867728950e' ) );
		$keys = array_column( $this->fake_api_requests(), 'key' );
		$this->assertCount( 4, $keys );
		$this->assertCount( 3, array_unique( $keys ) );
		$this->assertCount( 9, $this->fake_api_params() );
	}

	public function test_a_part_whose_json_is_too_long_for_one_api_batch_is_split_in_php(): void {
		$this->use_fake_api();
		$tasks = array();
		for ( $i = 0; $i < 5; $i++ ) {
			$tasks[] = array(
				'operation_code' => 100,
				'params'         => self::big_params( 300 * 1024 ),
			);
		}
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( $tasks, 7 ) );
		$this->assertSame( 201, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$this->assertSame( 5, $response->get_data()['count'] );
		$sent = $this->fake_api_requests();
		$this->assertSame( array( 2, 2, 1 ), array_column( $sent, 'count' ) );
		$this->assertSame(
			array( 'dda-wp-' . self::UPLOAD_ID . '-7-0', 'dda-wp-' . self::UPLOAD_ID . '-7-1', 'dda-wp-' . self::UPLOAD_ID . '-7-2' ),
			array_column( $sent, 'key' )
		);
		foreach ( $sent as $request ) {
			$this->assertLessThanOrEqual( DDA_Task_Batches::MAX_BYTES, $request['bytes'] );
		}
	}

	public function test_an_api_failure_says_how_many_were_created_and_the_retry_creates_nothing_twice(): void {
		$this->use_fake_api();
		$tasks = array();
		for ( $i = 0; $i < 3; $i++ ) {
			$tasks[] = array(
				'operation_code' => 100,
				// 400 KiB each: two per API batch; the third one's batch fails once.
				'params'         => self::big_params( 400 * 1024, 2 === $i ? array( 'fake_fail' => 1 ) : array() ),
			);
		}
		$body     = self::body( $tasks, 0 );
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', $body );
		$this->assertSame( 503, $response->get_status() );
		$error = $response->get_data();
		$this->assertSame( 'dda_unavailable', $error['code'] );
		$this->assertSame( 2, $error['data']['created'] );
		$this->assertSame( 2, $error['data']['first_index'] );
		$this->assertSame( 503, $error['data']['api_status'] );
		$this->assertStringNotContainsString( self::api_key(), wp_json_encode( $error ) );

		$retry = $this->rest_json( 'POST', '/dda/v1/tasks/batch', $body );
		$this->assertSame( 201, $retry->get_status(), wp_json_encode( $retry->get_data() ) );
		$this->assertSame( 3, $retry->get_data()['count'] );
		$this->assertSame( array( 201, 503, 200, 201 ), array_column( $this->fake_api_requests(), 'status' ) );
		$this->assertCount( 3, $this->fake_api_params(), 'three tasks, none twice' );
	}

	/**
	 * Items PHP refuses before anything is sent: the message names the item.
	 */
	public function invalid_items(): array {
		$ok = array(
			'operation_code' => 100,
			'params'         => new stdClass(),
		);
		return array(
			'code zero'          => array( array( $ok, array( 'operation_code' => 0 ) ), 'tasks[1].operation_code' ),
			'code too large'     => array( array( array( 'operation_code' => 1000000 ) ), 'tasks[0].operation_code' ),
			'code as a string'   => array( array( $ok, $ok, array( 'operation_code' => '100' ) ), 'tasks[2].operation_code' ),
			'code as a float'    => array( array( array( 'operation_code' => 100.5 ) ), 'tasks[0].operation_code' ),
			'code missing'       => array( array( array( 'params' => new stdClass() ) ), 'tasks[0].operation_code' ),
			'params a list'      => array( array( array_merge( $ok, array( 'params' => array( 1, 2 ) ) ) ), 'tasks[0].params' ),
			'params a string'    => array( array( array( 'operation_code' => 100, 'params' => '{}' ) ), 'tasks[0].params' ),
			'params null'        => array( array( array( 'operation_code' => 100, 'params' => null ) ), 'tasks[0].params' ),
			'priority too high'  => array( array( $ok + array( 'priority' => 101 ) ), 'tasks[0].priority' ),
			'priority too low'   => array( array( $ok, $ok + array( 'priority' => -101 ) ), 'tasks[1].priority' ),
			'priority a float'   => array( array( $ok + array( 'priority' => 1.5 ) ), 'tasks[0].priority' ),
			'unknown key'        => array( array( $ok + array( 'max_attempts' => 3 ) ), 'unknown key "max_attempts"' ),
			'item not an object' => array( array( 42 ), 'tasks[0] must be an object' ),
		);
	}

	/**
	 * @dataProvider invalid_items
	 */
	public function test_invalid_items_are_refused_before_the_api( array $tasks, string $expected ): void {
		$this->spy_requests();
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( $tasks ) );
		$this->assertSame( 400, $response->get_status() );
		$this->assertSame( 'dda_invalid_task_spec', $response->get_data()['code'] );
		$this->assertStringContainsString( $expected, $response->get_data()['message'] );
		$this->assertSame( 0, $response->get_data()['data']['created'] );
		$this->assertSame( array(), $this->requests, 'a request was sent to the API' );
	}

	public function test_deep_or_huge_params_are_refused_before_the_api(): void {
		$this->spy_requests();
		$deep = new stdClass();
		for ( $i = 0; $i < DDA_Task_Batches::MAX_PARAMS_DEPTH; $i++ ) {
			$deep = (object) array( 'a' => $deep );
		}
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( array( array( 'operation_code' => 100, 'params' => $deep ) ) ) );
		$this->assertSame( 400, $response->get_status() );
		$this->assertStringContainsString( 'tasks[0].params', $response->get_data()['message'] );

		$huge     = array(
			'operation_code' => 100,
			'params'         => self::big_params( DDA_Task_Batches::MAX_PARAMS_BYTES ),
		);
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( array( $huge ) ) );
		$this->assertSame( 400, $response->get_status() );
		$this->assertStringContainsString( 'tasks[0].params is too large', $response->get_data()['message'] );
		$this->assertSame( array(), $this->requests );
	}

	/**
	 * Bodies WordPress's own argument checks refuse.
	 */
	public function invalid_bodies(): array {
		$task = array(
			'operation_code' => 100,
			'params'         => array( 'a' => 1 ),
		);
		return array(
			'no tasks'          => array( '{"upload_id": "' . self::UPLOAD_ID . '", "batch": 0}' ),
			'empty tasks'       => array( self::body( array() ) ),
			'1001 tasks'        => array( self::body( array_fill( 0, 1001, $task ) ) ),
			'tasks an object'   => array( '{"upload_id": "' . self::UPLOAD_ID . '", "batch": 0, "tasks": {"a": 1}}' ),
			'upload id missing' => array( '{"batch": 0, "tasks": [{"operation_code": 100}]}' ),
			'upload id bad'     => array( self::body( array( $task ), 0, 'not-a-uuid' ) ),
			'batch negative'    => array( self::body( array( $task ), -1 ) ),
			'batch a string'    => array( '{"upload_id": "' . self::UPLOAD_ID . '", "batch": "x", "tasks": [{"operation_code": 100}]}' ),
			'not JSON'          => array( '{"upload_id": ' ),
		);
	}

	/**
	 * @dataProvider invalid_bodies
	 */
	public function test_invalid_bodies_are_refused_before_the_api( string $body ): void {
		$this->spy_requests();
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', $body );
		$this->assertSame( 400, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$this->assertSame( array(), $this->requests );
	}

	public function test_a_server_without_batches_is_named(): void {
		$this->use_settings( $this->start_fake_api() . '/ok', self::api_key() );
		$response = $this->rest_json( 'POST', '/dda/v1/tasks/batch', self::body( self::specs( 2 ) ) );
		$this->assertSame( 502, $response->get_status() );
		$this->assertSame( 'dda_no_batches', $response->get_data()['code'] );
		$this->assertStringContainsString( 'does not create tasks in batches', $response->get_data()['message'] );
	}

	public function test_over_http_the_route_needs_the_rest_nonce(): void {
		$admin      = self::user( 'administrator' );
		$expiration = time() + HOUR_IN_SECONDS;
		$token      = WP_Session_Tokens::get_instance( $admin )->create( $expiration );
		$cookie     = wp_generate_auth_cookie( $admin, $expiration, 'logged_in', $token );
		$_COOKIE[ LOGGED_IN_COOKIE ] = $cookie;
		wp_set_current_user( $admin );
		$nonce = wp_create_nonce( 'wp_rest' );
		unset( $_COOKIE[ LOGGED_IN_COOKIE ] );
		wp_set_current_user( 0 );

		// An item PHP refuses: with the nonce, the answer is that refusal (nothing is created).
		$body = self::body( array( array( 'operation_code' => 0 ) ) );
		$call = static function ( array $headers ) use ( $body ) {
			$response = wp_remote_post(
				self::site_url() . '/wp-json/dda/v1/tasks/batch',
				array(
					'headers' => $headers + array( 'Content-Type' => 'application/json' ),
					'body'    => $body,
					'timeout' => 20,
				)
			);
			if ( is_wp_error( $response ) ) {
				throw new RuntimeException( $response->get_error_message() );
			}
			return array( wp_remote_retrieve_response_code( $response ), json_decode( wp_remote_retrieve_body( $response ), true ) );
		};
		$cookie_header = LOGGED_IN_COOKIE . '=' . rawurlencode( $cookie );

		list( $status, $data ) = $call( array() );
		$this->assertSame( 401, $status, 'no cookie' );
		list( $status, $data ) = $call( array( 'Cookie' => $cookie_header ) );
		$this->assertSame( 401, $status, 'cookie without nonce' );
		$this->assertSame( 'rest_forbidden', $data['code'] );
		list( $status, $data ) = $call( array( 'Cookie' => $cookie_header, 'X-WP-Nonce' => 'abc123def4' ) );
		$this->assertSame( 403, $status, 'cookie with a wrong nonce' );
		$this->assertSame( 'rest_cookie_invalid_nonce', $data['code'] );
		list( $status, $data ) = $call( array( 'Cookie' => $cookie_header, 'X-WP-Nonce' => $nonce ) );
		$this->assertSame( 400, $status, 'cookie with the nonce: ' . wp_json_encode( $data ) );
		$this->assertSame( 'dda_invalid_task_spec', $data['code'] );

		WP_Session_Tokens::get_instance( $admin )->destroy( $token );
	}

	/* ----------------------------------------------------------- API client, batches */

	public function test_the_client_refuses_what_the_api_would_and_sends_nothing(): void {
		$this->spy_requests();
		$client = new DDA_API_Client();
		$one    = array(
			array(
				'operation_code' => 100,
				'params'         => new stdClass(),
			),
		);
		$this->assertSame( 'dda_invalid', $client->create_tasks( array() )->get_error_code() );
		$this->assertSame( 'dda_invalid', $client->create_tasks( array_fill( 0, 1001, $one[0] ) )->get_error_code() );
		$this->assertSame( 'dda_invalid', $client->create_tasks( $one, 'with space' )->get_error_code() );
		$this->assertSame( 'dda_invalid', $client->create_tasks( $one, "line\nbreak" )->get_error_code() );
		$this->assertSame( 'dda_invalid', $client->create_tasks( $one, str_repeat( 'k', 129 ) )->get_error_code() );
		$this->assertSame( array(), $this->requests );

		$client->create_tasks( $one, str_repeat( 'k', 128 ) );
		$this->assertCount( 1, $this->requests );
		$this->assertSame( str_repeat( 'k', 128 ), $this->requests[0]['args']['headers']['Idempotency-Key'] );
		$this->assertSame( 0, $this->requests[0]['args']['redirection'] );
		$this->assertSame( DDA_API_Client::MAX_RESPONSE_BYTES, $this->requests[0]['args']['limit_response_size'] );
		$this->assertSame( self::api_url() . '/tasks/batch', $this->requests[0]['url'] );
		$this->assertSame( 'POST', $this->requests[0]['args']['method'] );
	}

	public function test_the_client_refuses_answers_that_do_not_match(): void {
		$one = array(
			array(
				'operation_code' => 100,
				'params'         => new stdClass(),
			),
		);
		$this->spy_requests( '{"task_ids": ["0f8fad5b-d9cb-469f-a165-70867728950e", "1f8fad5b-d9cb-469f-a165-70867728950e"], "count": 2}' );
		$this->assertSame( 'dda_bad_response', ( new DDA_API_Client() )->create_tasks( $one )->get_error_code(), 'two ids for one task' );
		remove_all_filters( 'pre_http_request' );
		$this->spy_requests( '{"task_ids": ["../runners"], "count": 1}' );
		$this->assertSame( 'dda_bad_response', ( new DDA_API_Client() )->create_tasks( $one )->get_error_code(), 'not a task id' );
		remove_all_filters( 'pre_http_request' );
		$this->spy_requests( '{"task_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}' );
		$this->assertSame( 'dda_bad_response', ( new DDA_API_Client() )->create_tasks( $one )->get_error_code(), 'no task_ids' );
	}

	public function test_the_api_names_the_bad_item(): void {
		$this->use_fake_api();
		// Past the plugin's checks (the client sends what it gets): the API's 422 comes back.
		$error = ( new DDA_API_Client() )->create_tasks(
			array(
				array(
					'operation_code' => 100,
					'params'         => new stdClass(),
				),
				array(
					'operation_code' => 0,
					'params'         => new stdClass(),
				),
			)
		);
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'dda_invalid', $error->get_error_code() );
		$this->assertSame( 422, $error->get_error_data()['api_status'] );
		$this->assertStringContainsString( 'tasks[1].operation_code', $error->get_error_message() );
	}

	public function test_batches_hold_at_most_1000_tasks(): void {
		$clean = DDA_Task_Batches::normalize( self::specs( 2500 ) );
		$this->assertSame( array( 1000, 1000, 500 ), array_map( 'count', DDA_Task_Batches::chunk( $clean ) ) );
		$this->assertSame( array( 1000 ), array_map( 'count', DDA_Task_Batches::chunk( DDA_Task_Batches::normalize( self::specs( 1000 ) ) ) ) );
		$this->assertSame( array( 1000, 1 ), array_map( 'count', DDA_Task_Batches::chunk( DDA_Task_Batches::normalize( self::specs( 1001 ) ) ) ) );
		$this->assertSame( array(), DDA_Task_Batches::chunk( array() ) );
	}

	public function test_batches_stay_below_the_body_limit(): void {
		$specs = array();
		foreach ( array( 100, 500, 300, 100, 850, 10, 890 ) as $kib ) {
			$specs[] = array(
				'operation_code' => 100,
				'params'         => self::big_params( $kib * 1024 ),
			);
		}
		$batches = DDA_Task_Batches::chunk( DDA_Task_Batches::normalize( $specs ) );
		$this->assertSame( array( 2, 2, 2, 1 ), array_map( 'count', $batches ) );
		foreach ( $batches as $batch ) {
			$this->assertLessThanOrEqual( DDA_Task_Batches::MAX_BYTES, strlen( wp_json_encode( array( 'tasks' => $batch ), DDA_API_Client::JSON_FLAGS ) ) );
		}
		// Multi-byte text counts as the bytes it is sent as (UTF-8, not \u escapes).
		$text    = array(
			'operation_code' => 100,
			'params'         => array( 'text' => str_repeat( 'ü', 100000 ) ),
		);
		$batches = DDA_Task_Batches::chunk( DDA_Task_Batches::normalize( array( $text, $text, $text, $text, $text ) ) );
		$this->assertSame( array( 4, 1 ), array_map( 'count', $batches ) );
	}

	public function test_normalize(): void {
		$clean = DDA_Task_Batches::normalize(
			array(
				'x' => array( 'operation_code' => 7 ),
				'y' => array(
					'operation_code' => 999999,
					'params'         => array(),
					'priority'       => -100,
				),
				'z' => (object) array(
					'operation_code' => 1,
					'params'         => array( 'a' => array() ),
					'priority'       => 100,
				),
			)
		);
		$this->assertSame( array( 0, 1, 2 ), array_keys( $clean ) );
		$this->assertSame( '{"operation_code":7,"params":{},"priority":0}', wp_json_encode( $clean[0] ) );
		$this->assertSame( '{"operation_code":999999,"params":{},"priority":-100}', wp_json_encode( $clean[1] ) );
		$this->assertSame( '{"operation_code":1,"params":{"a":[]},"priority":100}', wp_json_encode( $clean[2] ) );

		$error = DDA_Task_Batches::normalize( array( array( 'operation_code' => 1, 'params' => array( 'n' => INF ) ) ), 'specs' );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'specs[0].params', $error->get_error_message() );
		$this->assertSame( 0, $error->get_error_data()['index'] );
	}

	/* ------------------------------------------------------------ dda_create_tasks() */

	public function test_dda_create_tasks_creates_in_batches_and_returns_the_ids_in_order(): void {
		$this->use_fake_api();
		$ids = dda_create_tasks( self::specs( 2500 ), 'my-import-42' );
		$this->assertIsArray( $ids, is_wp_error( $ids ) ? $ids->get_error_message() : '' );
		$this->assertCount( 2500, $ids );
		$this->assertSame( array_keys( $ids ), range( 0, 2499 ) );
		$this->assertCount( 2500, array_unique( $ids ) );
		$sent = $this->fake_api_requests();
		$this->assertSame( array( 1000, 1000, 500 ), array_column( $sent, 'count' ) );
		$this->assertSame( array( 'my-import-42-0', 'my-import-42-1', 'my-import-42-2' ), array_column( $sent, 'key' ) );
		$params = $this->fake_api_params();
		$this->assertSame( '{"i":0}', $params[0] );
		$this->assertSame( '{"i":2499}', $params[2499] );
	}

	public function test_dda_create_tasks_without_a_key_uses_a_new_one_per_call(): void {
		$this->use_fake_api();
		$this->assertCount( 2, dda_create_tasks( self::specs( 2 ) ) );
		$this->assertCount( 2, dda_create_tasks( self::specs( 2 ) ) );
		$keys = array_column( $this->fake_api_requests(), 'key' );
		$this->assertMatchesRegularExpression( '/^dda-wp-[0-9a-f-]{36}-0$/', $keys[0] );
		$this->assertNotSame( $keys[0], $keys[1] );
		$this->assertCount( 4, $this->fake_api_params() );
	}

	public function test_dda_create_tasks_failing_mid_way_says_how_many_were_created(): void {
		$this->use_fake_api();
		// The second batch (tasks 1000…1999) fails once.
		$specs = self::specs( 2500, 1500, array( 'fake_fail' => 1 ) );
		$error = dda_create_tasks( $specs, 'import-7' );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'dda_unavailable', $error->get_error_code() );
		$data = $error->get_error_data();
		$this->assertSame( 1000, $data['created'] );
		$this->assertCount( 1000, $data['task_ids'] );
		$this->assertSame( 1, $data['batch'] );
		$this->assertSame( 3, $data['batches'] );
		$this->assertSame( 1000, $data['first_index'] );
		$this->assertSame( array( 201, 503 ), array_column( $this->fake_api_requests(), 'status' ), 'nothing is sent after the failed batch' );

		// Called again with the same specs and key: the first batch is not created twice.
		$ids = dda_create_tasks( $specs, 'import-7' );
		$this->assertIsArray( $ids, is_wp_error( $ids ) ? $ids->get_error_message() : '' );
		$this->assertCount( 2500, $ids );
		$this->assertSame( $data['task_ids'], array_slice( $ids, 0, 1000 ) );
		$this->assertCount( 2500, $this->fake_api_params() );
	}

	public function test_dda_create_tasks_refuses_bad_specs_and_sends_nothing(): void {
		$this->use_fake_api();
		$specs      = self::specs( 5 );
		$specs[3][] = 'extra';
		$error      = dda_create_tasks( $specs );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'dda_invalid_task_spec', $error->get_error_code() );
		$this->assertStringContainsString( 'tasks[3]', $error->get_error_message() );
		$this->assertSame( 0, $error->get_error_data()['created'] );
		$this->assertSame( 3, $error->get_error_data()['index'] );

		$this->assertSame( 'dda_invalid_task_spec', dda_create_tasks( self::specs( 1 ), 'has space' )->get_error_code() );
		$this->assertSame( 'dda_invalid_task_spec', dda_create_tasks( self::specs( 1 ), str_repeat( 'k', 101 ) )->get_error_code() );
		$this->assertSame( array(), dda_create_tasks( array() ) );
		$this->assertSame( array(), $this->fake_api_requests() );
	}

	public function test_dda_create_tasks_reports_api_errors_in_plain_words(): void {
		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key() );
		$error = dda_create_tasks( self::specs( 2 ) );
		$this->assertSame( 'dda_unreachable', $error->get_error_code() );
		$this->assertSame( 0, $error->get_error_data()['created'] );
		$this->assertStringNotContainsString( self::api_key(), $error->get_error_message() );
	}

	public function test_dda_create_tasks_on_the_real_server(): void {
		$specs = array(
			array(
				'operation_code' => self::WAITING_CODE,
				'params'         => array(
					'source' => 'dda_create_tasks',
					'nested' => new stdClass(),
				),
				'priority'       => 3,
			),
			array(
				'operation_code' => self::WAITING_CODE,
				'params'         => array( 'values' => array( 1, 2 ) ),
			),
		);
		$key = 'phpunit-' . wp_generate_uuid4();
		$ids = dda_create_tasks( $specs, $key );
		if ( is_wp_error( $ids ) && 'dda_no_batches' === $ids->get_error_code() ) {
			$this->markTestSkipped( 'this dda-server has no POST /tasks/batch yet (contract v1.1)' );
		}
		$this->assertIsArray( $ids, is_wp_error( $ids ) ? $ids->get_error_message() : '' );
		$this->assertCount( 2, $ids );
		$client = new DDA_API_Client();
		$first  = $client->get_task( $ids[0] );
		$this->assertSame( self::WAITING_CODE, $first['operation_code'] );
		$this->assertSame( 3, $first['priority'] );
		$this->assertSame( 'dda_create_tasks', $first['params']['source'] );
		$second = $client->get_task( $ids[1] );
		$this->assertSame( array( 'values' => array( 1, 2 ) ), $second['params'] );
		$this->assertSame( 0, $second['priority'] );
		// The same specs with the same key: the server answers the same ids, creates nothing.
		$this->assertSame( $ids, dda_create_tasks( $specs, $key ) );
		foreach ( $ids as $id ) {
			$client->cancel_task( $id );
		}
	}
}
