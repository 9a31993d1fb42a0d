<?php
/**
 * The paths that work without JavaScript: the create form's server-side validation, the
 * task details rendered into the page, and the file form (a CSV or JSON Lines file posted to
 * the tasks screen, read and created in batches by PHP).
 *
 * @package DistributedDataAnalysis
 */

final class NoJavaScriptTest extends DDA_Test_Case {

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
	}

	/**
	 * Files written by file(), removed in tearDown.
	 *
	 * @var string[]
	 */
	private array $files = array();

	protected function tearDown(): void {
		unset( $_GET['task'], $_GET['tab'], $_GET['status'] );
		$_POST    = array();
		$_REQUEST = array();
		delete_transient( 'dda_file_resume_' . get_current_user_id() );
		foreach ( $this->files as $file ) {
			if ( is_file( $file ) ) {
				unlink( $file );
			}
		}
		parent::tearDown();
	}

	/**
	 * A temporary file with the text (as PHP keeps an upload).
	 */
	private function file( string $text ): string {
		$path          = (string) tempnam( sys_get_temp_dir(), 'dda-upload-' );
		$this->files[] = $path;
		file_put_contents( $path, $text );
		return $path;
	}

	/**
	 * A CSV with a header and $rows rows; row $fail_row (from 0) carries "fake_fail": 1.
	 */
	private static function csv( int $rows, int $fail_row = -1 ): string {
		$csv = "row,label,fake_fail\r\n";
		for ( $i = 0; $i < $rows; $i++ ) {
			$csv .= $i . ',"item ' . $i . '",' . ( $i === $fail_row ? 1 : 0 ) . "\r\n";
		}
		return $csv;
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

	public function test_file_form_renders_with_its_nonce_and_works_without_javascript(): void {
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertMatchesRegularExpression( '/<form method="post" action="[^"]*page=dda-tasks" enctype="multipart\/form-data" id="dda-file-form"/', $html );
		$this->assertStringContainsString( 'name="dda_file_nonce" value="' . wp_create_nonce( 'dda_create_tasks_file' ) . '"', $html );
		$this->assertStringContainsString( '<input type="file" id="dda-file" name="dda_file"', $html );
		$this->assertStringContainsString( 'name="dda_file_operation"', $html );
		$this->assertStringContainsString( 'name="dda_file_operation_other"', $html );
		$this->assertStringContainsString( 'name="dda_file_priority"', $html );
		$this->assertStringContainsString( 'role="alert"', $html );
		$this->assertStringContainsString( 'is taken as that JSON value; any other cell is text', $html );
		$this->assertStringContainsString( 'At most 100,000 tasks', $html );
		$this->assertSame( 1, substr_count( $html, 'id="_wpnonce"' ), 'one _wpnonce id on the page' );
	}

	public function test_the_file_form_needs_its_nonce(): void {
		$this->catch_wp_die();
		$this->spy_requests();
		$_POST    = array(
			'dda_create_tasks_file' => '1',
			'dda_file_nonce'        => 'abc123def4',
			'dda_file_operation'    => '100',
		);
		$_REQUEST = $_POST;
		try {
			DDA_Admin::load_tasks_page();
			$this->fail( 'the form was handled without a valid nonce' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertSame( array(), $this->requests );
		}
	}

	public function test_a_file_with_bad_lines_is_refused_with_their_numbers_before_anything_is_sent(): void {
		$this->spy_requests();
		$error = DDA_Admin::create_from_file( $this->file( "a,b\n1,2\n3\n4,5\n" ), 'bad.csv', 'auto', '100', '0' );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'Line 3: 1 cell, but the header row has 2 columns.', $error->get_error_message() );
		$this->assertStringContainsString( 'nothing was created', $error->get_error_message() );
		$error = DDA_Admin::create_from_file( $this->file( "{\"a\": 1}\n{\"a\": 2,}\n" ), 'bad.jsonl', 'auto', '100', '0' );
		$this->assertStringContainsString( 'Line 2: not valid JSON', $error->get_error_message() );
		$this->assertStringContainsString( 'has no tasks', DDA_Admin::create_from_file( $this->file( '' ), 'empty.csv', 'auto', '100', '0' )->get_error_message() );
		$this->assertSame( array(), $this->requests );
	}

	public function test_the_file_form_checks_code_and_priority(): void {
		$this->spy_requests();
		$path = $this->file( "a\n1\n" );
		$this->assertStringContainsString( 'operation code', DDA_Admin::create_from_file( $path, 'a.csv', 'auto', '0', '0' )->get_error_message() );
		$this->assertStringContainsString( 'operation code', DDA_Admin::create_from_file( $path, 'a.csv', 'auto', 'abc', '0' )->get_error_message() );
		$this->assertStringContainsString( 'priority', DDA_Admin::create_from_file( $path, 'a.csv', 'auto', '100', '101' )->get_error_message() );
		$this->assertSame( array(), $this->requests );
	}

	public function test_upload_problems_are_reported(): void {
		$none = DDA_Admin::create_from_upload( array( 'error' => UPLOAD_ERR_NO_FILE ), 'auto', '100', '0' );
		$this->assertStringContainsString( 'Choose a CSV or JSON Lines file first', $none->get_error_message() );
		$big = DDA_Admin::create_from_upload( array( 'error' => UPLOAD_ERR_INI_SIZE ), 'auto', '100', '0' );
		$this->assertStringContainsString( 'larger than this server accepts', $big->get_error_message() );
		// A path that PHP did not receive as an upload is never read.
		$forged = DDA_Admin::create_from_upload(
			array(
				'error'    => UPLOAD_ERR_OK,
				'name'     => 'passwd.csv',
				'tmp_name' => '/etc/passwd',
			),
			'csv',
			'100',
			'0'
		);
		$this->assertStringContainsString( 'The upload failed', $forged->get_error_message() );
	}

	public function test_a_file_is_created_in_batches_of_1000(): void {
		$this->use_settings( $this->start_fake_api() . '/batch', self::api_key() );
		$message = DDA_Admin::create_from_file( $this->file( "\xEF\xBB\xBF" . self::csv( 2500 ) ), 'tasks.csv', 'auto', '424242', '-3' );
		$this->assertSame( '2,500 tasks created from tasks.csv.', $message );
		$sent = $this->fake_api_requests();
		$this->assertSame( array( 1000, 1000, 500 ), array_column( $sent, 'count' ) );
		$this->assertMatchesRegularExpression( '/^dda-wp-[0-9a-f-]{36}-0$/', $sent[0]['key'] );
		$this->assertSame( preg_replace( '/-0$/', '-2', $sent[0]['key'] ), $sent[2]['key'] );
		$params = $this->fake_api_params();
		$this->assertSame( '{"row":0,"label":"item 0","fake_fail":0}', $params[0] );
		$this->assertSame( '{"row":2499,"label":"item 2499","fake_fail":0}', $params[2499] );
		$this->assertFalse( get_transient( 'dda_file_resume_' . get_current_user_id() ) );
	}

	public function test_a_failed_file_upload_resumes_without_creating_tasks_twice(): void {
		$this->use_settings( $this->start_fake_api() . '/batch', self::api_key() );
		$path  = $this->file( self::csv( 2500, 1500 ) );
		$error = DDA_Admin::create_from_file( $path, 'tasks.csv', 'auto', '424242', '0' );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'Batch 2 of 3 failed: The API server is unavailable right now', $error->get_error_message() );
		$this->assertStringContainsString( '1,000 of 2,500 tasks were created', $error->get_error_message() );
		$this->assertStringContainsString( 'send the same file with the same operation and priority again', $error->get_error_message() );
		$this->assertCount( 1000, $this->fake_api_params() );

		$this->assertSame( '2,500 tasks created from tasks.csv.', DDA_Admin::create_from_file( $path, 'tasks.csv', 'auto', '424242', '0' ) );
		$sent = $this->fake_api_requests();
		$this->assertSame( array( 201, 503, 200, 201, 201 ), array_column( $sent, 'status' ) );
		$this->assertSame( $sent[0]['key'], $sent[2]['key'], 'the second post reused the upload id' );
		$this->assertCount( 2500, $this->fake_api_params(), 'no task was created twice' );
		$this->assertFalse( get_transient( 'dda_file_resume_' . get_current_user_id() ) );
	}

	public function test_another_file_or_other_settings_after_a_failure_are_a_new_upload(): void {
		$this->use_settings( $this->start_fake_api() . '/batch', self::api_key() );
		$path = $this->file( self::csv( 1500, 1200 ) );
		$this->assertInstanceOf( WP_Error::class, DDA_Admin::create_from_file( $path, 'tasks.csv', 'auto', '424242', '0' ) );
		$this->assertInstanceOf( WP_Error::class, DDA_Admin::create_from_file( $path, 'tasks.csv', 'auto', '424242', '1' ) );
		$keys = array_column( $this->fake_api_requests(), 'key' );
		$this->assertNotSame( $keys[0], $keys[2], 'another priority: another upload id' );
	}
}
