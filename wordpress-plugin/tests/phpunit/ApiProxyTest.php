<?php
/**
 * The REST routes proxy to a real dda-server (with a real dda-runner doing the work).
 *
 * @package DistributedDataAnalysis
 */

final class ApiProxyTest extends DDA_Test_Case {

	/** No runner registers this code: such a task stays pending. */
	private const WAITING_CODE = 424242;

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
	}

	private function create( int $code, string $params = '{}', int $priority = 0 ): string {
		$response = $this->rest(
			'POST',
			'/dda/v1/tasks',
			array(
				'operation_code' => $code,
				'params'         => $params,
				'priority'       => $priority,
			)
		);
		$this->assertSame( 201, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$id = $response->get_data()['task_id'];
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $id );
		$this->assertStringContainsString( 'created', $response->get_data()['message'] );
		return $id;
	}

	public function test_creates_a_task_and_reads_it_back(): void {
		$id       = $this->create( 100, '{"source": "phpunit"}', 5 );
		$response = $this->rest( 'GET', '/dda/v1/tasks/' . $id );
		$this->assertSame( 200, $response->get_status() );
		$task = $response->get_data()['task'];
		$this->assertSame( $id, $task['task_id'] );
		$this->assertSame( 100, $task['operation_code'] );
		$this->assertSame( array( 'source' => 'phpunit' ), $task['params'] );
		$this->assertSame( 5, $task['priority'] );
		$this->assertSame( 'created', $task['events'][0]['event'] );
		$this->assertStringContainsString( 'dda-details__events', $response->get_data()['html'] );

		// The runner does the work; the result is the contract's string.
		$task = $this->wait_for_status( $id, array( 'completed', 'failed' ) );
		$this->assertSame( 'completed', $task['status'] );
		$this->assertSame( 'raw data', $task['result_data'] );
		$html = $this->rest( 'GET', '/dda/v1/tasks/' . $id )->get_data()['html'];
		$this->assertStringContainsString( '>raw data</pre>', $html );
	}

	public function test_statistics_task_with_params(): void {
		$id   = $this->create( 300, '{"values": [1, 2, 3, 4]}' );
		$task = $this->wait_for_status( $id, array( 'completed', 'failed' ) );
		$this->assertSame( 'completed', $task['status'], (string) $task['error'] );
		$this->assertEquals( 2.5, $task['result_data']['mean'] );
		$this->assertEquals( 10, $task['result_data']['sum'] );
	}

	public function test_empty_params_mean_an_empty_object(): void {
		$id   = $this->create( self::WAITING_CODE, '' );
		$task = $this->rest( 'GET', '/dda/v1/tasks/' . $id )->get_data()['task'];
		$this->assertSame( array(), $task['params'] );
		$this->assertSame( 200, $this->rest( 'DELETE', '/dda/v1/tasks/' . $id )->get_status() );
	}

	public function test_list_contains_the_task_and_its_rendered_row(): void {
		$id       = $this->create( self::WAITING_CODE );
		$response = $this->rest( 'GET', '/dda/v1/tasks', array( 'status' => 'pending' ) );
		$this->assertSame( 200, $response->get_status() );
		$data = $response->get_data();
		$this->assertContains( $id, wp_list_pluck( $data['tasks'], 'task_id' ) );
		$this->assertSame( array( 'pending' ), array_values( array_unique( wp_list_pluck( $data['tasks'], 'status' ) ) ) );
		$this->assertStringContainsString( 'id="dda-task-' . $id . '"', $data['rows'] );
		$this->assertStringContainsString( 'data-dda-action="cancel"', $data['rows'] );
		$this->rest( 'DELETE', '/dda/v1/tasks/' . $id );
	}

	public function test_cancel_and_retry_a_pending_task(): void {
		$id = $this->create( self::WAITING_CODE );

		$cancel = $this->rest( 'DELETE', '/dda/v1/tasks/' . $id );
		$this->assertSame( 200, $cancel->get_status() );
		$this->assertSame( 'cancelled', $cancel->get_data()['task']['status'] );

		$again = $this->rest( 'DELETE', '/dda/v1/tasks/' . $id );
		$this->assertSame( 409, $again->get_status() );
		$this->assertSame( 'dda_conflict', $again->get_data()['code'] );

		$retry = $this->rest( 'POST', '/dda/v1/tasks/' . $id . '/retry' );
		$this->assertSame( 200, $retry->get_status() );
		$this->assertSame( 'pending', $retry->get_data()['task']['status'] );

		$this->assertSame( 200, $this->rest( 'DELETE', '/dda/v1/tasks/' . $id )->get_status() );
	}

	public function test_unknown_task_is_404(): void {
		$response = $this->rest( 'GET', '/dda/v1/tasks/0f8fad5b-d9cb-469f-a165-70867728950e' );
		$this->assertSame( 404, $response->get_status() );
		$this->assertSame( 'dda_not_found', $response->get_data()['code'] );
	}

	/**
	 * @dataProvider invalid_creates
	 */
	public function test_invalid_input_is_refused_before_the_api( array $params, string $expected ): void {
		$response = $this->rest( 'POST', '/dda/v1/tasks', $params );
		$this->assertSame( 400, $response->get_status() );
		$this->assertStringContainsString( $expected, wp_json_encode( $response->get_data() ) );
	}

	public function invalid_creates(): array {
		return array(
			'params is a list'     => array( array( 'operation_code' => 100, 'params' => '[1, 2]' ), 'must be a JSON object' ),
			'params is not JSON'   => array( array( 'operation_code' => 100, 'params' => '{values: 1}' ), 'not valid JSON' ),
			'params is a number'   => array( array( 'operation_code' => 100, 'params' => '42' ), 'must be a JSON object' ),
			'code missing'         => array( array( 'params' => '{}' ), 'operation_code' ),
			'code zero'            => array( array( 'operation_code' => 0 ), 'operation_code' ),
			'code too large'       => array( array( 'operation_code' => 1000000 ), 'operation_code' ),
			'code not an integer'  => array( array( 'operation_code' => '100.5' ), 'operation_code' ),
			'priority too high'    => array( array( 'operation_code' => 100, 'priority' => 101 ), 'priority' ),
		);
	}

	public function test_bad_task_id_and_status_are_refused(): void {
		$this->assertSame( 404, $this->rest( 'GET', '/dda/v1/tasks/not-a-uuid' )->get_status() );
		$this->assertSame( 400, $this->rest( 'GET', '/dda/v1/tasks', array( 'status' => 'bogus' ) )->get_status() );
		$this->assertSame( 400, $this->rest( 'GET', '/dda/v1/tasks', array( 'limit' => 5000 ) )->get_status() );
	}

	public function test_runners_are_listed(): void {
		$response = $this->rest( 'GET', '/dda/v1/runners' );
		$this->assertSame( 200, $response->get_status() );
		$names = wp_list_pluck( $response->get_data()['runners'], 'name' );
		$this->assertContains( 'local-runner-1', $names );
		$this->assertStringContainsString( 'local-runner-1', $response->get_data()['rows'] );
	}

	public function test_connection_test_succeeds(): void {
		$response = $this->rest( 'POST', '/dda/v1/connection-test' );
		$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
		$this->assertTrue( $response->get_data()['ok'] );
		$this->assertStringContainsString( 'The API key was accepted', $response->get_data()['message'] );
	}

	public function test_no_answer_contains_the_api_key(): void {
		$id   = $this->create( self::WAITING_CODE );
		$seen = array(
			$this->rest( 'GET', '/dda/v1/tasks' )->get_data(),
			$this->rest( 'GET', '/dda/v1/tasks/' . $id )->get_data(),
			$this->rest( 'DELETE', '/dda/v1/tasks/' . $id )->get_data(),
			$this->rest( 'GET', '/dda/v1/runners' )->get_data(),
			$this->rest( 'POST', '/dda/v1/connection-test' )->get_data(),
		);
		$this->assertStringNotContainsString( self::api_key(), wp_json_encode( $seen ) );
	}

	public function test_tasks_screen_renders_the_table_without_warnings(): void {
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'id="dda-create-form"', $html );
		$this->assertStringContainsString( 'wp-list-table', $html );
		$this->assertStringNotContainsString( 'notice-error', $html );
		$this->assertStringNotContainsString( self::api_key(), $html );
	}
}
