<?php
/**
 * The WP-CLI commands (`wp dda task|runner|status`) against the real dda-server.
 *
 * WP-CLI is not installed on this project's machines: it is packaged neither for Debian
 * (apt-cache search wp-cli finds nothing) nor on PyPI (the "wp-cli" there is a Python wrapper
 * that calls an installed `wp`), and no other registry is reachable. So the commands run
 * with wp-cli-stub.php, which stands in for WP_CLI and WP_CLI\Utils\format_items(): in this
 * process (what they print and how they end), and through cli-harness.php in processes of
 * their own (exit status, output, and that nothing is registered without WP-CLI). The test
 * with a real `wp` runs when one is on the PATH (or DDA_TEST_WP_CLI names it), and is skipped
 * with the reason otherwise.
 *
 * @package DistributedDataAnalysis
 */

final class CliTest extends DDA_Test_Case {

	/** No runner registers this code: such a task stays pending. */
	private const WAITING_CODE = 424242;

	/**
	 * The fake of fake_runners(), if on.
	 *
	 * @var callable|null
	 */
	private $fake = null;

	/**
	 * Requests the fake of fake_runners() received: "METHOD /path" each.
	 *
	 * @var string[]
	 */
	private array $fake_log = array();

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		require_once __DIR__ . '/wp-cli-stub.php';
		require_once DDA_PLUGIN_DIR . 'includes/class-dda-cli.php';
	}

	protected function setUp(): void {
		parent::setUp();
		WP_CLI::reset();
	}

	protected function tearDown(): void {
		if ( null !== $this->fake ) {
			remove_filter( 'pre_http_request', $this->fake, 10 );
			$this->fake = null;
		}
		parent::tearDown();
	}

	/**
	 * Runs a command method in this process.
	 *
	 * @param object $command    The command object.
	 * @param string $method     The method (list_ for list).
	 * @param array  $args       Positional arguments.
	 * @param array  $assoc_args Options.
	 * @return int The exit status: 0, or the one WP_CLI::error() ends with.
	 */
	private static function run_command( $command, string $method, array $args = array(), array $assoc_args = array() ): int {
		try {
			$command->$method( $args, $assoc_args );
		} catch ( DDA_Test_CLI_Exit $exit ) {
			return $exit->getCode();
		}
		return 0;
	}

	/**
	 * The messages of one type WP_CLI was given.
	 *
	 * @param string $type line, success, warning, error, confirm.
	 * @return string[]
	 */
	private static function said( string $type ): array {
		$found = array();
		foreach ( WP_CLI::$said as $entry ) {
			if ( $type === $entry[0] ) {
				$found[] = $entry[1];
			}
		}
		return $found;
	}

	public function test_the_commands_are_registered_under_dda(): void {
		WP_CLI::$commands = array();
		DDA_CLI::register();
		$this->assertSame(
			array(
				'dda'        => 'DDA_CLI',
				'dda task'   => 'DDA_CLI_Task_Command',
				'dda runner' => 'DDA_CLI_Runner_Command',
			),
			WP_CLI::$commands
		);
		foreach ( array( 'create', 'get', 'list_', 'cancel', 'retry' ) as $method ) {
			$this->assertTrue( method_exists( 'DDA_CLI_Task_Command', $method ), $method );
		}
		foreach ( array( 'list_', 'pause', 'resume', 'remove' ) as $method ) {
			$this->assertTrue( method_exists( 'DDA_CLI_Runner_Command', $method ), $method );
		}
		// WP-CLI names a subcommand after the method unless its doc says @subcommand.
		$doc = ( new ReflectionMethod( 'DDA_CLI_Task_Command', 'list_' ) )->getDocComment();
		$this->assertStringContainsString( '@subcommand list', (string) $doc );
		$this->assertStringContainsString( "[--format=<format>]\n\t * : How to print them.", (string) $doc );
	}

	public function test_task_create_get_list_cancel_retry(): void {
		$tasks = new DDA_CLI_Task_Command();
		$this->assertSame( 0, self::run_command( $tasks, 'create', array( (string) self::WAITING_CODE ), array( 'params' => '{"via": "cli"}', 'priority' => '9', 'delay' => '3600', 'porcelain' => true ) ) );
		$id = self::said( 'line' )[0] ?? '';
		$this->assertTrue( DDA_Format::is_task_id( $id ), $id );
		$task = dda_get_task( $id );
		$this->assertSame( array( 'via' => 'cli' ), $task['params'] );
		$this->assertSame( 9, $task['priority'] );

		WP_CLI::reset();
		$this->assertSame( 0, self::run_command( $tasks, 'get', array( $id ), array( 'format' => 'json' ) ) );
		$json = json_decode( self::said( 'line' )[0], true );
		$this->assertSame( $id, $json['task_id'] );
		$this->assertSame( 'created', $json['events'][0]['event'] );

		WP_CLI::reset();
		self::run_command( $tasks, 'get', array( $id ) );
		$rows = array_column( WP_CLI::$formatted[0]['items'], 'Value', 'Field' );
		$this->assertSame( array( 'Field', 'Value' ), WP_CLI::$formatted[0]['fields'] );
		$this->assertSame( 'pending', $rows['status'] );
		$this->assertSame( '{"via":"cli"}', $rows['params'] );

		WP_CLI::reset();
		self::run_command( $tasks, 'get', array( $id ), array( 'field' => 'status' ) );
		$this->assertSame( array( 'pending' ), self::said( 'line' ) );

		WP_CLI::reset();
		$this->assertSame( 0, self::run_command( $tasks, 'list_', array(), array( 'status' => 'pending', 'operation' => (string) self::WAITING_CODE, 'format' => 'csv' ) ) );
		$list = WP_CLI::$formatted[0];
		$this->assertSame( 'csv', $list['format'] );
		$this->assertSame( DDA_CLI_Task_Command::LIST_FIELDS, $list['fields'] );
		$this->assertContains( $id, array_column( $list['items'], 'task_id' ) );
		foreach ( $list['items'] as $row ) {
			$this->assertSame( 'pending', $row['status'] );
			$this->assertSame( (string) self::WAITING_CODE, $row['operation_code'] );
		}

		WP_CLI::reset();
		self::run_command( $tasks, 'list_', array(), array( 'search' => substr( $id, 0, 13 ), 'format' => 'ids' ) );
		$this->assertSame( array( $id ), self::said( 'line' ) );

		WP_CLI::reset();
		$this->assertSame( 0, self::run_command( $tasks, 'cancel', array( $id ) ) );
		$this->assertSame( array( sprintf( 'Task %s cancelled.', $id ) ), self::said( 'success' ) );
		$this->assertSame( 'cancelled', dda_get_task( $id )['status'] );

		WP_CLI::reset();
		$this->assertSame( 0, self::run_command( $tasks, 'retry', array( $id ) ) );
		$this->assertSame( 'pending', dda_get_task( $id )['status'] );
		( new DDA_API_Client() )->cancel_task( $id );
	}

	public function test_task_list_pages_past_one_api_page(): void {
		$ids = dda_create_tasks( array_fill( 0, DDA_API_Client::MAX_PAGE + 5, array( 'operation_code' => self::WAITING_CODE ) ) );
		$this->assertIsArray( $ids );
		self::run_command( new DDA_CLI_Task_Command(), 'list_', array(), array( 'operation' => (string) self::WAITING_CODE, 'status' => 'pending', 'limit' => (string) ( DDA_API_Client::MAX_PAGE + 5 ), 'format' => 'json', 'fields' => 'task_id,status' ) );
		$listed = array_column( WP_CLI::$formatted[0]['items'], 'task_id' );
		$this->assertCount( DDA_API_Client::MAX_PAGE + 5, $listed );
		$this->assertSame( array_reverse( $ids ), $listed, 'newest first, over two pages' );
		$this->assertSame( array( 'task_id', 'status' ), WP_CLI::$formatted[0]['fields'] );

		WP_CLI::reset();
		self::run_command( new DDA_CLI_Task_Command(), 'cancel', $ids );
		$this->assertCount( count( $ids ), self::said( 'success' ) );
	}

	public function test_task_errors_end_with_status_1(): void {
		$tasks = new DDA_CLI_Task_Command();
		$cases = array(
			array( 'create', array( 'abc' ), array(), 'operation code' ),
			array( 'create', array( '100' ), array( 'params' => '[1, 2]' ), 'JSON object' ),
			array( 'create', array( '100' ), array( 'priority' => '500' ), '--priority' ),
			array( 'create', array( '100' ), array( 'run-at' => 'tomorrow' ), 'run_at' ),
			array( 'get', array( 'not-a-task' ), array(), 'not a valid task id' ),
			array( 'get', array( '0f8fad5b-d9cb-469f-a165-70867728950e' ), array(), 'does not know this task' ),
			array( 'get', array( '0f8fad5b-d9cb-469f-a165-70867728950e' ), array( 'format' => 'xml' ), 'Invalid format' ),
			array( 'list_', array(), array( 'status' => 'done' ), 'Invalid status' ),
			array( 'list_', array(), array( 'limit' => '0' ), '--limit' ),
			array( 'list_', array(), array( 'search' => 'xyz' ), 'hex digits' ),
		);
		foreach ( $cases as $case ) {
			WP_CLI::reset();
			$this->assertSame( 1, self::run_command( $tasks, $case[0], $case[1], $case[2] ), wp_json_encode( $case ) );
			$this->assertStringContainsString( $case[3], implode( ' ', self::said( 'error' ) ), wp_json_encode( $case ) );
		}

		// Several ids: the good ones are done, the bad ones warned about, and the end is an error.
		$good = dda_create_task( self::WAITING_CODE, array() )['task_id'];
		WP_CLI::reset();
		$this->assertSame( 1, self::run_command( $tasks, 'cancel', array( $good, '0f8fad5b-d9cb-469f-a165-70867728950e' ) ) );
		$this->assertCount( 1, self::said( 'success' ) );
		$this->assertCount( 1, self::said( 'warning' ) );
		$this->assertSame( array( '1 of 2 tasks failed.' ), self::said( 'error' ) );
		$this->assertSame( 'cancelled', dda_get_task( $good )['status'] );

		// The server down: an error, not an empty list.
		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key(), 2 );
		WP_CLI::reset();
		$this->assertSame( 1, self::run_command( $tasks, 'list_' ) );
		$this->assertStringContainsString( 'Cannot reach the API server', self::said( 'error' )[0] );
		$this->assertSame( array(), WP_CLI::$formatted );
	}

	public function test_status_reports_the_server_and_the_queue(): void {
		$this->assertSame( 0, self::run_command( new DDA_CLI(), 'status', array(), array( 'format' => 'json' ) ) );
		$status = json_decode( self::said( 'line' )[0], true );
		$this->assertSame( self::api_url(), $status['api_url'] );
		$this->assertTrue( $status['key_accepted'] );
		$this->assertGreaterThanOrEqual( 1, $status['runners'] );
		$this->assertGreaterThanOrEqual( 1, $status['runners_online'] );
		$this->assertIsInt( $status['pending'] );
		$this->assertIsInt( $status['created_24h'] );
		$this->assertGreaterThan( 0, $status['created_24h'] );

		WP_CLI::reset();
		self::run_command( new DDA_CLI(), 'status' );
		$this->assertSame( 'table', WP_CLI::$formatted[0]['format'] );
		$this->assertContains( 'server_version', array_column( WP_CLI::$formatted[0]['items'], 'Field' ) );

		$this->use_settings( self::api_url(), 'not-the-key-0123456789abcdef' );
		WP_CLI::reset();
		$this->assertSame( 1, self::run_command( new DDA_CLI(), 'status' ) );
		$this->assertStringContainsString( 'refused the API key', self::said( 'error' )[0] );
	}

	/**
	 * Answers GET /runners with two runners of the same name and one other, and DELETE and
	 * pause/resume of a runner, in this process (removing the real runner would stop the
	 * other tests' tasks).
	 */
	private function fake_runners(): void {
		$this->fake = function ( $preempt, $args, $url ) {
			$path             = (string) wp_parse_url( $url, PHP_URL_PATH );
			$this->fake_log[] = $args['method'] . ' ' . $path;
			$runners          = array(
				array(
					'runner_id' => '11111111-1111-4111-8111-111111111111',
					'name'      => 'gpu-box',
					'state'     => 'idle',
					'paused'    => false,
					'labels'    => array( 'gpu' ),
				),
				array(
					'runner_id' => '22222222-2222-4222-8222-222222222222',
					'name'      => 'twin',
					'state'     => 'busy',
					'paused'    => false,
				),
				array(
					'runner_id' => '33333333-3333-4333-8333-333333333333',
					'name'      => 'twin',
					'state'     => 'offline',
					'paused'    => false,
				),
			);
			$body             = $runners;
			if ( 'DELETE' === $args['method'] ) {
				$body = array(
					'runner_id'      => basename( $path ),
					'name'           => 'gpu-box',
					'released_tasks' => array( '0f8fad5b-d9cb-469f-a165-70867728950e' ),
					'message'        => 'removed',
				);
			} elseif ( 'POST' === $args['method'] ) {
				$body = $runners[0];
			}
			return array(
				'headers'  => array( 'content-type' => 'application/json' ),
				'body'     => wp_json_encode( $body ),
				'response' => array(
					'code'    => 200,
					'message' => 'OK',
				),
				'cookies'  => array(),
				'filename' => null,
			);
		};
		add_filter( 'pre_http_request', $this->fake, 10, 3 );
	}

	public function test_runner_list_pause_resume_remove(): void {
		$runners = new DDA_CLI_Runner_Command();
		// The real runner first.
		$this->assertSame( 0, self::run_command( $runners, 'list_', array(), array( 'format' => 'json' ) ) );
		$this->assertNotEmpty( WP_CLI::$formatted[0]['items'] );
		$this->assertSame( DDA_CLI_Runner_Command::LIST_FIELDS, WP_CLI::$formatted[0]['fields'] );
		$real = WP_CLI::$formatted[0]['items'][0];
		$this->assertTrue( DDA_Format::is_task_id( $real['runner_id'] ) );

		WP_CLI::reset();
		try {
			$this->assertSame( 0, self::run_command( $runners, 'pause', array( $real['name'] ) ) );
			$this->assertStringContainsString( 'paused', self::said( 'success' )[0] );
			$listed = ( new DDA_API_Client() )->list_runners();
			$this->assertTrue( array_column( $listed, 'paused', 'runner_id' )[ $real['runner_id'] ] );
		} finally {
			WP_CLI::reset();
			$this->assertSame( 0, self::run_command( $runners, 'resume', array( $real['runner_id'] ) ) );
		}
		$listed = ( new DDA_API_Client() )->list_runners();
		$this->assertFalse( array_column( $listed, 'paused', 'runner_id' )[ $real['runner_id'] ] );

		// Table cells: arrays as JSON, booleans as words.
		$this->fake_runners();
		WP_CLI::reset();
		self::run_command( $runners, 'list_', array(), array( 'fields' => 'name,paused,labels' ) );
		$this->assertSame(
			array(
				'name'   => 'gpu-box',
				'paused' => 'false',
				'labels' => '["gpu"]',
			),
			WP_CLI::$formatted[0]['items'][0]
		);
		WP_CLI::reset();
		self::run_command( $runners, 'list_', array(), array( 'format' => 'count' ) );
		$this->assertSame( array( '3' ), self::said( 'line' ) );

		// Remove asks first; without --yes nothing is deleted.
		WP_CLI::reset();
		$this->fake_log = array();
		$this->assertSame( 0, self::run_command( $runners, 'remove', array( 'gpu-box' ) ) );
		$this->assertCount( 1, self::said( 'confirm' ) );
		$this->assertSame( array( 'GET /runners' ), $this->fake_log );

		WP_CLI::reset();
		$this->assertSame( 0, self::run_command( $runners, 'remove', array( 'gpu-box' ), array( 'yes' => true ) ) );
		$this->assertContains( 'DELETE /runners/11111111-1111-4111-8111-111111111111', $this->fake_log );
		$this->assertStringContainsString( '1 running task(s) went back to pending', self::said( 'success' )[0] );

		// A name two runners have, and a name no runner has: an error, nothing sent.
		foreach ( array( 'twin' => 'Several runners', 'nobody' => 'No runner' ) as $name => $message ) {
			WP_CLI::reset();
			$this->fake_log = array();
			$this->assertSame( 1, self::run_command( $runners, 'pause', array( $name ) ) );
			$this->assertStringContainsString( $message, self::said( 'error' )[0] );
			$this->assertSame( array( 'GET /runners' ), $this->fake_log );
		}
	}

	/**
	 * Runs cli-harness.php with arguments.
	 *
	 * @param string[] $argv The arguments.
	 * @return array{0: int, 1: string, 2: string} Exit status, stdout, stderr.
	 */
	private static function harness( array $argv ): array {
		$process = proc_open(
			array_merge( array( PHP_BINARY, __DIR__ . '/cli-harness.php' ), $argv ),
			array(
				array( 'file', '/dev/null', 'r' ),
				array( 'pipe', 'w' ),
				array( 'pipe', 'w' ),
			),
			$pipes,
			null,
			array(
				'PATH'               => (string) getenv( 'PATH' ),
				'DDA_TEST_WP_HOST'   => (string) getenv( 'DDA_TEST_WP_HOST' ),
				'DDA_TEST_WP_CONFIG' => (string) getenv( 'DDA_TEST_WP_CONFIG' ),
			)
		);
		$out    = stream_get_contents( $pipes[1] );
		$err    = stream_get_contents( $pipes[2] );
		$status = proc_close( $process );
		// Deprecation notices of WordPress 6.1 on PHP 8.2 are not the commands' output.
		$err = implode( "\n", preg_grep( '/^(PHP )?Deprecated:/', explode( "\n", (string) $err ), PREG_GREP_INVERT ) );
		return array( $status, (string) $out, trim( $err ) );
	}

	public function test_in_a_process_of_its_own_exit_status_and_output(): void {
		list( $status, $out ) = self::harness( array( '--no-wp-cli' ) );
		$this->assertSame( 0, $status );
		$this->assertSame( "registered: none\n", $out, 'commands registered without WP-CLI' );

		list( $status, $out, $err ) = self::harness( array( 'dda', 'task', 'create', '100', '--params={"via": "harness"}', '--porcelain' ) );
		$this->assertSame( 0, $status, $err );
		$id = trim( $out );
		$this->assertTrue( DDA_Format::is_task_id( $id ), $out . $err );

		list( $status, $out, $err ) = self::harness( array( 'dda', 'task', 'get', $id, '--format=json' ) );
		$this->assertSame( 0, $status, $err );
		$this->assertSame( $id, json_decode( $out, true )['task_id'] );

		list( $status, $out, $err ) = self::harness( array( 'dda', 'task', 'get', 'nope' ) );
		$this->assertSame( 1, $status );
		$this->assertSame( '', $out );
		$this->assertStringStartsWith( 'Error: This is not a valid task id', $err );

		list( $status, $out, $err ) = self::harness( array( 'dda', 'status', '--format=csv' ) );
		$this->assertSame( 0, $status, $err );
		$this->assertStringStartsWith( "Field,Value\napi_url,", $out );
	}

	public function test_with_the_real_wp_cli(): void {
		$wp = (string) getenv( 'DDA_TEST_WP_CLI' );
		if ( '' === $wp ) {
			foreach ( explode( PATH_SEPARATOR, (string) getenv( 'PATH' ) ) as $dir ) {
				if ( '' !== $dir && is_executable( $dir . '/wp' ) ) {
					$wp = $dir . '/wp';
					break;
				}
			}
		}
		if ( '' === $wp ) {
			$reason = 'wp-cli is not installed: it is not packaged in Debian (apt-cache search wp-cli finds nothing) nor on PyPI (the "wp-cli" package there only wraps an installed wp), the only registries these machines reach; the commands are tested through tests/phpunit/wp-cli-stub.php instead. Set DDA_TEST_WP_CLI to a wp binary to run this test.';
			fwrite( STDERR, "\nCliTest: skipped the real wp-cli test: $reason\n" );
			$this->markTestSkipped( $reason );
		}
		$require = tempnam( sys_get_temp_dir(), 'dda-wp-cli-' ) . '.php';
		file_put_contents( $require, "<?php\n\$_SERVER['WORDPRESS_CONFIG'] = getenv( 'DDA_TEST_WP_CONFIG' );\n" );
		$base = array( $wp, '--allow-root', '--path=' . ABSPATH, '--url=' . self::site_url(), '--require=' . $require );
		$run  = static function ( array $command ) use ( $base ) {
			$process = proc_open( array_merge( $base, $command ), array( array( 'file', '/dev/null', 'r' ), array( 'pipe', 'w' ), array( 'pipe', 'w' ) ), $pipes );
			$out     = stream_get_contents( $pipes[1] );
			$err     = stream_get_contents( $pipes[2] );
			return array( proc_close( $process ), (string) $out, (string) $err );
		};
		$paused = null; // A runner this test paused, resumed whatever happens (the browser test follows).
		try {
			list( $status, $out, $err ) = $run( array( 'dda', 'status', '--format=json' ) );
			$this->assertSame( 0, $status, $err );
			$this->assertTrue( json_decode( $out, true )['key_accepted'] ?? false, $out );
			list( $status, $out ) = $run( array( 'dda', 'task', 'create', '100', '--porcelain' ) );
			$this->assertSame( 0, $status );
			$this->assertTrue( DDA_Format::is_task_id( trim( $out ) ), $out );
			list( $status ) = $run( array( 'dda', 'task', 'get', 'nope' ) );
			$this->assertSame( 1, $status );

			// A task no runner takes: get, list, cancel, retry through the real WP-CLI.
			list( $status, $out, $err ) = $run( array( 'dda', 'task', 'create', (string) self::WAITING_CODE, '--params={"n":1}', '--porcelain' ) );
			$this->assertSame( 0, $status, $err );
			$id = trim( $out );
			list( $status, $out, $err ) = $run( array( 'dda', 'task', 'get', $id, '--format=json' ) );
			$this->assertSame( 0, $status, $err );
			$task = json_decode( $out, true );
			$this->assertSame( array( 'pending', self::WAITING_CODE, array( 'n' => 1 ) ), array( $task['status'] ?? null, $task['operation_code'] ?? null, $task['params'] ?? null ), $out );
			list( $status, $out ) = $run( array( 'dda', 'task', 'get', $id, '--field=status' ) );
			$this->assertSame( array( 0, 'pending' ), array( $status, trim( $out ) ) );
			list( $status, $out, $err ) = $run( array( 'dda', 'task', 'list', '--status=pending', '--operation=' . self::WAITING_CODE, '--format=csv', '--fields=task_id,status' ) );
			$this->assertSame( 0, $status, $err );
			$this->assertStringStartsWith( "task_id,status\n", $out );
			$this->assertStringContainsString( $id . ',pending', $out );
			list( $status, $out ) = $run( array( 'dda', 'task', 'list', '--search=' . substr( $id, 0, 8 ), '--format=ids' ) );
			$this->assertSame( array( 0, $id ), array( $status, trim( $out ) ) );
			list( $status, $out, $err ) = $run( array( 'dda', 'task', 'cancel', $id ) );
			$this->assertSame( 0, $status, $err );
			$this->assertStringContainsString( "Task $id cancelled.", $out );
			list( $status, $out, $err ) = $run( array( 'dda', 'task', 'retry', $id ) );
			$this->assertSame( 0, $status, $err );
			$this->assertStringContainsString( "Task $id is pending again.", $out );
			list( $status, , $err ) = $run( array( 'dda', 'task', 'retry', $id ) );
			$this->assertSame( 1, $status, 'retrying a pending task is an error' );
			$this->assertStringContainsString( 'Error:', $err );
			list( $status ) = $run( array( 'dda', 'task', 'cancel', $id ) );
			$this->assertSame( 0, $status );

			// The runners: the stack's runner listed as JSON; pause and resume it by name.
			list( $status, $out, $err ) = $run( array( 'dda', 'runner', 'list', '--format=json' ) );
			$this->assertSame( 0, $status, $err );
			$runners = json_decode( $out, true );
			$this->assertIsArray( $runners, $out );
			$this->assertNotEmpty( $runners, $out );
			$name = (string) $runners[0]['name'];
			list( $status, $out, $err ) = $run( array( 'dda', 'runner', 'pause', $name ) );
			$paused = $name;
			$this->assertSame( 0, $status, $err );
			list( $status, $out ) = $run( array( 'dda', 'runner', 'list', '--format=csv', '--fields=name,paused' ) );
			$this->assertStringContainsString( $name . ',true', $out );
			list( $status, $out, $err ) = $run( array( 'dda', 'runner', 'resume', $name ) );
			$this->assertSame( 0, $status, $err );
			$paused = null;
			list( $status, , $err ) = $run( array( 'dda', 'runner', 'pause', 'no-such-runner' ) );
			$this->assertSame( 1, $status, 'an unknown runner is an error' );
		} finally {
			if ( null !== $paused ) {
				$run( array( 'dda', 'runner', 'resume', $paused ) );
			}
			unlink( $require );
		}
	}
}
