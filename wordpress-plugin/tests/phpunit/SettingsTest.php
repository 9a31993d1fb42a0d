<?php
/**
 * Settings sanitization: bad URLs refused, a blank key keeps the stored one.
 *
 * @package DistributedDataAnalysis
 */

final class SettingsTest extends DDA_Test_Case {

	private const OLD_URL = 'http://127.0.0.1:8080';
	private const OLD_KEY = 'old-key-0123456789abcdef';

	protected function setUp(): void {
		parent::setUp();
		$this->use_settings( self::OLD_URL, self::OLD_KEY, 10 );
	}

	private function error_codes(): array {
		return wp_list_pluck( get_settings_errors( DDA_Settings::OPTION ), 'code' );
	}

	public function test_valid_urls_are_normalized(): void {
		$this->assertSame( 'http://127.0.0.1:9000', DDA_Settings::sanitize( array( 'api_url' => ' http://127.0.0.1:9000/ ' ) )['api_url'] );
		$this->assertSame( 'https://dda.example.com/api', DDA_Settings::sanitize( array( 'api_url' => 'https://dda.example.com/api/' ) )['api_url'] );
		$this->assertSame( 'http://[::1]:8080', DDA_Settings::sanitize( array( 'api_url' => 'http://[::1]:8080' ) )['api_url'] );
		$this->assertSame( array(), $this->error_codes() );
	}

	/**
	 * @dataProvider bad_urls
	 */
	public function test_bad_url_is_refused_and_the_old_one_kept( string $bad ): void {
		$clean = DDA_Settings::sanitize(
			array(
				'api_url' => $bad,
				'api_key' => '',
				'timeout' => '10',
			)
		);
		$this->assertSame( self::OLD_URL, $clean['api_url'] );
		$this->assertSame( array( 'dda_api_url' ), $this->error_codes() );
		$errors = get_settings_errors( DDA_Settings::OPTION );
		$this->assertStringContainsString( 'The stored URL was kept', $errors[0]['message'] );
	}

	public function bad_urls(): array {
		return array(
			'empty'          => array( '' ),
			'not a url'      => array( 'not a url' ),
			'no scheme'      => array( '127.0.0.1:8080' ),
			'ftp'            => array( 'ftp://example.com' ),
			'javascript'     => array( 'javascript:alert(1)' ),
			'no host'        => array( 'http://' ),
			'query'          => array( 'http://example.com/?x=1' ),
			'fragment'       => array( 'http://example.com/#top' ),
			'credentials'    => array( 'http://user:secret@example.com' ),
			'user name'      => array( 'http://admin@example.com' ),
			'password only'  => array( 'http://:secret@example.com' ),
			'empty userinfo' => array( 'http://@example.com' ),
			'markup'         => array( 'http://example.com/"><script>' ),
			'file'           => array( 'file:///etc/passwd' ),
			'gopher'         => array( 'gopher://127.0.0.1:6379/_INFO' ),
			'data'           => array( 'data:text/plain,x' ),
			'no host, path'  => array( 'http:///etc/passwd' ),
			'port only'      => array( 'http://:8080' ),
			'relative'       => array( '//example.com' ),
			'control char'   => array( "http://example.com/\x01" ),
			'newline'        => array( "http://example.com/\napi" ),
			'bad port'       => array( 'http://example.com:99999' ),
		);
	}

	/**
	 * URLs for which the API key travels in clear text (plain http:// to another host).
	 */
	public function cleartext_urls(): array {
		return array(
			'remote name'        => array( 'http://dda.example.com:8080' ),
			'remote ip'          => array( 'http://192.0.2.10' ),
			'private ip'         => array( 'http://10.0.0.5:8080' ),
			'127 as a name'      => array( 'http://127.example.com' ),
			'localhost lookalike' => array( 'http://localhost.example.com' ),
			'other ipv6'         => array( 'http://[2001:db8::1]:8080' ),
		);
	}

	/**
	 * @dataProvider cleartext_urls
	 */
	public function test_plain_http_to_another_host_gets_a_warning( string $url ): void {
		$warning = DDA_Settings::cleartext_warning( $url );
		$this->assertStringContainsString( 'travel unencrypted', $warning );
		$this->assertStringContainsString( (string) wp_parse_url( $url, PHP_URL_HOST ), $warning );
	}

	public function test_https_and_loopback_get_no_warning(): void {
		foreach ( array( 'https://dda.example.com', 'https://10.0.0.5', 'http://127.0.0.1:8080', 'http://127.1.2.3', 'http://localhost:8080', 'http://LOCALHOST', 'http://[::1]:8080', 'http://[0:0:0:0:0:0:0:1]', '' ) as $url ) {
			$this->assertSame( '', DDA_Settings::cleartext_warning( $url ), $url );
		}
		$this->assertTrue( DDA_Settings::is_loopback_host( '127.255.255.254' ) );
		$this->assertFalse( DDA_Settings::is_loopback_host( '128.0.0.1' ) );
		$this->assertFalse( DDA_Settings::is_loopback_host( '::2' ) );
	}

	public function test_the_settings_screen_warns_about_plain_http(): void {
		wp_set_current_user( self::user( 'administrator' ) );
		DDA_Settings::register();
		$this->use_settings( 'http://dda.example.com:8080', self::OLD_KEY );
		ob_start();
		DDA_Admin::render_settings_page();
		$html = (string) ob_get_clean();
		$this->assertMatchesRegularExpression( '/<div class="notice notice-warning inline dda-cleartext-warning"><p>[^<]*dda\.example\.com[^<]*travel unencrypted/', $html );

		$this->use_settings( self::OLD_URL, self::OLD_KEY );
		ob_start();
		DDA_Admin::render_settings_page();
		$this->assertStringNotContainsString( 'dda-cleartext-warning', (string) ob_get_clean() );
	}

	public function test_the_tasks_screen_shows_the_plain_http_warning_as_a_notice(): void {
		wp_set_current_user( self::user( 'administrator' ) );
		$this->use_settings( 'http://dda.example.invalid:8080', self::OLD_KEY );
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertMatchesRegularExpression( '/<div class="notice notice-warning dda-notice">\s*<p>\s*The API server URL uses plain http:\/\/ to dda\.example\.invalid/', $html );

		$this->use_settings( self::api_url(), self::api_key() );
		ob_start();
		DDA_Admin::render_tasks_page();
		$this->assertStringNotContainsString( 'plain http://', (string) ob_get_clean() );
	}

	public function test_blank_key_keeps_the_old_one(): void {
		$this->assertSame( self::OLD_KEY, DDA_Settings::sanitize( array( 'api_key' => '' ) )['api_key'] );
		$this->assertSame( self::OLD_KEY, DDA_Settings::sanitize( array( 'api_key' => '   ' ) )['api_key'] );
		$this->assertSame( self::OLD_KEY, DDA_Settings::sanitize( array( 'api_url' => self::OLD_URL ) )['api_key'] );
		$this->assertSame( array(), $this->error_codes() );
	}

	public function test_new_key_replaces_the_old_one(): void {
		$this->assertSame( 'new-key-abcdefghijklmnop', DDA_Settings::sanitize( array( 'api_key' => ' new-key-abcdefghijklmnop ' ) )['api_key'] );
	}

	public function test_short_or_spaced_key_is_refused(): void {
		$this->assertSame( self::OLD_KEY, DDA_Settings::sanitize( array( 'api_key' => 'short' ) )['api_key'] );
		$this->assertSame( self::OLD_KEY, DDA_Settings::sanitize( array( 'api_key' => 'has a space in the middle ok' ) )['api_key'] );
		$this->assertSame( array( 'dda_api_key', 'dda_api_key' ), $this->error_codes() );
	}

	public function test_timeout_is_range_checked(): void {
		$this->assertSame( 30, DDA_Settings::sanitize( array( 'timeout' => '30' ) )['timeout'] );
		foreach ( array( '0', '61', 'abc', '-5' ) as $bad ) {
			$this->assertSame( 10, DDA_Settings::sanitize( array( 'timeout' => $bad ) )['timeout'], $bad );
		}
		$this->assertCount( 4, $this->error_codes() );
	}

	public function test_non_array_input_keeps_everything(): void {
		$this->assertSame( DDA_Settings::get(), DDA_Settings::sanitize( 'garbage' ) );
	}

	public function test_settings_api_runs_the_sanitizer_on_save(): void {
		DDA_Settings::register();
		update_option(
			DDA_Settings::OPTION,
			array(
				'api_url' => 'javascript:alert(1)',
				'api_key' => '',
				'timeout' => '20',
			)
		);
		$stored = get_option( DDA_Settings::OPTION );
		$this->assertSame( self::OLD_URL, $stored['api_url'] );
		$this->assertSame( self::OLD_KEY, $stored['api_key'] );
		$this->assertSame( 20, $stored['timeout'] );
	}

	public function test_the_key_field_never_prints_the_stored_key(): void {
		ob_start();
		DDA_Settings::render_key_field();
		DDA_Settings::render_url_field();
		$html = (string) ob_get_clean();
		$this->assertStringNotContainsString( self::OLD_KEY, $html );
		$this->assertStringContainsString( 'type="password"', $html );
		$this->assertStringContainsString( 'value=""', $html );
		$this->assertStringContainsString( 'A key is stored', $html );
	}
}
