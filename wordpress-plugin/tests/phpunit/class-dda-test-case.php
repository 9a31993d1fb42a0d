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
	}

	protected function tearDown(): void {
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
