<?php
/**
 * The REST routes refuse anonymous users, users without manage_options and, over HTTP,
 * logged-in browsers without a valid REST nonce.
 *
 * @package DistributedDataAnalysis
 */

final class RestPermissionsTest extends DDA_Test_Case {

	private const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

	/**
	 * Every route with a harmless request.
	 */
	public function routes(): array {
		return array(
			'list tasks'      => array( 'GET', '/dda/v1/tasks', array() ),
			'create task'     => array( 'POST', '/dda/v1/tasks', array( 'operation_code' => 100 ) ),
			'create tasks'    => array(
				'POST',
				'/dda/v1/tasks/batch',
				array(
					'upload_id' => self::UUID,
					'batch'     => 0,
					'tasks'     => array( array( 'operation_code' => 100 ) ),
				),
			),
			'get task'        => array( 'GET', '/dda/v1/tasks/' . self::UUID, array() ),
			'cancel task'     => array( 'DELETE', '/dda/v1/tasks/' . self::UUID, array() ),
			'retry task'      => array( 'POST', '/dda/v1/tasks/' . self::UUID . '/retry', array() ),
			'runners'         => array( 'GET', '/dda/v1/runners', array() ),
			'connection test' => array( 'POST', '/dda/v1/connection-test', array() ),
		);
	}

	public function test_all_routes_are_registered_with_a_permission_callback(): void {
		$routes = rest_get_server()->get_routes( 'dda/v1' );
		$this->assertArrayHasKey( '/dda/v1/tasks', $routes );
		$this->assertArrayHasKey( '/dda/v1/tasks/batch', $routes );
		$this->assertArrayHasKey( '/dda/v1/runners', $routes );
		$this->assertArrayHasKey( '/dda/v1/connection-test', $routes );
		foreach ( $routes as $path => $handlers ) {
			foreach ( $handlers as $handler ) {
				if ( isset( $handler['callback'] ) && '/dda/v1' !== $path ) {
					$this->assertSame( array( 'DDA_REST_Controller', 'permissions_check' ), $handler['permission_callback'], $path );
				}
			}
		}
	}

	/**
	 * @dataProvider routes
	 */
	public function test_anonymous_is_refused( string $method, string $route, array $params ): void {
		wp_set_current_user( 0 );
		$response = $this->rest( $method, $route, $params );
		$this->assertSame( 401, $response->get_status() );
		$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
	}

	/**
	 * @dataProvider routes
	 */
	public function test_subscriber_is_refused( string $method, string $route, array $params ): void {
		wp_set_current_user( self::user( 'subscriber' ) );
		$response = $this->rest( $method, $route, $params );
		$this->assertSame( 403, $response->get_status() );
		$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
	}

	public function test_editor_without_manage_options_is_refused(): void {
		wp_set_current_user( self::user( 'editor' ) );
		$this->assertSame( 403, $this->rest( 'GET', '/dda/v1/runners' )->get_status() );
	}

	public function test_administrator_is_allowed(): void {
		$this->as_admin();
		$this->assertSame( 200, $this->rest( 'GET', '/dda/v1/runners' )->get_status() );
	}

	public function test_over_http_a_valid_nonce_is_required(): void {
		$admin      = self::user( 'administrator' );
		$expiration = time() + HOUR_IN_SECONDS;
		$token      = WP_Session_Tokens::get_instance( $admin )->create( $expiration );
		$cookie     = wp_generate_auth_cookie( $admin, $expiration, 'logged_in', $token );

		// wp_create_nonce binds the nonce to the user and the session of the cookie.
		$_COOKIE[ LOGGED_IN_COOKIE ] = $cookie;
		wp_set_current_user( $admin );
		$nonce = wp_create_nonce( 'wp_rest' );
		unset( $_COOKIE[ LOGGED_IN_COOKIE ] );
		wp_set_current_user( 0 );

		$url  = self::site_url() . '/wp-json/dda/v1/runners';
		$call = static function ( array $headers ) use ( $url ) {
			$response = wp_remote_get( $url, array( 'headers' => $headers, 'timeout' => 20 ) );
			if ( is_wp_error( $response ) ) {
				throw new RuntimeException( $response->get_error_message() );
			}
			return array( wp_remote_retrieve_response_code( $response ), json_decode( wp_remote_retrieve_body( $response ), true ) );
		};
		$cookie_header = LOGGED_IN_COOKIE . '=' . rawurlencode( $cookie );

		list( $status, $body ) = $call( array() );
		$this->assertSame( 401, $status, 'no cookie, no nonce' );

		list( $status, $body ) = $call( array( 'Cookie' => $cookie_header ) );
		$this->assertSame( 401, $status, 'cookie without nonce: ' . wp_json_encode( $body ) );
		$this->assertSame( 'rest_forbidden', $body['code'] );

		list( $status, $body ) = $call( array( 'Cookie' => $cookie_header, 'X-WP-Nonce' => 'abc123def4' ) );
		$this->assertSame( 403, $status, 'cookie with a wrong nonce' );
		$this->assertSame( 'rest_cookie_invalid_nonce', $body['code'] );

		list( $status, $body ) = $call( array( 'Cookie' => $cookie_header, 'X-WP-Nonce' => $nonce ) );
		$this->assertSame( 200, $status, 'cookie with the nonce: ' . wp_json_encode( $body ) );
		$this->assertIsArray( $body['runners'] );

		WP_Session_Tokens::get_instance( $admin )->destroy( $token );
	}
}
