<?php
/**
 * Multisite: the API URL and key are the network's, only network administrators
 * (`manage_network_options`) change them, sites show them read-only; network activation
 * autoloads nothing; uninstall reaches every site.
 *
 * The test WordPress is a single site (a multisite install would need its own nginx rules,
 * wp-config constants and an installer run that scripts/wordpress-env.sh does not do), so
 * these tests switch the plugin's network mode on with its `dda_network_mode` filter (the
 * wrapper around is_multisite() the plugin decides by). On a single site WordPress keeps
 * network options in the options table, so the network option is a real, separate option
 * here too; the per-user capability checks are WordPress's own.
 *
 * @package DistributedDataAnalysis
 */

final class MultisiteTest extends DDA_Test_Case {

	private const INTERNAL_URL = 'http://169.254.169.254';

	protected function setUp(): void {
		parent::setUp();
		$this->catch_wp_die();
	}

	protected function tearDown(): void {
		delete_site_option( DDA_Settings::NETWORK_OPTION );
		$_POST    = array();
		$_REQUEST = array();
		parent::tearDown();
	}

	/**
	 * Forgets the site setting registered by an earlier test in this process.
	 */
	private static function unregister_site_setting(): void {
		if ( isset( get_registered_settings()[ DDA_Settings::OPTION ] ) ) {
			unregister_setting( DDA_Settings::GROUP, DDA_Settings::OPTION );
		}
	}

	private function use_network_settings( string $url, string $key, int $timeout = 10 ): void {
		update_site_option(
			DDA_Settings::NETWORK_OPTION,
			array(
				'api_url' => $url,
				'api_key' => $key,
				'timeout' => $timeout,
			)
		);
	}

	/**
	 * Posts the network form as the current user.
	 *
	 * @param array $fields    The dda_settings[…] fields.
	 * @param bool  $withnonce Whether to send a valid nonce.
	 */
	private function post_network_form( array $fields, bool $withnonce = true ): array {
		$_POST = array( DDA_Settings::OPTION => wp_slash( $fields ) );
		if ( $withnonce ) {
			$_POST['_wpnonce'] = wp_create_nonce( DDA_Settings::NETWORK_ACTION );
		}
		$_REQUEST = $_POST;
		return DDA_Admin::process_network_save();
	}

	public function test_single_site_keeps_its_site_option_and_manage_options(): void {
		$this->assertFalse( DDA_Settings::network_mode() );
		$this->assertSame( 'manage_options', DDA_Settings::capability() );
		$this->assertSame( 'manage_options', apply_filters( 'option_page_capability_' . DDA_Settings::GROUP, 'manage_options' ) );
		$this->as_admin();
		$this->assertTrue( DDA_Settings::can_edit() );
		$this->assertSame( self::api_url(), DDA_Settings::get()['api_url'] );
	}

	public function test_network_mode_needs_manage_network_options(): void {
		$this->network_mode();
		$this->assertSame( 'manage_network_options', DDA_Settings::capability() );
		// options.php asks for this before saving the site form.
		$this->assertSame( 'manage_network_options', apply_filters( 'option_page_capability_' . DDA_Settings::GROUP, 'manage_options' ) );

		$this->as_admin();
		$this->assertTrue( current_user_can( 'manage_options' ) );
		$this->assertFalse( DDA_Settings::can_edit(), 'a site administrator may change the URL' );

		wp_set_current_user( self::network_admin() );
		$this->assertTrue( DDA_Settings::can_edit() );
	}

	public function test_network_mode_reads_the_network_option_not_the_sites(): void {
		$this->use_settings( self::INTERNAL_URL, 'site-admin-key-0123456789' );
		$this->network_mode();
		$this->use_network_settings( self::api_url(), self::api_key(), 7 );

		$settings = DDA_Settings::get();
		$this->assertSame( self::api_url(), $settings['api_url'] );
		$this->assertSame( self::api_key(), $settings['api_key'] );
		$this->assertSame( 7, $settings['timeout'] );

		$this->spy_requests();
		( new DDA_API_Client() )->list_runners();
		$this->assertCount( 1, $this->requests );
		$this->assertSame( self::api_url() . '/runners', $this->requests[0]['url'] );
		$this->assertSame( self::api_key(), $this->requests[0]['args']['headers']['X-API-Key'] );
	}

	public function test_a_site_admin_cannot_save_the_network_settings(): void {
		$this->network_mode();
		$this->use_network_settings( self::api_url(), self::api_key() );
		$this->as_admin();
		try {
			$this->post_network_form(
				array(
					'api_url' => self::INTERNAL_URL,
					'api_key' => '',
					'timeout' => '10',
				)
			);
			$this->fail( 'a site administrator saved the network settings' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertStringContainsString( 'not allowed', $die->getMessage() );
		}
		$this->assertSame( self::api_url(), get_site_option( DDA_Settings::NETWORK_OPTION )['api_url'] );
	}

	public function test_the_network_form_needs_its_nonce(): void {
		$this->network_mode();
		$this->use_network_settings( self::api_url(), self::api_key() );
		wp_set_current_user( self::network_admin() );
		try {
			$this->post_network_form( array( 'api_url' => 'https://dda.example.com' ), false );
			$this->fail( 'saved without a nonce' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertSame( self::api_url(), get_site_option( DDA_Settings::NETWORK_OPTION )['api_url'] );
		}
	}

	public function test_a_network_admin_saves_the_network_option_with_the_same_rules(): void {
		$this->use_settings( self::api_url(), self::api_key() );
		$this->network_mode();
		$this->use_network_settings( 'http://127.0.0.1:8080', 'old-network-key-0123456789' );
		wp_set_current_user( self::network_admin() );

		$saved = $this->post_network_form(
			array(
				'api_url' => 'https://dda.example.com/',
				'api_key' => 'new-network-key-0123456789',
				'timeout' => '20',
			)
		);
		$this->assertSame( 'https://dda.example.com', $saved['api_url'] );
		$stored = get_site_option( DDA_Settings::NETWORK_OPTION );
		$this->assertSame( 'https://dda.example.com', $stored['api_url'] );
		$this->assertSame( 'new-network-key-0123456789', $stored['api_key'] );
		$this->assertSame( 20, $stored['timeout'] );
		// The site's own option is not touched.
		$this->assertSame( self::api_url(), get_option( DDA_Settings::OPTION )['api_url'] );

		// Bad values are refused as on the site form: the stored ones stay.
		$GLOBALS['wp_settings_errors'] = array();
		$this->post_network_form(
			array(
				'api_url' => 'http://user:secret@dda.example.com',
				'api_key' => '',
				'timeout' => '20',
			)
		);
		$this->assertSame( 'https://dda.example.com', get_site_option( DDA_Settings::NETWORK_OPTION )['api_url'] );
		$this->assertSame( 'new-network-key-0123456789', get_site_option( DDA_Settings::NETWORK_OPTION )['api_key'] );
		$this->assertContains( 'dda_api_url', wp_list_pluck( get_settings_errors( DDA_Settings::OPTION ), 'code' ) );
	}

	public function test_in_network_mode_the_site_form_is_not_registered(): void {
		self::unregister_site_setting();
		$this->network_mode();
		DDA_Settings::register();
		$this->assertArrayNotHasKey( DDA_Settings::OPTION, get_registered_settings() );
		global $wp_settings_fields;
		$this->assertArrayHasKey( DDA_Settings::NETWORK_PAGE, $wp_settings_fields );
		$this->assertArrayHasKey( 'dda_api_url', $wp_settings_fields[ DDA_Settings::NETWORK_PAGE ]['dda_connection'] );
	}

	public function test_the_site_settings_screen_is_read_only_in_network_mode(): void {
		$this->network_mode();
		$this->use_network_settings( 'https://dda.example.com', 'network-key-0123456789abcdef' );
		$this->as_admin();
		DDA_Settings::register();
		ob_start();
		DDA_Admin::render_settings_page();
		$html = (string) ob_get_clean();
		$this->assertStringNotContainsString( 'options.php', $html );
		$this->assertStringNotContainsString( 'name="dda_settings[', $html );
		$this->assertStringContainsString( 'set by a network administrator', $html );
		$this->assertStringContainsString( '<code id="dda_api_url_value">https://dda.example.com</code>', $html );
		$this->assertStringContainsString( 'A key is stored', $html );
		$this->assertStringNotContainsString( 'network-key-0123456789abcdef', $html );
		$this->assertStringNotContainsString( 'settings.php?page=dda-network-settings', $html, 'a link for a site administrator' );
	}

	public function test_the_network_screen_has_the_form_with_its_nonce(): void {
		$this->network_mode();
		$this->use_network_settings( 'http://dda.example.com', 'network-key-0123456789abcdef' );
		wp_set_current_user( self::network_admin() );
		DDA_Settings::register();
		ob_start();
		DDA_Admin::render_network_settings_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'edit.php?action=dda_network_settings', $html );
		$this->assertMatchesRegularExpression( '/name="_wpnonce" value="[0-9a-f]{10}"/', $html );
		$this->assertStringContainsString( 'name="dda_settings[api_url]" value="http://dda.example.com"', $html );
		$this->assertStringNotContainsString( 'network-key-0123456789abcdef', $html );
		$this->assertStringContainsString( 'dda-cleartext-warning', $html );

		$this->as_admin();
		$this->expectException( DDA_Test_Die::class );
		DDA_Admin::render_network_settings_page();
	}

	public function test_network_activation_stores_one_network_option_autoloaded_nowhere(): void {
		$this->network_mode();
		delete_site_option( DDA_Settings::NETWORK_OPTION );
		DDA_Plugin::activate( true );
		$this->assertSame( DDA_Settings::defaults(), get_site_option( DDA_Settings::NETWORK_OPTION ) );
		$this->use_network_settings( self::api_url(), self::api_key() );
		DDA_Plugin::activate( true );
		$this->assertSame( self::api_key(), DDA_Settings::get()['api_key'] );
		$alloptions = wp_load_alloptions();
		$this->assertArrayNotHasKey( DDA_Settings::NETWORK_OPTION, $alloptions );
		$this->assertArrayNotHasKey( DDA_Settings::OPTION, $alloptions );
		$this->assertStringNotContainsString( self::api_key(), serialize( $alloptions ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.serialize_serialize
	}

	public function test_uninstall_reaches_every_site_and_the_network_option(): void {
		require_once __DIR__ . '/multisite-stubs.php';
		if ( ! isset( $GLOBALS['dda_test_multisite_stubs'] ) ) {
			// Only on a real multisite install (not CI's single site): its own get_sites() cannot be replaced by the 150-site stub.
			$this->markTestSkipped( 'a real multisite: get_sites() is not stubbed' );
		}
		self::load_uninstall();
		$this->use_network_settings( self::api_url(), self::api_key() );
		$this->use_settings( self::api_url(), self::api_key() );
		$GLOBALS['dda_test_multisite_stubs'] = array(
			'sites'    => 150,
			'args'     => array(),
			'switched' => array(),
		);

		dda_uninstall( true );

		$stubs = $GLOBALS['dda_test_multisite_stubs'];
		$this->assertSame( 'ids', $stubs['args'][0]['fields'] );
		$this->assertSame( 0, $stubs['args'][0]['number'] );
		$this->assertSame( range( 1, 150 ), $stubs['switched'], 'not every site of the network was cleaned' );
		$this->assertFalse( get_site_option( DDA_Settings::NETWORK_OPTION ) );
		global $wpdb;
		$this->assertSame( '0', $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name IN (%s, %s)", DDA_Settings::OPTION, DDA_Settings::NETWORK_OPTION ) ) );
	}

	/**
	 * uninstall.php's functions (including it also runs the single-site uninstall once).
	 */
	private static function load_uninstall(): void {
		if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
			define( 'WP_UNINSTALL_PLUGIN', 'distributed-data-analysis/distributed-data-analysis.php' );
		}
		include_once WP_PLUGIN_DIR . '/distributed-data-analysis/uninstall.php';
	}
}
