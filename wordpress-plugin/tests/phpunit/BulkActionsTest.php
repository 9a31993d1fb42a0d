<?php
/**
 * Bulk actions of the task list: Cancel and Retry of the checked tasks, posted with the
 * `dda_bulk_tasks` nonce; refused without the nonce or the capability; one outcome per task.
 *
 * @package DistributedDataAnalysis
 */

require_once __DIR__ . '/trait-dda-fake-routes.php';

final class BulkActionsTest extends DDA_Test_Case {
	use DDA_Fake_Routes;

	protected function tearDown(): void {
		$_POST    = array();
		$_REQUEST = array();
		$this->stop_routing();
		parent::tearDown();
	}

	/**
	 * Puts a bulk action into $_POST as the table's form posts it.
	 *
	 * @param string      $action cancel, retry or ''.
	 * @param array       $ids    Checked task ids.
	 * @param string|null $nonce  The dda_bulk_nonce field, null for none.
	 */
	private function post_bulk( string $action, array $ids, ?string $nonce ): void {
		$_POST = array(
			'dda_bulk' => $action,
			'task'     => $ids,
		);
		if ( null !== $nonce ) {
			$_POST['dda_bulk_nonce'] = $nonce;
		}
		$_REQUEST = $_POST;
	}

	public function test_a_bulk_action_without_the_nonce_is_refused_and_sends_nothing(): void {
		$this->as_admin();
		$this->catch_wp_die();
		$this->spy_requests();
		foreach ( array( null, 'abc123def4', wp_create_nonce( 'dda_cancel_' . wp_generate_uuid4() ) ) as $nonce ) {
			$this->post_bulk( 'cancel', array( wp_generate_uuid4() ), $nonce );
			try {
				DDA_Admin::process_bulk_action();
				$this->fail( 'a bulk action was handled with the nonce ' . wp_json_encode( $nonce ) );
			} catch ( DDA_Test_Die $die ) {
				$this->assertSame( array(), $this->requests );
			}
		}
	}

	public function test_a_bulk_action_without_the_capability_is_refused_and_sends_nothing(): void {
		wp_set_current_user( self::user( 'editor' ) );
		$this->assertFalse( current_user_can( DDA_Admin::CAPABILITY ) );
		$this->catch_wp_die();
		$this->spy_requests();
		$this->post_bulk( 'cancel', array( wp_generate_uuid4() ), wp_create_nonce( 'dda_bulk_tasks' ) );
		try {
			DDA_Admin::process_bulk_action();
			$this->fail( 'an editor ran a bulk action' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertStringContainsString( 'not allowed', $die->getMessage() );
			$this->assertSame( array(), $this->requests );
		}
	}

	public function test_bulk_cancel_then_retry_report_the_outcome_of_each_task(): void {
		$this->as_admin();
		$client = new DDA_API_Client();
		$first  = $client->create_task( 424242, (object) array( 'bulk' => 1 ) )['task_id'];
		$second = $client->create_task( 424242, (object) array( 'bulk' => 2 ) )['task_id'];
		$gone   = wp_generate_uuid4();
		try {
			$this->post_bulk( 'cancel', array( $first, strtoupper( $second ), $gone, '../runners', $first ), wp_create_nonce( 'dda_bulk_tasks' ) );
			$notice = DDA_Admin::process_bulk_action();
			$this->assertIsArray( $notice );
			$this->assertSame( 'warning', $notice['type'] );
			$this->assertSame( '2 tasks cancelled; 1 could not be:', $notice['message'] );
			$this->assertCount( 1, $notice['items'] );
			$this->assertStringStartsWith( substr( $gone, 0, 8 ) . ': ', $notice['items'][0] );
			$this->assertStringContainsString( 'does not know this task', $notice['items'][0] );
			$this->assertSame( 'cancelled', $client->get_task( $first )['status'] );
			$this->assertSame( 'cancelled', $client->get_task( $second )['status'] );

			$this->post_bulk( 'retry', array( $first, $second ), wp_create_nonce( 'dda_bulk_tasks' ) );
			$notice = DDA_Admin::process_bulk_action();
			$this->assertSame( 'success', $notice['type'] );
			$this->assertSame( '2 tasks are pending again.', $notice['message'] );
			$this->assertSame( array(), $notice['items'] );
			$this->assertSame( 'pending', $client->get_task( $first )['status'] );
		} finally {
			$client->cancel_task( $first );
			$client->cancel_task( $second );
		}
	}

	public function test_the_notice_names_each_task_that_could_not_be_changed(): void {
		$a      = wp_generate_uuid4();
		$b      = wp_generate_uuid4();
		$notice = DDA_Admin::bulk_notice(
			'cancel',
			array(
				'done'   => array(),
				'failed' => array(
					$a => 'Not possible in the task\'s current state: already completed',
					$b => 'The API server refused the API key.',
				),
			)
		);
		$this->assertSame( 'error', $notice['type'] );
		$this->assertSame( '0 tasks cancelled; 2 could not be:', $notice['message'] );
		$this->assertSame(
			array(
				substr( $a, 0, 8 ) . ': Not possible in the task\'s current state: already completed',
				substr( $b, 0, 8 ) . ': The API server refused the API key.',
			),
			$notice['items']
		);
		$one = DDA_Admin::bulk_notice(
			'retry',
			array(
				'done'   => array( $a ),
				'failed' => array(),
			)
		);
		$this->assertSame( '1 task is pending again.', $one['message'] );
	}

	public function test_no_action_or_no_task_chosen_sends_nothing(): void {
		$this->as_admin();
		$this->spy_requests();
		$this->post_bulk( '', array( wp_generate_uuid4() ), wp_create_nonce( 'dda_bulk_tasks' ) );
		$error = DDA_Admin::process_bulk_action();
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'Choose a bulk action', $error->get_error_message() );
		$this->post_bulk( 'cancel', array( 'not-a-task-id' ), wp_create_nonce( 'dda_bulk_tasks' ) );
		$error = DDA_Admin::process_bulk_action();
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'Select at least one task', $error->get_error_message() );
		$this->assertSame( array(), $this->requests );
	}

	public function test_the_list_is_a_form_with_the_bulk_nonce_and_a_checkbox_per_task(): void {
		$this->as_admin();
		$created = ( new DDA_API_Client() )->create_task( 424242, new stdClass() );
		$id      = $created['task_id'];
		try {
			ob_start();
			DDA_Admin::render_tasks_page();
			$html = (string) ob_get_clean();
		} finally {
			( new DDA_API_Client() )->cancel_task( $id );
		}
		$this->assertMatchesRegularExpression( '/<form method="post" action="[^"]*page=dda-tasks[^"]*" id="dda-tasks-form">/', $html );
		$this->assertStringContainsString( 'name="dda_bulk_nonce" value="' . wp_create_nonce( 'dda_bulk_tasks' ) . '"', $html );
		$this->assertStringContainsString( '<select name="dda_bulk" id="bulk-action-selector-top">', $html );
		$this->assertStringContainsString( '<option value="cancel">Cancel</option>', $html );
		$this->assertStringContainsString( '<option value="retry">Retry</option>', $html );
		$this->assertStringContainsString( 'id="cb-select-' . $id . '" name="task[]" value="' . $id . '"', $html );
		$this->assertSame( 1, substr_count( $html, 'id="_wpnonce"' ), 'one _wpnonce id on the page' );
	}
}
