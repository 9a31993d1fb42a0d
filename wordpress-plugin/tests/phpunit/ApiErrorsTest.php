<?php
/**
 * Failures of the API map to plain-words messages (and error codes), never PHP warnings,
 * and never contain the key.
 *
 * @package DistributedDataAnalysis
 */

final class ApiErrorsTest extends DDA_Test_Case {

	private function client( string $url, string $key = '', int $timeout = 5 ): DDA_API_Client {
		return new DDA_API_Client(
			array(
				'api_url' => $url,
				'api_key' => '' === $key ? self::api_key() : $key,
				'timeout' => $timeout,
			)
		);
	}

	private function assert_error( $result, string $code, string $text ): WP_Error {
		$this->assertInstanceOf( WP_Error::class, $result );
		$this->assertSame( $code, $result->get_error_code(), $result->get_error_message() );
		$this->assertStringContainsString( $text, $result->get_error_message() );
		$this->assertStringNotContainsString( self::api_key(), $result->get_error_message() );
		return $result;
	}

	public function test_unreachable_server(): void {
		$url = 'http://127.0.0.1:' . self::closed_port();
		$this->assert_error( $this->client( $url )->test_connection(), 'dda_unreachable', 'Cannot reach the API server at ' . $url );
		$this->assert_error( $this->client( $url )->list_tasks(), 'dda_unreachable', 'Check the URL' );
	}

	public function test_key_refused(): void {
		$error = $this->assert_error(
			$this->client( self::api_url(), 'wrong-key-0000000000000000000000' )->test_connection(),
			'dda_key_refused',
			'The API server refused the API key'
		);
		$this->assertSame( 401, $error->get_error_data()['api_status'] );
	}

	public function test_tls_error(): void {
		// The API's nginx speaks plain HTTP: a TLS handshake with it fails.
		$url = preg_replace( '#^http://#', 'https://', self::api_url() );
		$this->assert_error( $this->client( $url )->test_connection(), 'dda_tls', 'secure (TLS) connection' );
	}

	public function test_timeout(): void {
		// Accepts connections (the kernel's backlog) but never answers.
		$server = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name   = (string) stream_socket_get_name( $server, false );
		$url    = 'http://' . $name;
		$this->assert_error( $this->client( $url, '', 1 )->test_connection(), 'dda_timeout', 'did not answer within 1 seconds' );
		fclose( $server );
	}

	public function test_a_web_server_that_is_not_dda(): void {
		$this->assert_error( $this->client( self::site_url() )->test_connection(), 'dda_not_dda', 'not a DDA API server' );
	}

	public function test_blocked_by_wp_http_block_external(): void {
		$this->assertTrue( WP_HTTP_BLOCK_EXTERNAL );
		$this->assert_error( $this->client( 'http://dda.example.invalid:8080' )->test_connection(), 'dda_blocked', 'WP_ACCESSIBLE_HOSTS' );
	}

	public function test_not_configured(): void {
		$this->assert_error( ( new DDA_API_Client( array( 'api_url' => '', 'api_key' => '', 'timeout' => 5 ) ) )->list_runners(), 'dda_not_configured', 'URL is not set' );
		$this->assert_error( ( new DDA_API_Client( array( 'api_url' => self::api_url(), 'api_key' => '', 'timeout' => 5 ) ) )->list_runners(), 'dda_no_key', 'No API key is stored' );
	}

	public function test_loopback_api_url_is_not_blocked(): void {
		// WP_HTTP_BLOCK_EXTERNAL is on, the API is on 127.0.0.1 (the site's own host).
		$this->assertIsArray( $this->client( self::api_url() )->service_info() );
	}

	public function test_rest_route_returns_the_message_as_an_error(): void {
		$this->as_admin();
		$this->use_settings( self::api_url(), 'wrong-key-0000000000000000000000' );
		$response = $this->rest( 'POST', '/dda/v1/connection-test' );
		$this->assertSame( 502, $response->get_status() );
		$this->assertSame( 'dda_key_refused', $response->get_data()['code'] );
		$this->assertStringContainsString( 'refused the API key', $response->get_data()['message'] );

		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key() );
		$response = $this->rest( 'GET', '/dda/v1/tasks' );
		$this->assertSame( 502, $response->get_status() );
		$this->assertSame( 'dda_unreachable', $response->get_data()['code'] );
	}

	public function test_tasks_screen_shows_an_admin_notice_not_a_warning(): void {
		$this->as_admin();
		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key() );
		$warnings = array();
		set_error_handler(
			static function ( $errno, $message ) use ( &$warnings ) {
				if ( ! in_array( $errno, array( E_DEPRECATED, E_USER_DEPRECATED ), true ) ) {
					$warnings[] = $message;
				}
				return true;
			}
		);
		try {
			ob_start();
			DDA_Admin::render_tasks_page();
			$html = (string) ob_get_clean();
		} finally {
			restore_error_handler();
		}
		$this->assertSame( array(), $warnings );
		$this->assertMatchesRegularExpression( '/<div class="notice notice-error dda-notice">\s*<p>\s*Cannot reach the API server/', $html );
		$this->assertStringContainsString( 'page=dda-settings', $html );
	}
}
