<?php
/**
 * The paths that work without JavaScript: the create form's server-side validation and the
 * task details rendered into the page.
 *
 * @package DistributedDataAnalysis
 */

final class NoJavaScriptTest extends DDA_Test_Case {

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
	}

	protected function tearDown(): void {
		unset( $_GET['task'], $_GET['tab'], $_GET['status'] );
		parent::tearDown();
	}

	public function test_create_form_validates_in_php(): void {
		$this->assertInstanceOf( WP_Error::class, DDA_Admin::create_from_form( 'abc', '{}', '0' ) );
		$this->assertInstanceOf( WP_Error::class, DDA_Admin::create_from_form( '0', '{}', '0' ) );
		$this->assertInstanceOf( WP_Error::class, DDA_Admin::create_from_form( '1000000', '{}', '0' ) );
		$this->assertInstanceOf( WP_Error::class, DDA_Admin::create_from_form( '100', '{}', '101' ) );
		$error = DDA_Admin::create_from_form( '100', '["a"]', '0' );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'JSON object', $error->get_error_message() );
	}

	public function test_create_form_creates_a_task(): void {
		$message = DDA_Admin::create_from_form( '200', '{"from": "form"}', '-3' );
		$this->assertIsString( $message );
		$this->assertMatchesRegularExpression( '/^Task [0-9a-f]{8} \(200 — filtered data\) created\.$/', $message );
	}

	public function test_details_of_a_task_render_in_the_page(): void {
		$created = ( new DDA_API_Client() )->create_task( 100, new stdClass() );
		$this->assertIsArray( $created );
		$id = $created['task_id'];
		$this->wait_for_status( $id, array( 'completed' ) );
		$_GET['task'] = $id;
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'dda-details-panel', $html );
		$this->assertStringContainsString( '>raw data</pre>', $html );
		$this->assertStringContainsString( 'Result received', $html );
	}

	public function test_runners_tab_renders(): void {
		$_GET['tab'] = 'runners';
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'data-dda-view="runners"', $html );
		$this->assertStringContainsString( 'local-runner-1', $html );
		$this->assertStringNotContainsString( 'id="dda-create-form"', $html );
	}

	public function test_row_actions_carry_nonces(): void {
		$created = ( new DDA_API_Client() )->create_task( 424242, new stdClass() );
		$id      = $created['task_id'];
		$rows    = $this->rest( 'GET', '/dda/v1/tasks', array( 'status' => 'pending' ) )->get_data()['rows'];
		$nonce   = wp_create_nonce( 'dda_cancel_' . $id );
		$this->assertStringContainsString( 'dda_action=cancel&task=' . $id . '&_wpnonce=' . $nonce, html_entity_decode( $rows ) );
		( new DDA_API_Client() )->cancel_task( $id );
	}
}
