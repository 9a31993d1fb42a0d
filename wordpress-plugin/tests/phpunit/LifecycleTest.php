<?php
/**
 * Activation defaults, uninstall, and nothing on screens that are not the plugin's.
 *
 * @package DistributedDataAnalysis
 */

final class LifecycleTest extends DDA_Test_Case {

	public function test_activation_writes_defaults_not_autoloaded(): void {
		global $wpdb;
		delete_option( DDA_Settings::OPTION );
		DDA_Plugin::activate();
		$this->assertSame( DDA_Settings::defaults(), get_option( DDA_Settings::OPTION ) );
		$autoload = $wpdb->get_var( $wpdb->prepare( "SELECT autoload FROM {$wpdb->options} WHERE option_name = %s", DDA_Settings::OPTION ) );
		$this->assertSame( 'no', $autoload );
	}

	private static function autoload_column(): ?string {
		global $wpdb;
		return $wpdb->get_var( $wpdb->prepare( "SELECT autoload FROM {$wpdb->options} WHERE option_name = %s", DDA_Settings::OPTION ) );
	}

	private function assert_not_autoloaded(): void {
		$this->assertArrayNotHasKey( DDA_Settings::OPTION, wp_load_alloptions(), 'the settings (with the API key) are autoloaded' );
		$this->assertContains( self::autoload_column(), array( 'no', 'off' ) );
		// After a cache flush too: what the next request loads.
		wp_cache_delete( 'alloptions', 'options' );
		$this->assertArrayNotHasKey( DDA_Settings::OPTION, wp_load_alloptions() );
	}

	public function test_after_activation_the_key_is_not_in_the_autoloaded_options(): void {
		delete_option( DDA_Settings::OPTION );
		DDA_Plugin::activate();
		$this->assert_not_autoloaded();
		$this->use_settings( self::api_url(), self::api_key() );
		$this->assert_not_autoloaded();
		$this->assertSame( self::api_key(), DDA_Settings::get()['api_key'] );
	}

	public function test_activation_stops_autoloading_settings_stored_autoloaded_before(): void {
		delete_option( DDA_Settings::OPTION );
		$settings = array(
			'api_url' => self::api_url(),
			'api_key' => self::api_key(),
			'timeout' => 10,
		);
		add_option( DDA_Settings::OPTION, $settings, '', 'yes' ); // As an older version or other code might have.
		DDA_Plugin::activate();
		$this->assert_not_autoloaded();
		$this->assertSame( $settings, get_option( DDA_Settings::OPTION ) );
	}

	public function test_saving_the_settings_form_never_autoloads_the_key(): void {
		DDA_Settings::register();
		$form = array(
			'api_url' => self::api_url(),
			'api_key' => self::api_key(),
			'timeout' => '10',
		);
		// options.php saves with update_option( $option, $value ): no autoload flag. When the
		// option is missing, WordPress then adds it autoloaded.
		delete_option( DDA_Settings::OPTION );
		update_option( DDA_Settings::OPTION, $form );
		$this->assert_not_autoloaded();
		$this->assertSame( self::api_key(), get_option( DDA_Settings::OPTION )['api_key'] );

		$form['timeout'] = '20';
		update_option( DDA_Settings::OPTION, $form );
		$this->assert_not_autoloaded();
		$this->assertSame( 20, get_option( DDA_Settings::OPTION )['timeout'] );
	}

	public function test_activation_keeps_existing_settings(): void {
		$this->use_settings( 'http://127.0.0.1:1234', 'kept-key-0123456789abcdef', 7 );
		DDA_Plugin::activate();
		$this->assertSame( 'kept-key-0123456789abcdef', DDA_Settings::get()['api_key'] );
		$this->assertSame( 7, DDA_Settings::get()['timeout'] );
	}

	public function test_assets_load_only_on_the_plugin_screens_and_hold_no_key(): void {
		DDA_Admin::enqueue( 'index.php' );
		$this->assertFalse( wp_script_is( 'dda-admin', 'enqueued' ) );
		$this->assertFalse( wp_style_is( 'dda-admin', 'enqueued' ) );

		DDA_Admin::enqueue( DDA_Admin::TASKS_SCREEN );
		$this->assertTrue( wp_script_is( 'dda-admin', 'enqueued' ) );
		$inline = wp_json_encode( wp_scripts()->get_data( 'dda-admin', 'before' ) ) . wp_scripts()->get_data( 'dda-admin', 'data' );
		$this->assertStringContainsString( 'window.ddaAdminConfig', $inline );
		$this->assertStringNotContainsString( self::api_key(), $inline );
		wp_dequeue_script( 'dda-admin' );
		wp_dequeue_style( 'dda-admin' );
	}

	public function test_front_end_has_no_plugin_hooks(): void {
		$this->assertFalse( has_action( 'wp_enqueue_scripts', array( 'DDA_Admin', 'enqueue' ) ) );
		$this->assertFalse( has_action( 'admin_menu', array( 'DDA_Admin', 'add_menu' ) ), 'admin hooks are registered outside wp-admin' );
	}

	public function test_uninstall_removes_the_options(): void {
		if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
			define( 'WP_UNINSTALL_PLUGIN', 'distributed-data-analysis/distributed-data-analysis.php' );
		}
		// Loads dda_uninstall() (and runs it once, as WordPress does).
		include_once WP_PLUGIN_DIR . '/distributed-data-analysis/uninstall.php';
		set_transient( 'dda_notice_1', array( 'type' => 'success', 'message' => 'x' ), 60 );
		set_transient( 'dda_file_resume_1', array( 'hash' => 'x', 'upload_id' => 'dda-wp-x' ), 60 );
		update_site_option( DDA_Settings::NETWORK_OPTION, DDA_Settings::defaults() );
		dda_uninstall( is_multisite() );
		$this->assertNull( self::autoload_column(), 'the option row is still there' );
		$this->assertFalse( get_transient( 'dda_notice_1' ) );
		$this->assertFalse( get_transient( 'dda_file_resume_1' ) );
		$this->assertFalse( get_site_option( DDA_Settings::NETWORK_OPTION ) );
	}
}
