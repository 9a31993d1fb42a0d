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
			'markup'         => array( 'http://example.com/"><script>' ),
		);
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
