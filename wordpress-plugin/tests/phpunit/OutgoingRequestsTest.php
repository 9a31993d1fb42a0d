<?php
/**
 * What the plugin sends to the API server, and what it refuses to send: every request
 * without following redirects and with a size limit; a stored URL that breaks the rules is
 * never used; task ids go into paths only when they are lower-case UUID v4s.
 *
 * @package DistributedDataAnalysis
 */

final class OutgoingRequestsTest extends DDA_Test_Case {

	private const TASK_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

	private function client( string $url, int $timeout = 5 ): DDA_API_Client {
		return new DDA_API_Client(
			array(
				'api_url' => $url,
				'api_key' => self::api_key(),
				'timeout' => $timeout,
			)
		);
	}

	/**
	 * Every call the client makes, once each.
	 */
	private function call_everything( DDA_API_Client $client ): void {
		$client->service_info();
		$client->list_runners();
		$client->list_tasks( 'pending', 50, self::TASK_ID );
		$client->create_task( 100, new stdClass() );
		$client->get_task( self::TASK_ID );
		$client->cancel_task( self::TASK_ID );
		$client->retry_task( self::TASK_ID );
		$client->test_connection();
	}

	public function test_every_request_disallows_redirects_and_limits_the_answer_size(): void {
		$this->spy_requests();
		$this->call_everything( $this->client( self::api_url() ) );
		$this->assertGreaterThanOrEqual( 8, count( $this->requests ) );
		foreach ( $this->requests as $request ) {
			$this->assertSame( 0, $request['args']['redirection'], $request['url'] );
			$this->assertSame( DDA_API_Client::MAX_RESPONSE_BYTES, $request['args']['limit_response_size'], $request['url'] );
			$this->assertSame( 4 * 1024 * 1024, $request['args']['limit_response_size'] );
			$this->assertFalse( $request['args']['reject_unsafe_urls'], $request['url'] );
			$this->assertStringStartsWith( self::api_url() . '/', $request['url'] );
		}
	}

	public function test_a_redirect_is_not_followed(): void {
		$base   = $this->start_fake_api();
		$client = $this->client( $base . '/redirect' );
		// The same server without the detour answers like dda-server.
		$this->assertIsArray( $this->client( $base . '/ok' )->service_info() );

		$error = $client->service_info();
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'dda_redirect', $error->get_error_code(), $error->get_error_message() );
		$this->assertSame( 302, $error->get_error_data()['api_status'] );
		$this->assertStringContainsString( 'does not follow redirects', $error->get_error_message() );
		$this->assertStringContainsString( $base . '/ok/', $error->get_error_message() );
		$this->assertSame( 'dda_redirect', $client->list_runners()->get_error_code() );
	}

	public function test_an_answer_over_the_size_limit_is_refused(): void {
		$base  = $this->start_fake_api();
		$error = $this->client( $base . '/big', 10 )->service_info();
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'dda_too_large', $error->get_error_code(), $error->get_error_message() );
		$this->assertSame( 502, $error->get_error_data()['status'] );
		$this->assertStringContainsString( 'larger than 4 MB', $error->get_error_message() );
	}

	/**
	 * Stored URLs that break the rules (written around the form, e.g. by an older version or
	 * straight into the database).
	 */
	public function bad_stored_urls(): array {
		return array(
			'credentials'      => array( 'http://user:secret@127.0.0.1:8080' ),
			'user name'        => array( 'http://admin@127.0.0.1:8080' ),
			'file'             => array( 'file:///etc/passwd' ),
			'gopher'           => array( 'gopher://127.0.0.1:6379/_INFO' ),
			'ftp'              => array( 'ftp://127.0.0.1/' ),
			'dict'             => array( 'dict://127.0.0.1:11211/stat' ),
			'no host'          => array( 'http:///etc/passwd' ),
			'scheme-relative'  => array( '//127.0.0.1:8080' ),
			'no scheme'        => array( '127.0.0.1:8080' ),
			'query'            => array( 'http://127.0.0.1:8080/?next=http://10.0.0.1/' ),
			'control char'     => array( "http://127.0.0.1:8080/\x01" ),
		);
	}

	/**
	 * @dataProvider bad_stored_urls
	 */
	public function test_a_stored_url_that_breaks_the_rules_is_never_requested( string $url ): void {
		$this->spy_requests();
		$client = $this->client( $url );
		foreach ( array( $client->service_info(), $client->list_runners(), $client->test_connection() ) as $result ) {
			$this->assertInstanceOf( WP_Error::class, $result );
			$this->assertSame( 'dda_invalid_url', $result->get_error_code() );
		}
		$this->assertSame( array(), $this->requests, 'a request was sent to ' . $url );
	}

	public function test_a_same_host_server_on_loopback_keeps_working(): void {
		$this->assertStringStartsWith( 'http://127.0.0.1:', self::api_url() );
		$result = $this->client( self::api_url() )->test_connection();
		$this->assertIsArray( $result, is_wp_error( $result ) ? $result->get_error_message() : '' );
		$this->assertStringContainsString( 'The API key was accepted', $result['message'] );
	}

	/**
	 * Ids that must never go into /task/{id}.
	 */
	public function bad_task_ids(): array {
		return array(
			'path traversal'   => array( '../runners' ),
			'sub-route'        => array( self::TASK_ID . '/retry' ),
			'query'            => array( self::TASK_ID . '?x=1' ),
			'upper case'       => array( strtoupper( self::TASK_ID ) ),
			'version 1'        => array( 'e3b0c442-98fc-11ee-b9d1-0242ac120002' ),
			'bad variant'      => array( '0f8fad5b-d9cb-469f-c165-70867728950e' ),
			'trailing newline' => array( self::TASK_ID . "\n" ),
			'empty'            => array( '' ),
			'no dashes'        => array( str_replace( '-', '', self::TASK_ID ) ),
		);
	}

	/**
	 * @dataProvider bad_task_ids
	 */
	public function test_an_invalid_task_id_is_refused_and_never_sent( string $id ): void {
		$this->spy_requests();
		$client  = $this->client( self::api_url() );
		$results = array(
			$client->get_task( $id ),
			$client->cancel_task( $id ),
			$client->retry_task( $id ),
		);
		if ( '' !== $id ) {
			$results[] = $client->list_tasks( '', 50, $id ); // '' means "from the newest".
		}
		foreach ( $results as $result ) {
			$this->assertInstanceOf( WP_Error::class, $result );
			$this->assertSame( 'dda_invalid_task_id', $result->get_error_code() );
			$this->assertSame( 400, $result->get_error_data()['status'] );
		}
		$this->assertSame( array(), $this->requests );
	}

	public function test_valid_task_ids_are_sent_as_they_are(): void {
		$this->spy_requests();
		$client = $this->client( self::api_url() );
		$client->get_task( self::TASK_ID );
		$client->retry_task( self::TASK_ID );
		$this->assertSame( self::api_url() . '/task/' . self::TASK_ID, $this->requests[0]['url'] );
		$this->assertSame( self::api_url() . '/task/' . self::TASK_ID . '/retry', $this->requests[1]['url'] );
	}

	public function test_the_rest_route_refuses_a_uuid_that_is_not_a_task_id_before_the_api(): void {
		$this->as_admin();
		$this->spy_requests();
		$response = $this->rest( 'GET', '/dda/v1/tasks/e3b0c442-98fc-11ee-b9d1-0242ac120002' );
		$this->assertSame( 400, $response->get_status() );
		$this->assertSame( 'dda_invalid_task_id', $response->get_data()['code'] );
		$this->assertSame( array(), $this->requests );
	}

	public function test_task_ids_from_the_api_become_links_only_when_valid(): void {
		$this->as_admin();
		$tasks = array(
			array(
				'task_id'        => '../../runners/x/pause',
				'status'         => 'pending',
				'operation_code' => 100,
			),
			array(
				'task_id'        => self::TASK_ID,
				'status'         => 'pending',
				'operation_code' => 100,
			),
		);
		$rows  = DDA_Views::rows_html( DDA_Views::tasks_table( $tasks, array(), '' ) );
		$html  = html_entity_decode( $rows );
		$this->assertStringContainsString( 'data-task-id="' . self::TASK_ID . '"', $rows );
		$this->assertStringContainsString( 'dda_action=cancel&task=' . self::TASK_ID, $html );
		$this->assertStringNotContainsString( 'runners', $html );
		$this->assertStringNotContainsString( 'pause', $html );
		$this->assertSame( 1, substr_count( $rows, 'data-dda-action="cancel"' ) );
		$this->assertStringContainsString( 'dda-task-invalid-id', $rows );
	}

	public function test_a_created_task_with_an_invalid_id_is_reported_not_passed_on(): void {
		$this->as_admin();
		$this->spy_requests( '{"task_id": "../runners", "status": "pending", "message": "task created"}' );
		$response = $this->rest( 'POST', '/dda/v1/tasks', array( 'operation_code' => 100 ) );
		$this->assertSame( 502, $response->get_status() );
		$this->assertSame( 'dda_bad_response', $response->get_data()['code'] );
	}
}
