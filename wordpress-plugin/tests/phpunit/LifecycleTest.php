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
		set_transient( 'dda_notice_1', array( 'type' => 'success', 'message' => 'x' ), 60 );
		if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
			define( 'WP_UNINSTALL_PLUGIN', 'distributed-data-analysis/distributed-data-analysis.php' );
		}
		include WP_PLUGIN_DIR . '/distributed-data-analysis/uninstall.php';
		$this->assertFalse( get_option( DDA_Settings::OPTION ) );
		$this->assertFalse( get_transient( 'dda_notice_1' ) );
	}
}
