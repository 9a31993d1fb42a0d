<?php
/**
 * The task list: paging with the API's cursor, filters and search, the runner's name,
 * progress and schedule, "Finished" only for tasks that ran, and one message per problem
 * when the API cannot be asked (not "No tasks yet"); saving the settings tests them.
 *
 * @package DistributedDataAnalysis
 */

require_once __DIR__ . '/trait-dda-fake-routes.php';

final class TasksListTest extends DDA_Test_Case {
	use DDA_Fake_Routes;

	/**
	 * $pagenow before the test.
	 *
	 * @var mixed
	 */
	private $pagenow = null;

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
		$this->pagenow = $GLOBALS['pagenow'] ?? null;
	}

	protected function tearDown(): void {
		$this->stop_routing();
		unset( $_GET['s'], $_GET['operation'], $_GET['before'], $_GET['newer'], $_GET['status'] );
		$_POST              = array();
		$GLOBALS['pagenow'] = $this->pagenow;
		delete_option( DDA_Admin::CONNECTION_OPTION );
		parent::tearDown();
	}

	private function page(): string {
		ob_start();
		DDA_Admin::render_tasks_page();
		return (string) ob_get_clean();
	}

	/**
	 * The notices of a rendered page (their classes).
	 */
	private static function notices( string $html ): array {
		preg_match_all( '/<div class="notice (notice-[a-z]+)[^"]*"/', $html, $m );
		return $m[1];
	}

	public function test_the_unconfigured_page_shows_one_notice_and_says_why_the_list_is_empty(): void {
		$this->use_settings( '', '' );
		$html = $this->page();
		$this->assertSame( array( 'notice-warning' ), self::notices( $html ) );
		$this->assertStringContainsString( 'The plugin is not connected yet', $html );
		$this->assertStringContainsString( 'No tasks to show: the plugin is not connected to an API server yet.', $html );
		$this->assertStringNotContainsString( 'No tasks yet', $html );
		$this->assertStringContainsString( 'data-dda-configured="0"', $html );
	}

	public function test_an_unreachable_server_is_one_error_and_the_table_says_so(): void {
		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key() );
		$html = $this->page();
		$this->assertSame( array( 'notice-error' ), self::notices( $html ) );
		$this->assertStringContainsString( 'Cannot reach the API server', $html );
		$this->assertStringContainsString( 'The tasks could not be loaded from the API server', $html );
		$this->assertStringNotContainsString( 'No tasks yet', $html );
		// The paging line does not claim an empty page either.
		$this->assertStringContainsString( 'Page 1: not loaded', $html );
		$this->assertStringNotContainsString( 'Page 1: 0 tasks', $html );
		// The notice is in the area admin.js replaces when its refresh fails or succeeds.
		$this->assertMatchesRegularExpression( '/<div id="dda-notices" class="dda-notices">\s*<div class="dda-notice-slot" data-dda-key="refresh">\s*<div class="notice notice-error dda-notice">/', $html );
	}

	public function test_a_refused_key_is_one_error_and_the_table_says_so(): void {
		$this->use_settings( self::api_url(), str_repeat( 'x', 40 ) );
		$html = $this->page();
		$this->assertSame( array( 'notice-error' ), self::notices( $html ) );
		$this->assertStringContainsString( 'refused the API key', $html );
		$this->assertStringContainsString( 'The tasks could not be loaded from the API server', $html );
		$this->assertStringNotContainsString( 'No tasks yet', $html );
	}

	public function test_pages_follow_the_cursor_and_keep_the_filters(): void {
		$client = new DDA_API_Client();
		$code   = random_int( 500000, 599999 ); // No other task has it.
		$ids    = array();
		for ( $i = 0; $i < 5; $i++ ) {
			$ids[] = $client->create_task( $code, (object) array( 'page' => $i ) )['task_id'];
		}
		try {
			// In the API's order, newest first.
			$ids = array_column( $client->list_tasks( '', 10, '', $code ), 'task_id' );
			$this->assertCount( 5, $ids );
			$page = DDA_REST_Controller::load_page( array( 'operation' => $code ), 2 );
			$this->assertSame( array_slice( $ids, 0, 2 ), array_column( $page['tasks'], 'task_id' ) );
			$this->assertTrue( $page['has_older'] );

			$view  = array(
				'operation' => $code,
				'before'    => $ids[3],
				'newer'     => array( $ids[1] ),
			);
			$page  = DDA_REST_Controller::load_page( $view, 2 );
			$this->assertSame( array( $ids[4] ), array_column( $page['tasks'], 'task_id' ) );
			$this->assertFalse( $page['has_older'] );
			$links = html_entity_decode( DDA_Views::tasks_table( $page['tasks'], array(), $view, null, false )->pagination_html() );
			$this->assertStringContainsString( 'Page 3: 1 task', $links );
			// Newer: the cursor before this one; Newest: no cursor; the filter stays.
			$this->assertMatchesRegularExpression( '/class="prev-page button dda-page-newer" href="[^"]*operation=' . $code . '[^"]*before=' . $ids[1] . '"/', $links );
			$this->assertMatchesRegularExpression( '/class="first-page button dda-page-newest" href="[^"]*page=dda-tasks&operation=' . $code . '"/', $links );
			$this->assertStringContainsString( 'button disabled dda-page-older', $links );

			// The REST route of the refresh: the same page, and its links.
			$response = $this->rest(
				'GET',
				'/dda/v1/tasks',
				array(
					'limit'          => 2,
					'operation_code' => $code,
					'before'         => $ids[1],
				)
			);
			$this->assertSame( 200, $response->get_status() );
			$data = $response->get_data();
			$this->assertSame( array_slice( $ids, 2, 2 ), array_column( $data['tasks'], 'task_id' ) );
			$this->assertTrue( $data['has_older'] );
			$this->assertMatchesRegularExpression( '/dda-page-older" href="[^"]*before=' . $ids[3] . '&newer=' . $ids[1] . '"/', html_entity_decode( $data['pagination'] ) );

			// Search by the start of an id.
			$found = DDA_REST_Controller::load_page( array( 'search' => strtoupper( substr( $ids[2], 0, 13 ) ) ), 50 );
			$this->assertContains( $ids[2], array_column( $found['tasks'], 'task_id' ) );
			foreach ( $found['tasks'] as $task ) {
				$this->assertStringStartsWith( substr( $ids[2], 0, 13 ), $task['task_id'] );
			}
			$this->assertSame( 400, $this->rest( 'GET', '/dda/v1/tasks', array( 'id_prefix' => 'xyz' ) )->get_status() );
		} finally {
			foreach ( $ids as $id ) {
				$client->cancel_task( $id );
			}
		}
	}

	public function test_a_search_that_cannot_match_an_id_says_so_and_asks_nothing(): void {
		$_GET['s'] = 'zz<b>';
		$this->route_requests( array() );
		$html = $this->page();
		$this->assertStringContainsString( 'cannot be the start of a task id', $html );
		$this->assertNotContains( 'GET /tasks/all', $this->routed );
		$this->assertStringNotContainsString( '<b>', $html );
	}

	public function test_views_are_checked(): void {
		$id   = wp_generate_uuid4();
		$view = DDA_Admin::normalize_view(
			array(
				'status'    => 'running',
				'operation' => '777',
				'search'    => ' AB12-',
				'before'    => $id,
				'newer'     => 'x,' . $id . ',../y',
			)
		);
		$this->assertSame(
			array(
				'status'    => 'running',
				'operation' => 777,
				'search'    => 'ab12-',
				'before'    => $id,
				'newer'     => array( $id ),
			),
			$view
		);
		$this->assertSame(
			array(
				'status'    => '',
				'operation' => 0,
				'search'    => '',
				'before'    => '',
				'newer'     => array(),
			),
			DDA_Admin::normalize_view(
				array(
					'status'    => 'evil',
					'operation' => '1e3',
					'search'    => 'not hex',
					'before'    => 'x',
					'newer'     => $id,
				)
			)
		);
		$this->assertSame( 5, DDA_Admin::save_per_page( false, DDA_Admin::PER_PAGE_OPTION, '5' ) );
		$this->assertFalse( DDA_Admin::save_per_page( false, DDA_Admin::PER_PAGE_OPTION, '0' ) );
		$this->assertFalse( DDA_Admin::save_per_page( false, DDA_Admin::PER_PAGE_OPTION, '101' ) );
		$this->assertFalse( DDA_Admin::save_per_page( false, DDA_Admin::PER_PAGE_OPTION, '5x' ) );
	}

	public function test_rows_show_runner_names_progress_schedule_and_finished_only_for_tasks_that_ran(): void {
		$runner = wp_generate_uuid4();
		$ids    = array( wp_generate_uuid4(), wp_generate_uuid4(), wp_generate_uuid4(), wp_generate_uuid4() );
		$later  = gmdate( 'Y-m-d\TH:i:s.000\Z', time() + 2 * HOUR_IN_SECONDS );
		$tasks  = array(
			array(
				'task_id'        => $ids[0],
				'operation_code' => 777,
				'status'         => 'running',
				'runner_id'      => $runner,
				'created_at'     => '2026-01-01T10:00:00Z',
				'started_at'     => '2026-01-01T10:00:01Z',
				'progress'       => array(
					'percent' => 42.5,
					'message' => 'step <2> of 4',
				),
			),
			array(
				'task_id'        => $ids[1],
				'operation_code' => 100,
				'status'         => 'pending',
				'created_at'     => '2026-01-01T10:00:00Z',
				'available_at'   => $later,
			),
			array(
				'task_id'        => $ids[2],
				'operation_code' => 100,
				'status'         => 'cancelled',
				'created_at'     => '2026-01-01T10:00:00Z',
				'started_at'     => null,
				'completed_at'   => '2026-01-01T10:05:00Z',
			),
			array(
				'task_id'        => $ids[3],
				'operation_code' => 100,
				'status'         => 'completed',
				'runner_id'      => wp_generate_uuid4(),
				'created_at'     => '2026-01-01T10:00:00Z',
				'started_at'     => '2026-01-01T10:00:02Z',
				'completed_at'   => '2026-01-01T10:00:03Z',
			),
		);
		$rows   = DDA_Views::rows_html( DDA_Views::tasks_table( $tasks, array( $runner => 'gpu <box>' ), '' ) );
		$this->assertStringContainsString( '<span title="' . $runner . '">gpu &lt;box&gt;</span>', $rows );
		$this->assertStringContainsString( '<progress max="100" value="42.5" aria-label="Progress of task ' . substr( $ids[0], 0, 8 ) . '">43%</progress><span class="dda-progress__text">43% — step &lt;2&gt; of 4</span>', $rows );
		$this->assertStringContainsString( 'Runs at <time datetime="' . $later . '"', $rows );
		$this->assertMatchesRegularExpression( '/<tr id="dda-task-' . $ids[2] . '".*?column-finished[^>]*>\s*<span aria-hidden="true">—<\/span><span class="screen-reader-text">did not run<\/span>/s', $rows );
		$this->assertStringContainsString( '<time datetime="2026-01-01T10:00:03Z">2026-01-01 10:00:03</time>', $rows );
		$this->assertStringNotContainsString( '2026-01-01 10:05:00', $rows );

		// The dialog's details: the runner by name, its id only when the API does not list it.
		$details = DDA_Views::capture(
			'task-details',
			array(
				'task'         => $tasks[0] + array(
					'events' => array(
						array(
							'at'        => '2026-01-01T10:00:01Z',
							'event'     => 'leased',
							'runner_id' => $runner,
						),
					),
				),
				'runner_names' => array( $runner => 'gpu <box>' ),
			)
		);
		$this->assertSame( 2, substr_count( $details, '>gpu &lt;box&gt;</span>' ) );
		$this->assertStringContainsString( '<progress max="100" value="42.5"', $details );
		$gone = DDA_Views::capture(
			'task-details',
			array(
				'task'         => $tasks[3],
				'runner_names' => array(),
			)
		);
		$this->assertStringContainsString( esc_html( $tasks[3]['runner_id'] ) . '</code>', $gone );
		$cancelled = DDA_Views::capture( 'task-details', array( 'task' => $tasks[2] ) );
		$this->assertStringContainsString( '2026-01-01 10:05:00, before it started', $cancelled );
		$this->assertStringNotContainsString( '>Finished<', $cancelled );
	}

	public function test_the_dialog_route_names_the_stacks_runner(): void {
		$created = ( new DDA_API_Client() )->create_task( 100, new stdClass() );
		$this->wait_for_status( $created['task_id'], array( 'completed' ) );
		$html = $this->rest( 'GET', '/dda/v1/tasks/' . $created['task_id'] )->get_data()['html'];
		$this->assertMatchesRegularExpression( '/<dt>Runner<\/dt>\s*<dd><span class="dda-runner-label" title="[0-9a-f-]{36}">local-runner-1<\/span><\/dd>/', $html );
	}

	public function test_saving_the_settings_tests_the_connection_and_keeps_the_result(): void {
		$GLOBALS['pagenow']  = 'options.php';
		$_POST['option_page'] = DDA_Settings::GROUP;
		$bad                 = array(
			'api_url' => 'http://127.0.0.1:' . self::closed_port(),
			'api_key' => self::api_key(),
			'timeout' => 5,
		);
		$this->assertSame( $bad, DDA_Admin::test_on_save( $bad, array() ) );
		$codes = array_column( get_settings_errors(), 'code' );
		$this->assertContains( 'settings_updated', $codes );
		$this->assertContains( 'dda_connection_failed', $codes );
		$last = DDA_Admin::last_connection_test();
		$this->assertFalse( $last['ok'] );
		$this->assertStringContainsString( 'Cannot reach the API server', $last['message'] );
		$this->assertEqualsWithDelta( time(), $last['at'], 5 );

		// The settings screen shows it, with its time, until the next test.
		ob_start();
		DDA_Admin::render_settings_page();
		$html = (string) ob_get_clean();
		$this->assertMatchesRegularExpression( '/<div class="notice inline notice-error" data-dda-last-test="error">\s*<p>\s*<strong>\s*Last test, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\s*<\/strong>\s*Cannot reach/', $html );

		$GLOBALS['wp_settings_errors'] = array();
		$good                          = array(
			'api_url' => self::api_url(),
			'api_key' => self::api_key(),
			'timeout' => 5,
		);
		DDA_Admin::test_on_save( $good, $bad );
		$this->assertSame( array( 'settings_updated' ), array_column( get_settings_errors(), 'code' ) );
		$this->assertTrue( DDA_Admin::last_connection_test()['ok'] );

		// Other writes of the option (not the settings form) are not tested.
		$GLOBALS['pagenow'] = 'index.php';
		delete_option( DDA_Admin::CONNECTION_OPTION );
		DDA_Admin::test_on_save( $bad, $good );
		$this->assertNull( DDA_Admin::last_connection_test() );

		// The Test connection button keeps its result too.
		$response = $this->rest( 'POST', '/dda/v1/connection-test' );
		$this->assertSame( 200, $response->get_status() );
		$this->assertTrue( DDA_Admin::last_connection_test()['ok'] );
		$this->assertArrayHasKey( 'tested_at', $response->get_data() );
	}
}
