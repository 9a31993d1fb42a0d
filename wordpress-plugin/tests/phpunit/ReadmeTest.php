<?php
/**
 * readme.txt: "Tested up to" is the WordPress these tests run in (Debian's wordpress
 * package, which CI installs), the versions agree with the plugin header, and every
 * screenshot it lists is in assets/ (and every one there is listed).
 *
 * @package DistributedDataAnalysis
 */

final class ReadmeTest extends DDA_Test_Case {

	/**
	 * The readme of the plugin WordPress loaded (a copy of wordpress-plugin/ without tests).
	 */
	private static function readme(): string {
		$text = file_get_contents( DDA_PLUGIN_DIR . 'readme.txt' );
		self::assertIsString( $text );
		return $text;
	}

	/**
	 * A header field of readme.txt ("Tested up to: 6.1").
	 *
	 * @param string $name The field.
	 */
	private static function field( string $name ): string {
		self::assertSame( 1, preg_match( '/^' . preg_quote( $name, '/' ) . ':\s*(.+)$/m', self::readme(), $m ), $name );
		return trim( $m[1] );
	}

	public function test_tested_up_to_is_the_wordpress_ci_runs(): void {
		global $wp_version;
		$this->assertMatchesRegularExpression( '/^\d+\.\d+(\.\d+)?$/', (string) $wp_version );
		$major_minor = implode( '.', array_slice( explode( '.', (string) $wp_version ), 0, 2 ) );
		$this->assertSame( $major_minor, self::field( 'Tested up to' ), 'readme.txt "Tested up to" is not the WordPress the tests run in (' . $wp_version . ')' );
		$this->assertTrue( version_compare( (string) $wp_version, self::field( 'Requires at least' ), '>=' ) );
	}

	public function test_versions_agree_with_the_plugin_header(): void {
		$header = get_file_data(
			DDA_PLUGIN_FILE,
			array(
				'version'  => 'Version',
				'requires' => 'Requires at least',
				'php'      => 'Requires PHP',
			)
		);
		$this->assertSame( DDA_VERSION, $header['version'] );
		$this->assertSame( $header['version'], self::field( 'Stable tag' ) );
		$this->assertSame( $header['requires'], self::field( 'Requires at least' ) );
		$this->assertSame( $header['php'], self::field( 'Requires PHP' ) );
	}

	public function test_the_screenshots_section_matches_assets(): void {
		$this->assertSame( 1, preg_match( '/^== Screenshots ==\s*\n(.*?)(?=^== |\z)/ms', self::readme(), $m ), 'no Screenshots section' );
		preg_match_all( '/^(\d+)\. (\S.*)$/m', $m[1], $items, PREG_SET_ORDER );
		$numbers = array_map( 'intval', array_column( $items, 1 ) );
		$this->assertSame( range( 1, 5 ), $numbers, 'captions numbered 1…5: list, form, overview, runners, server down' );
		$files = array_map( 'basename', (array) glob( DDA_PLUGIN_DIR . 'assets/screenshot-*.png' ) );
		sort( $files, SORT_NATURAL );
		$this->assertSame(
			array_map(
				static function ( $n ) {
					return 'screenshot-' . $n . '.png';
				},
				$numbers
			),
			$files,
			'wordpress-plugin/assets/ must hold screenshot-N.png for exactly the captions of readme.txt'
		);
		foreach ( $files as $file ) {
			$size = getimagesize( DDA_PLUGIN_DIR . 'assets/' . $file );
			$this->assertIsArray( $size, $file . ' is not an image' );
			$this->assertSame( IMAGETYPE_PNG, $size[2], $file );
			$this->assertGreaterThanOrEqual( 600, $size[0], $file . ' is too small to show anything' );
		}
	}
}
