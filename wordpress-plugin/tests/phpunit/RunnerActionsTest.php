<?php
/**
 * The Runners tab: version, labels, state and current tasks; Pause, Resume and Remove posted
 * with a nonce per runner, Remove only after a confirmation.
 *
 * @package DistributedDataAnalysis
 */

require_once __DIR__ . '/trait-dda-fake-routes.php';

final class RunnerActionsTest extends DDA_Test_Case {
	use DDA_Fake_Routes;

	protected function tearDown(): void {
		$_POST    = array();
		$_REQUEST = array();
		unset( $_GET['tab'], $_GET['confirm_remove'] );
		$this->stop_routing();
		parent::tearDown();
	}

	/**
	 * Puts a runner action into $_POST as a row's form posts it.
	 *
	 * @param string      $runner    Runner id.
	 * @param string      $action    pause, resume or remove.
	 * @param string|null $nonce     The dda_runner_nonce field, null for none.
	 * @param bool        $confirmed Whether the removal was confirmed.
	 */
	private function post_action( string $runner, string $action, ?string $nonce, bool $confirmed = false ): void {
		$_POST = array(
			'runner'            => $runner,
			'dda_runner_action' => $action,
		);
		if ( null !== $nonce ) {
			$_POST['dda_runner_nonce'] = $nonce;
		}
		if ( $confirmed ) {
			$_POST['dda_confirmed'] = '1';
		}
		$_REQUEST = $_POST;
	}

	/**
	 * The id of the stack's runner.
	 */
	private static function local_runner(): string {
		foreach ( ( new DDA_API_Client() )->list_runners() as $runner ) {
			if ( 'local-runner-1' === $runner['name'] ) {
				return $runner['runner_id'];
			}
		}
		throw new RuntimeException( 'local-runner-1 is not registered' );
	}

	public function test_runner_actions_need_the_runners_nonce(): void {
		$this->as_admin();
		$this->catch_wp_die();
		$this->spy_requests();
		$runner = wp_generate_uuid4();
		foreach ( array( null, wp_create_nonce( 'dda_runner_' . wp_generate_uuid4() ), wp_create_nonce( 'dda_bulk_tasks' ) ) as $nonce ) {
			$this->post_action( $runner, 'remove', $nonce, true );
			try {
				DDA_Admin::process_runner_action();
				$this->fail( 'a runner action was handled with the nonce ' . wp_json_encode( $nonce ) );
			} catch ( DDA_Test_Die $die ) {
				$this->assertSame( array(), $this->requests );
			}
		}
	}

	public function test_runner_actions_need_the_capability(): void {
		wp_set_current_user( self::user( 'editor' ) );
		$this->catch_wp_die();
		$this->spy_requests();
		$runner = wp_generate_uuid4();
		$this->post_action( $runner, 'pause', wp_create_nonce( 'dda_runner_' . $runner ) );
		try {
			DDA_Admin::process_runner_action();
			$this->fail( 'an editor paused a runner' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertStringContainsString( 'not allowed', $die->getMessage() );
			$this->assertSame( array(), $this->requests );
		}
	}

	public function test_remove_asks_for_a_confirmation_first_and_sends_nothing(): void {
		$this->as_admin();
		$this->spy_requests();
		$runner = wp_generate_uuid4();
		$this->post_action( $runner, 'remove', wp_create_nonce( 'dda_runner_' . $runner ) );
		$outcome = DDA_Admin::process_runner_action();
		$this->assertIsArray( $outcome );
		$this->assertStringContainsString( 'confirm_remove=' . $runner, $outcome['redirect'] );
		$this->assertStringContainsString( 'tab=runners', $outcome['redirect'] );
		$this->assertSame( array(), $this->requests );
	}

	public function test_the_confirmation_step_posts_the_removal_with_the_nonce(): void {
		$this->as_admin();
		$runner                 = self::local_runner();
		$_GET['tab']            = 'runners';
		$_GET['confirm_remove'] = $runner;
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'id="dda-confirm-remove"', $html );
		$this->assertStringContainsString( 'Remove runner “local-runner-1”?', $html );
		$this->assertStringContainsString( 'name="dda_runner_nonce" value="' . wp_create_nonce( 'dda_runner_' . $runner ) . '"', $html );
		$this->assertStringContainsString( '<input type="hidden" name="dda_confirmed" value="1" />', $html );
		$this->assertMatchesRegularExpression( '/<button type="submit" class="button button-primary" name="dda_runner_action" value="remove"/', $html );
	}

	public function test_pause_and_resume_the_stacks_runner(): void {
		$this->as_admin();
		$runner = self::local_runner();
		$client = new DDA_API_Client();
		try {
			$this->post_action( $runner, 'pause', wp_create_nonce( 'dda_runner_' . $runner ) );
			$notice = DDA_Admin::process_runner_action();
			$this->assertSame( 'success', $notice['type'] );
			$this->assertSame( 'Runner “local-runner-1” paused: it gets no new tasks; the tasks it is running finish.', $notice['message'] );
			$listed = wp_list_filter( $client->list_runners(), array( 'runner_id' => $runner ) );
			$this->assertTrue( reset( $listed )['paused'] );

			$rows = DDA_Views::rows_html( DDA_Views::runners_table( $client->list_runners() ) );
			$this->assertMatchesRegularExpression( '/<tr data-runner-id="' . $runner . '" data-state="paused">/', $rows );
			$this->assertStringContainsString( 'value="resume" data-dda-action="resume"', $rows );
		} finally {
			$this->post_action( $runner, 'resume', wp_create_nonce( 'dda_runner_' . $runner ) );
			$notice = DDA_Admin::process_runner_action();
		}
		$this->assertSame( 'Runner “local-runner-1” resumed: it gets tasks again.', $notice['message'] );
		$listed = wp_list_filter( $client->list_runners(), array( 'runner_id' => $runner ) );
		$this->assertFalse( reset( $listed )['paused'] );
	}

	public function test_a_confirmed_removal_says_which_tasks_went_back(): void {
		$this->as_admin();
		$this->use_settings( 'https://dda.example.com', self::api_key() );
		$runner = wp_generate_uuid4();
		$this->route_requests(
			array(
				'DELETE /runners/' . $runner => array(
					200,
					array(
						'runner_id'      => $runner,
						'name'           => 'gpu <b>box</b>',
						'released_tasks' => array( wp_generate_uuid4(), wp_generate_uuid4() ),
						'message'        => 'Runner deleted.',
					),
				),
			)
		);
		$this->post_action( $runner, 'remove', wp_create_nonce( 'dda_runner_' . $runner ), true );
		$notice = DDA_Admin::process_runner_action();
		$this->assertSame( array( 'DELETE /runners/' . $runner ), $this->routed );
		$this->assertSame( 'Runner “gpu <b>box</b>” removed; 2 tasks it was running are pending again.', $notice['message'] );

		$gone = wp_generate_uuid4();
		$this->post_action( $gone, 'remove', wp_create_nonce( 'dda_runner_' . $gone ), true );
		$error = DDA_Admin::process_runner_action();
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( 'does not know this runner', $error->get_error_message() );
	}

	public function test_the_table_shows_version_labels_state_and_current_tasks(): void {
		$this->as_admin();
		$id    = wp_generate_uuid4();
		$task  = wp_generate_uuid4();
		$rows  = DDA_Views::rows_html(
			DDA_Views::runners_table(
				array(
					array(
						'runner_id'       => $id,
						'name'            => 'gpu-1 <script>',
						'operation_codes' => array( 100, 777 ),
						'registered_at'   => '2026-01-01T00:00:00Z',
						'last_seen_at'    => gmdate( 'Y-m-d\TH:i:s\Z' ),
						'state'           => 'busy',
						'version'         => '1.4.2',
						'labels'          => array( 'gpu', 'eu<west>' ),
						'paused'          => true,
						'current_tasks'   => array( $task, '../x' ),
					),
				)
			)
		);
		$this->assertStringContainsString( 'data-state="paused"', $rows );
		$this->assertStringContainsString( '>Paused</span>', $rows );
		$this->assertStringContainsString( 'finishing its tasks, gets no new ones', $rows );
		$this->assertStringContainsString( '<code>1.4.2</code>', $rows );
		$this->assertStringContainsString( '<li class="dda-label">gpu</li><li class="dda-label">eu&lt;west&gt;</li>', $rows );
		$this->assertStringContainsString( 'data-count="1">1 task:</span>', $rows );
		$this->assertStringContainsString( 'task=' . $task, $rows );
		$this->assertStringNotContainsString( '../x', $rows );
		$this->assertStringNotContainsString( '<script>', $rows );
		$this->assertStringContainsString( 'name="dda_runner_nonce" value="' . wp_create_nonce( 'dda_runner_' . $id ) . '"', $rows );
		$this->assertStringContainsString( 'data-dda-confirm="Remove runner “gpu-1 &lt;script&gt;”?', $rows );
	}
}
