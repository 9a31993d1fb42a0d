<?php
/**
 * The manage_dda capability: administrators get it on activation, a site can give it to an
 * editor, who then has the Tasks screen and the REST routes but not the connection
 * settings (which decide where the API key goes); uninstall takes it away from every role.
 *
 * @package DistributedDataAnalysis
 */

final class CapabilityTest extends DDA_Test_Case {

	protected function setUp(): void {
		parent::setUp();
		$this->catch_wp_die();
	}

	protected function tearDown(): void {
		get_role( 'editor' )->remove_cap( DDA_Admin::CAPABILITY );
		update_option( DDA_Plugin::ROLES_OPTION, DDA_Plugin::ROLES_VERSION );
		DDA_Sweep::schedule();
		$_POST    = array();
		$_GET     = array();
		$_REQUEST = array();
		parent::tearDown();
	}

	/**
	 * An editor who was given manage_dda (and nothing else beyond the editor role).
	 */
	private static function dda_editor(): int {
		$login = 'dda_test_dda_editor';
		$user  = get_user_by( 'login', $login );
		if ( ! $user ) {
			$id = wp_insert_user(
				array(
					'user_login' => $login,
					'user_pass'  => wp_generate_password( 24 ),
					'user_email' => $login . '@example.invalid',
					'role'       => 'editor',
				)
			);
			if ( is_wp_error( $id ) ) {
				throw new RuntimeException( $id->get_error_message() );
			}
			$user = new WP_User( $id );
		}
		$user->add_cap( DDA_Admin::CAPABILITY );
		return (int) $user->ID;
	}

	public function test_the_capability_is_manage_dda_and_administrators_have_it(): void {
		$this->assertSame( 'manage_dda', DDA_Admin::CAPABILITY );
		$this->assertTrue( get_role( 'administrator' )->has_cap( 'manage_dda' ) );
		$this->assertFalse( get_role( 'editor' )->has_cap( 'manage_dda' ) );
		$this->as_admin();
		$this->assertTrue( current_user_can( 'manage_dda' ) );
		wp_set_current_user( self::dda_editor() );
		$this->assertTrue( current_user_can( 'manage_dda' ) );
		$this->assertFalse( current_user_can( 'manage_options' ) );
	}

	public function test_an_editor_with_manage_dda_uses_the_rest_routes(): void {
		wp_set_current_user( self::dda_editor() );
		$this->assertSame( 200, $this->rest( 'GET', '/dda/v1/runners' )->get_status() );
		$this->assertSame( 200, $this->rest( 'GET', '/dda/v1/tasks' )->get_status() );
		$created = $this->rest(
			'POST',
			'/dda/v1/tasks',
			array(
				'operation_code' => 100,
				'params'         => '{"by": "editor"}',
			)
		);
		$this->assertSame( 201, $created->get_status(), wp_json_encode( $created->get_data() ) );
		$id = $created->get_data()['task_id'];
		$this->assertSame( 200, $this->rest( 'GET', '/dda/v1/tasks/' . $id )->get_status() );
		$this->assertSame( 200, $this->rest( 'POST', '/dda/v1/connection-test' )->get_status() );
	}

	public function test_an_editor_without_it_is_refused(): void {
		wp_set_current_user( self::user( 'editor' ) );
		foreach ( array( array( 'GET', '/dda/v1/runners' ), array( 'GET', '/dda/v1/tasks' ), array( 'POST', '/dda/v1/connection-test' ) ) as $route ) {
			$response = $this->rest( $route[0], $route[1] );
			$this->assertSame( 403, $response->get_status(), $route[1] );
			$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
		}
		// An administrator whose role lost manage_dda is refused as well: it is what counts.
		get_role( 'administrator' )->remove_cap( DDA_Admin::CAPABILITY );
		wp_set_current_user( self::user( 'administrator' ) );
		$this->assertTrue( current_user_can( 'manage_options' ) );
		$this->assertSame( 403, $this->rest( 'GET', '/dda/v1/runners' )->get_status() );
	}

	public function test_the_tasks_screen_needs_manage_dda(): void {
		wp_set_current_user( self::user( 'editor' ) );
		try {
			DDA_Admin::render_tasks_page();
			$this->fail( 'an editor without manage_dda saw the tasks screen' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertStringContainsString( 'not allowed', $die->getMessage() );
		}

		wp_set_current_user( self::dda_editor() );
		ob_start();
		try {
			DDA_Admin::render_tasks_page();
		} finally {
			$html = (string) ob_get_clean();
		}
		$this->assertStringContainsString( 'dda-wrap', $html );
	}

	public function test_the_settings_still_need_manage_options(): void {
		wp_set_current_user( self::dda_editor() );
		$this->assertFalse( DDA_Settings::can_edit() );
		try {
			DDA_Admin::render_settings_page();
			$this->fail( 'an editor with manage_dda saw the settings screen' );
		} catch ( DDA_Test_Die $die ) {
			$this->assertStringContainsString( 'not allowed', $die->getMessage() );
		}
		// options.php's check for the settings form: manage_options, not manage_dda.
		$this->assertSame( 'manage_options', apply_filters( 'option_page_capability_' . DDA_Settings::GROUP, 'manage_options' ) );

		$this->as_admin();
		DDA_Settings::register();
		ob_start();
		DDA_Admin::render_settings_page();
		$this->assertStringContainsString( 'dda-settings-form', (string) ob_get_clean() );
	}

	/**
	 * GETs a wp-admin page over HTTP, logged in as a user.
	 *
	 * @param int    $user_id The user.
	 * @param string $path    The path, such as /wp-admin/admin.php?page=dda-tasks.
	 * @return array{0: int, 1: string} Status and body.
	 */
	private static function admin_get( int $user_id, string $path ): array {
		$expiration = time() + HOUR_IN_SECONDS;
		$token      = WP_Session_Tokens::get_instance( $user_id )->create( $expiration );
		$cookies    = array(
			AUTH_COOKIE      => wp_generate_auth_cookie( $user_id, $expiration, 'auth', $token ),
			LOGGED_IN_COOKIE => wp_generate_auth_cookie( $user_id, $expiration, 'logged_in', $token ),
		);
		$header     = implode(
			'; ',
			array_map(
				static function ( $name, $value ) {
					return $name . '=' . rawurlencode( $value );
				},
				array_keys( $cookies ),
				$cookies
			)
		);
		$response   = wp_remote_get(
			self::site_url() . $path,
			array(
				'headers'     => array( 'Cookie' => $header ),
				'timeout'     => 60,
				'redirection' => 0,
			)
		);
		WP_Session_Tokens::get_instance( $user_id )->destroy( $token );
		if ( is_wp_error( $response ) ) {
			throw new RuntimeException( $response->get_error_message() );
		}
		return array( (int) wp_remote_retrieve_response_code( $response ), (string) wp_remote_retrieve_body( $response ) );
	}

	public function test_over_http_the_menu_and_screens_follow_the_capability(): void {
		list( $status, $body ) = self::admin_get( self::dda_editor(), '/wp-admin/admin.php?page=dda-tasks' );
		$this->assertSame( 200, $status, substr( wp_strip_all_tags( $body ), 0, 300 ) );
		$this->assertStringContainsString( 'dda-wrap', $body );
		$this->assertMatchesRegularExpression( '/<a href=[\'"][^\'"]*admin\.php\?page=dda-tasks[\'"]/', $body, 'no Data Analysis menu for the editor' );
		$this->assertStringNotContainsString( 'page=dda-settings', $body, 'the editor is offered the settings' );
		$this->assertStringNotContainsString( self::api_key(), $body );

		list( $status ) = self::admin_get( self::dda_editor(), '/wp-admin/admin.php?page=dda-settings' );
		$this->assertSame( 403, $status, 'an editor with manage_dda opened the settings' );

		list( $status, $body ) = self::admin_get( self::user( 'editor' ), '/wp-admin/admin.php?page=dda-tasks' );
		$this->assertSame( 403, $status );
		$this->assertStringNotContainsString( 'page=dda-tasks', $body );

		list( $status, $body ) = self::admin_get( self::user( 'administrator' ), '/wp-admin/admin.php?page=dda-settings' );
		$this->assertSame( 200, $status );
		$this->assertStringContainsString( 'dda-settings-form', $body );
	}

	public function test_activation_grants_it_and_keeps_a_site_s_later_choice(): void {
		$admin = get_role( 'administrator' );
		$admin->remove_cap( DDA_Admin::CAPABILITY );
		delete_option( DDA_Plugin::ROLES_OPTION );
		DDA_Plugin::activate();
		$this->assertTrue( get_role( 'administrator' )->has_cap( DDA_Admin::CAPABILITY ) );
		$this->assertSame( DDA_Plugin::ROLES_VERSION, (int) get_option( DDA_Plugin::ROLES_OPTION ) );

		// A site that takes it away again keeps its choice on later requests...
		get_role( 'administrator' )->remove_cap( DDA_Admin::CAPABILITY );
		DDA_Plugin::maybe_grant_capability();
		$this->assertFalse( get_role( 'administrator' )->has_cap( DDA_Admin::CAPABILITY ) );
		// ...while a site that never had it (an update from a version before manage_dda) gets it.
		delete_option( DDA_Plugin::ROLES_OPTION );
		DDA_Plugin::maybe_grant_capability();
		$this->assertTrue( get_role( 'administrator' )->has_cap( DDA_Admin::CAPABILITY ) );

		// Network activation grants it too (here: the one site; on a network, every site).
		$this->network_mode();
		get_role( 'administrator' )->remove_cap( DDA_Admin::CAPABILITY );
		DDA_Plugin::activate( true );
		$this->assertTrue( get_role( 'administrator' )->has_cap( DDA_Admin::CAPABILITY ) );
		delete_site_option( DDA_Settings::NETWORK_OPTION );
	}

	public function test_the_current_user_has_it_at_once_after_the_grant(): void {
		get_role( 'administrator' )->remove_cap( DDA_Admin::CAPABILITY );
		$this->as_admin();
		$this->assertFalse( current_user_can( DDA_Admin::CAPABILITY ) );
		DDA_Plugin::grant_capability();
		$this->assertTrue( current_user_can( DDA_Admin::CAPABILITY ) );
	}

	public function test_uninstall_takes_it_from_every_role_and_user(): void {
		if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
			define( 'WP_UNINSTALL_PLUGIN', 'distributed-data-analysis/distributed-data-analysis.php' );
		}
		include_once WP_PLUGIN_DIR . '/distributed-data-analysis/uninstall.php';
		DDA_Plugin::grant_capability();
		get_role( 'editor' )->add_cap( DDA_Admin::CAPABILITY );
		$user = self::dda_editor();
		DDA_Sweep::schedule();
		update_option( DDA_Sweep::OPTION, array( 'fired' => array() ) );

		dda_uninstall_site();

		foreach ( array_keys( wp_roles()->roles ) as $role ) {
			$this->assertFalse( get_role( $role )->has_cap( DDA_Admin::CAPABILITY ), $role . ' still has manage_dda' );
		}
		clean_user_cache( $user );
		$this->assertFalse( ( new WP_User( $user ) )->has_cap( DDA_Admin::CAPABILITY ), 'the user still has manage_dda' );
		$this->assertFalse( get_option( DDA_Plugin::ROLES_OPTION ) );
		$this->assertFalse( get_option( DDA_Sweep::OPTION ) );
		$this->assertFalse( wp_next_scheduled( DDA_Sweep::HOOK ) );
	}
}
