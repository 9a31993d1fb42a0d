<?php
/**
 * Base class: settings save/restore, users, REST calls.
 *
 * @package DistributedDataAnalysis
 */

use PHPUnit\Framework\TestCase;

/**
 * Shared helpers. The settings are restored after every test.
 */
abstract class DDA_Test_Case extends TestCase {

	/**
	 * Requests seen by spy_requests(): `array{url: string, args: array}` each.
	 *
	 * @var array
	 */
	protected array $requests = array();

	/**
	 * The pre_http_request filter of spy_requests(), if any.
	 *
	 * @var callable|null
	 */
	private $spy = null;

	/**
	 * The process of start_fake_api(), if any.
	 *
	 * @var resource|null
	 */
	private $fake_api = null;

	/**
	 * The state directory of start_fake_api() (its log), if any.
	 *
	 * @var string
	 */
	private string $fake_api_state = '';

	/**
	 * Settings before the test.
	 *
	 * @var mixed
	 */
	private $saved_settings;

	protected function setUp(): void {
		parent::setUp();
		$this->saved_settings = get_option( DDA_Settings::OPTION );
		$this->use_settings( self::api_url(), self::api_key() );
		$GLOBALS['wp_settings_errors'] = array();
		wp_set_current_user( 0 );
		// The roles as activation leaves them (a test of uninstall takes manage_dda away).
		if ( ! get_role( 'administrator' )->has_cap( DDA_Admin::CAPABILITY ) ) {
			DDA_Plugin::grant_capability();
		}
	}

	protected function tearDown(): void {
		if ( null !== $this->spy ) {
			remove_filter( 'pre_http_request', $this->spy, 10 );
			$this->spy = null;
		}
		if ( null !== $this->fake_api ) {
			proc_terminate( $this->fake_api );
			proc_close( $this->fake_api );
			$this->fake_api = null;
		}
		if ( '' !== $this->fake_api_state ) {
			array_map( 'unlink', (array) glob( $this->fake_api_state . '/*' ) );
			rmdir( $this->fake_api_state );
			$this->fake_api_state = '';
		}
		remove_all_filters( 'dda_network_mode' );
		foreach ( array( 'wp_die_handler', 'wp_die_json_handler', 'wp_die_xml_handler' ) as $hook ) {
			remove_filter( $hook, array( __CLASS__, 'die_handler_name' ) );
		}
		update_option( DDA_Settings::OPTION, $this->saved_settings );
		$GLOBALS['wp_settings_errors'] = array();
		wp_set_current_user( 0 );
		parent::tearDown();
	}

	protected static function api_url(): string {
		return rtrim( (string) getenv( 'DDA_TEST_API_URL' ), '/' );
	}

	protected static function api_key(): string {
		return (string) getenv( 'DDA_TEST_API_KEY' );
	}

	protected static function site_url(): string {
		return 'http://' . getenv( 'DDA_TEST_WP_HOST' );
	}

	/**
	 * Stores settings directly (bypassing the form's sanitizing).
	 */
	protected function use_settings( string $url, string $key, int $timeout = 10 ): void {
		remove_all_filters( 'sanitize_option_' . DDA_Settings::OPTION );
		update_option(
			DDA_Settings::OPTION,
			array(
				'api_url' => $url,
				'api_key' => $key,
				'timeout' => $timeout,
			)
		);
	}

	/**
	 * A user with the role, created once per role.
	 */
	protected static function user( string $role ): int {
		$login = 'dda_test_' . $role;
		$user  = get_user_by( 'login', $login );
		if ( $user ) {
			return (int) $user->ID;
		}
		$id = wp_insert_user(
			array(
				'user_login' => $login,
				'user_pass'  => wp_generate_password( 24 ),
				'user_email' => $login . '@example.invalid',
				'role'       => $role,
			)
		);
		if ( is_wp_error( $id ) ) {
			throw new RuntimeException( $id->get_error_message() );
		}
		return (int) $id;
	}

	protected function as_admin(): void {
		wp_set_current_user( self::user( 'administrator' ) );
	}

	/**
	 * Dispatches a request to the REST server in-process.
	 *
	 * @param array $params Body / query parameters.
	 */
	protected function rest( string $method, string $route, array $params = array() ): WP_REST_Response {
		$request = new WP_REST_Request( $method, $route );
		foreach ( $params as $key => $value ) {
			$request->set_param( $key, $value );
		}
		return rest_do_request( $request );
	}

	/**
	 * Records every outgoing HTTP request (URL and the arguments as WordPress passes them to
	 * its transport) instead of sending it; answers each with $body (JSON text) and status 200.
	 *
	 * @param string $body The fake answer's body.
	 */
	protected function spy_requests( string $body = '{"name": "dda-server", "version": "spy"}' ): void {
		$this->requests = array();
		$this->spy      = function ( $preempt, $args, $url ) use ( $body ) {
			$this->requests[] = array(
				'url'  => $url,
				'args' => $args,
			);
			return array(
				'headers'  => array( 'content-type' => 'application/json' ),
				'body'     => $body,
				'response' => array(
					'code'    => 200,
					'message' => 'OK',
				),
				'cookies'  => array(),
				'filename' => null,
			);
		};
		add_filter( 'pre_http_request', $this->spy, 10, 3 );
	}

	/**
	 * Starts tests/phpunit/fake-api.php on a loopback port (PHP's built-in server, stopped in
	 * tearDown) and returns its base URL. See that file for its paths.
	 */
	protected function start_fake_api(): string {
		$port                 = self::closed_port();
		$null                 = array( 'file', '/dev/null', 'a' );
		$this->fake_api_state = (string) tempnam( sys_get_temp_dir(), 'dda-fake-api-' );
		unlink( $this->fake_api_state );
		mkdir( $this->fake_api_state, 0700 );
		$this->fake_api = proc_open(
			array( PHP_BINARY, '-S', '127.0.0.1:' . $port, __DIR__ . '/fake-api.php' ),
			array( array( 'file', '/dev/null', 'r' ), $null, $null ),
			$pipes,
			null,
			array(
				'PATH'               => (string) getenv( 'PATH' ),
				'DDA_FAKE_API_STATE' => $this->fake_api_state,
			)
		);
		$this->assertIsResource( $this->fake_api, 'could not start php -S' );
		$deadline = microtime( true ) + 10;
		do {
			$socket = @fsockopen( '127.0.0.1', $port, $errno, $errstr, 0.2 ); // phpcs:ignore WordPress.PHP.NoSilencedErrors.Discouraged, Generic.PHP.NoSilencedErrors.Discouraged -- refused until it listens.
			if ( $socket ) {
				fclose( $socket );
				return 'http://127.0.0.1:' . $port;
			}
			usleep( 50000 );
		} while ( microtime( true ) < $deadline );
		$this->fail( 'php -S did not start on port ' . $port );
	}

	/**
	 * The requests the fake API's /batch/tasks/batch received, oldest first: `key`
	 * (Idempotency-Key), `count` (tasks), `bytes` (body), `status` (its answer), `api_key`,
	 * `type` (Content-Type), `replayed` (an Idempotency-Key seen before).
	 */
	protected function fake_api_requests(): array {
		$file = $this->fake_api_state . '/requests.jsonl';
		if ( '' === $this->fake_api_state || ! is_file( $file ) ) {
			return array();
		}
		return array_map(
			static function ( $line ) {
				return json_decode( $line, true );
			},
			file( $file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES )
		);
	}

	/**
	 * The params (JSON text, one per task) of the tasks the fake API created, in order.
	 */
	protected function fake_api_params(): array {
		$file = $this->fake_api_state . '/params.jsonl';
		return '' !== $this->fake_api_state && is_file( $file ) ? file( $file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES ) : array();
	}

	/**
	 * Dispatches a request with a JSON body (as the browser sends it) in-process.
	 *
	 * @param string $body The JSON text.
	 */
	protected function rest_json( string $method, string $route, string $body ): WP_REST_Response {
		$request = new WP_REST_Request( $method, $route );
		$request->set_header( 'Content-Type', 'application/json' );
		$request->set_body( $body );
		return rest_do_request( $request );
	}

	/**
	 * Makes wp_die() throw DDA_Test_Die (its message) instead of ending the process.
	 */
	protected function catch_wp_die(): void {
		foreach ( array( 'wp_die_handler', 'wp_die_json_handler', 'wp_die_xml_handler' ) as $hook ) {
			add_filter( $hook, array( __CLASS__, 'die_handler_name' ) );
		}
	}

	/**
	 * @return callable The handler catch_wp_die() installs.
	 */
	public static function die_handler_name(): callable {
		return static function ( $message ) {
			throw new DDA_Test_Die( is_wp_error( $message ) ? $message->get_error_message() : (string) $message );
		};
	}

	/**
	 * Turns network mode (multisite settings) on for this test (DDA_Settings::network_mode()).
	 */
	protected function network_mode(): void {
		add_filter( 'dda_network_mode', '__return_true' );
	}

	/**
	 * An administrator who is also a network administrator (`manage_network_options`).
	 */
	protected static function network_admin(): int {
		$user = get_user_by( 'login', 'dda_test_network_admin' );
		if ( ! $user ) {
			$id = wp_insert_user(
				array(
					'user_login' => 'dda_test_network_admin',
					'user_pass'  => wp_generate_password( 24 ),
					'user_email' => 'dda_test_network_admin@example.invalid',
					'role'       => 'administrator',
				)
			);
			if ( is_wp_error( $id ) ) {
				throw new RuntimeException( $id->get_error_message() );
			}
			$user = new WP_User( $id );
		}
		$user->add_cap( DDA_Settings::NETWORK_CAPABILITY );
		return (int) $user->ID;
	}

	/**
	 * A loopback port on which nothing listens.
	 */
	protected static function closed_port(): int {
		$server = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name   = stream_socket_get_name( $server, false );
		fclose( $server );
		return (int) substr( (string) $name, strrpos( (string) $name, ':' ) + 1 );
	}

	/**
	 * Polls GET /dda/v1/tasks/{id} until the status is one of $statuses (bounded).
	 */
	protected function wait_for_status( string $id, array $statuses, float $seconds = 30.0 ): array {
		$deadline = microtime( true ) + $seconds;
		do {
			$response = $this->rest( 'GET', '/dda/v1/tasks/' . $id );
			$this->assertSame( 200, $response->get_status(), wp_json_encode( $response->get_data() ) );
			$task = $response->get_data()['task'];
			if ( in_array( $task['status'], $statuses, true ) ) {
				return $task;
			}
			usleep( 100000 );
		} while ( microtime( true ) < $deadline );
		$this->fail( "task $id did not reach " . implode( '/', $statuses ) . ", it is {$task['status']}" );
	}
}
