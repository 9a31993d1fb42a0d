<?php
/**
 * The wp-admin screens: menu, assets, notices and the no-JavaScript form handling.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Menu "Data Analysis" with the Tasks screen (tabs Tasks and Runners) and the Settings
 * screen. State changes posted without JavaScript (create, cancel, retry) are handled on
 * `load-{$hook}` after a capability and nonce check, then redirected (post/redirect/get).
 * On multisite the connection settings are on Network Admin → Settings → Data Analysis
 * (`manage_network_options`), saved by `network_admin_edit_dda_network_settings`.
 */
final class DDA_Admin {

	public const TASKS_PAGE   = 'dda-tasks';
	public const TASKS_SCREEN = 'toplevel_page_dda-tasks';
	public const PER_PAGE     = 50;
	public const CAPABILITY   = 'manage_options';

	/** Seconds between refreshes of the tables. */
	public const REFRESH_SECONDS = 10;

	/**
	 * Hook suffix of the settings screen (it depends on the translated menu title).
	 *
	 * @var string
	 */
	private static string $settings_hook = '';

	/**
	 * Hook suffix of the network settings screen (multisite).
	 *
	 * @var string
	 */
	private static string $network_hook = '';

	/**
	 * Registers the admin hooks.
	 */
	public static function init(): void {
		add_action( 'admin_menu', array( __CLASS__, 'add_menu' ) );
		add_action( 'admin_init', array( 'DDA_Settings', 'register' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( DDA_PLUGIN_FILE ), array( __CLASS__, 'action_links' ) );
		// Multisite: the network's settings screen and its form handler.
		add_action( 'network_admin_menu', array( __CLASS__, 'add_network_menu' ) );
		add_action( 'network_admin_edit_' . DDA_Settings::NETWORK_ACTION, array( __CLASS__, 'handle_network_save' ) );
		add_filter( 'network_admin_plugin_action_links_' . plugin_basename( DDA_PLUGIN_FILE ), array( __CLASS__, 'network_action_links' ) );
	}

	/**
	 * Multisite: Network Admin → Settings → Data Analysis, for network administrators only.
	 */
	public static function add_network_menu(): void {
		if ( ! DDA_Settings::network_mode() ) {
			return;
		}
		$hook               = add_submenu_page(
			'settings.php',
			__( 'Data Analysis Settings', 'distributed-data-analysis' ),
			__( 'Data Analysis', 'distributed-data-analysis' ),
			DDA_Settings::NETWORK_CAPABILITY,
			DDA_Settings::NETWORK_PAGE,
			array( __CLASS__, 'render_network_settings_page' )
		);
		self::$network_hook = is_string( $hook ) ? $hook : '';
	}

	/**
	 * "Settings" link in the network's plugin list.
	 *
	 * @param array $links Existing links.
	 * @return array
	 */
	public static function network_action_links( array $links ): array {
		if ( DDA_Settings::network_mode() && current_user_can( DDA_Settings::NETWORK_CAPABILITY ) ) {
			array_unshift(
				$links,
				sprintf( '<a href="%1$s">%2$s</a>', esc_url( self::network_settings_url() ), esc_html__( 'Settings', 'distributed-data-analysis' ) )
			);
		}
		return $links;
	}

	/**
	 * URL of the network settings screen (multisite).
	 */
	public static function network_settings_url(): string {
		return add_query_arg( array( 'page' => DDA_Settings::NETWORK_PAGE ), network_admin_url( 'settings.php' ) );
	}

	/**
	 * Renders the network settings screen.
	 */
	public static function render_network_settings_page(): void {
		if ( ! current_user_can( DDA_Settings::NETWORK_CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'distributed-data-analysis' ), 403 );
		}
		DDA_Views::render( 'network-settings-page' );
	}

	/**
	 * `network_admin_edit_dda_network_settings`: saves the network form, then redirects back
	 * to it with the Settings API's notices (post/redirect/get).
	 *
	 * @return never
	 */
	public static function handle_network_save(): void {
		self::process_network_save();
		if ( ! get_settings_errors( DDA_Settings::OPTION ) ) {
			add_settings_error( DDA_Settings::OPTION, 'settings_updated', __( 'Settings saved.', 'distributed-data-analysis' ), 'success' );
		}
		// What options.php does: settings_errors() on the next page shows these once.
		set_transient( 'settings_errors', get_settings_errors(), 30 );
		wp_safe_redirect( add_query_arg( 'settings-updated', 'true', self::network_settings_url() ) );
		exit;
	}

	/**
	 * Checks the nonce and the capability (`manage_network_options`, which a site
	 * administrator does not have), then sanitizes and stores the posted network settings.
	 * Refuses with wp_die() otherwise. Invalid fields keep their stored value and add a
	 * settings error, as on the single-site form.
	 *
	 * @return array The stored settings.
	 */
	public static function process_network_save(): array {
		check_admin_referer( DDA_Settings::NETWORK_ACTION );
		if ( ! DDA_Settings::network_mode() || ! current_user_can( DDA_Settings::NETWORK_CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage the network\'s Data Analysis settings.', 'distributed-data-analysis' ), 403 );
		}
		$input = array();
		// phpcs:disable WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- each field is validated by DDA_Settings::sanitize() (URL rules, key characters and length, timeout range).
		if ( isset( $_POST[ DDA_Settings::OPTION ] ) && is_array( $_POST[ DDA_Settings::OPTION ] ) ) {
			$posted = wp_unslash( $_POST[ DDA_Settings::OPTION ] );
			foreach ( array( 'api_url', 'api_key', 'timeout' ) as $field ) {
				if ( isset( $posted[ $field ] ) && is_string( $posted[ $field ] ) ) {
					$input[ $field ] = $posted[ $field ];
				}
			}
		}
		// phpcs:enable
		$clean = DDA_Settings::sanitize( $input );
		DDA_Settings::store( $clean );
		return $clean;
	}

	/**
	 * Adds the menu and its two screens.
	 */
	public static function add_menu(): void {
		$tasks_hook = add_menu_page(
			__( 'Data Analysis Tasks', 'distributed-data-analysis' ),
			__( 'Data Analysis', 'distributed-data-analysis' ),
			self::CAPABILITY,
			self::TASKS_PAGE,
			array( __CLASS__, 'render_tasks_page' ),
			'dashicons-chart-bar',
			76
		);
		add_submenu_page(
			self::TASKS_PAGE,
			__( 'Data Analysis Tasks', 'distributed-data-analysis' ),
			__( 'Tasks', 'distributed-data-analysis' ),
			self::CAPABILITY,
			self::TASKS_PAGE,
			array( __CLASS__, 'render_tasks_page' )
		);
		$settings_hook = add_submenu_page(
			self::TASKS_PAGE,
			__( 'Data Analysis Settings', 'distributed-data-analysis' ),
			__( 'Settings', 'distributed-data-analysis' ),
			self::CAPABILITY,
			DDA_Settings::PAGE,
			array( __CLASS__, 'render_settings_page' )
		);
		self::$settings_hook = is_string( $settings_hook ) ? $settings_hook : '';
		if ( $tasks_hook ) {
			add_action( 'load-' . $tasks_hook, array( __CLASS__, 'load_tasks_page' ) );
		}
	}

	/**
	 * "Settings" link in the plugin list.
	 *
	 * @param array $links Existing links.
	 * @return array
	 */
	public static function action_links( array $links ): array {
		array_unshift(
			$links,
			sprintf( '<a href="%1$s">%2$s</a>', esc_url( self::settings_url() ), esc_html__( 'Settings', 'distributed-data-analysis' ) )
		);
		return $links;
	}

	/**
	 * URL of the tasks screen.
	 *
	 * @param array $args Query arguments.
	 */
	public static function tasks_url( array $args = array() ): string {
		return add_query_arg( array_merge( array( 'page' => self::TASKS_PAGE ), $args ), admin_url( 'admin.php' ) );
	}

	/**
	 * URL of the settings screen.
	 */
	public static function settings_url(): string {
		return add_query_arg( array( 'page' => DDA_Settings::PAGE ), admin_url( 'admin.php' ) );
	}

	/**
	 * A nonce-protected row action URL (cancel, retry) that works without JavaScript.
	 *
	 * @param string $action  cancel or retry.
	 * @param string $task_id The task.
	 */
	public static function action_url( string $action, string $task_id ): string {
		return wp_nonce_url(
			self::tasks_url(
				array(
					'dda_action' => $action,
					'task'       => $task_id,
				)
			),
			'dda_' . $action . '_' . $task_id
		);
	}

	/**
	 * Loads the assets on the plugin's two screens only.
	 *
	 * @param string $hook_suffix The current screen's hook.
	 */
	public static function enqueue( string $hook_suffix ): void {
		$is_tasks    = self::TASKS_SCREEN === $hook_suffix;
		$is_settings = ( '' !== self::$settings_hook && self::$settings_hook === $hook_suffix )
			|| ( '' !== self::$network_hook && self::$network_hook === $hook_suffix );
		if ( ! $is_tasks && ! $is_settings ) {
			return;
		}
		wp_enqueue_style( 'dda-admin', DDA_PLUGIN_URL . 'css/admin.css', array(), DDA_VERSION );
		wp_enqueue_script( 'dda-admin', DDA_PLUGIN_URL . 'js/admin.js', array( 'wp-a11y' ), DDA_VERSION, true );

		// Configuration: no secrets, only where to send requests and how often.
		$config = array(
			'restUrl'        => esc_url_raw( rest_url( DDA_REST_Controller::NAMESPACE . '/' ) ),
			'nonce'          => wp_create_nonce( 'wp_rest' ),
			'screen'         => $is_tasks ? 'tasks' : 'settings',
			'refreshSeconds' => self::REFRESH_SECONDS,
			'perPage'        => self::PER_PAGE,
		);
		wp_add_inline_script( 'dda-admin', 'window.ddaAdminConfig = ' . wp_json_encode( $config ) . ';', 'before' );

		wp_localize_script(
			'dda-admin',
			'ddaAdminL10n',
			array(
				/* translators: %s: a time of day such as 14:03:27. */
				'updated'         => __( 'Updated %s', 'distributed-data-analysis' ),
				/* translators: %s: a time of day such as 14:03:27. */
				'updateFailed'    => __( 'Update failed at %s', 'distributed-data-analysis' ),
				'refreshing'      => __( 'Updating…', 'distributed-data-analysis' ),
				'testing'         => __( 'Testing the connection…', 'distributed-data-analysis' ),
				'creating'        => __( 'Creating the task…', 'distributed-data-analysis' ),
				'loading'         => __( 'Loading…', 'distributed-data-analysis' ),
				'dismiss'         => __( 'Dismiss this notice.', 'distributed-data-analysis' ),
				'jsonInvalid'     => __( 'Parameters are not valid JSON:', 'distributed-data-analysis' ),
				'jsonNotObject'   => __( 'Parameters must be a JSON object such as {"values": [1, 2, 3]}, not a list or a single value.', 'distributed-data-analysis' ),
				'codeInvalid'     => __( 'The operation code must be a whole number from 1 to 999999.', 'distributed-data-analysis' ),
				'priorityInvalid' => __( 'The priority must be a whole number from -100 to 100.', 'distributed-data-analysis' ),
				'sessionExpired'  => __( 'Your WordPress session has expired or the page is too old. Reload the page and try again.', 'distributed-data-analysis' ),
				'networkError'    => __( 'WordPress did not answer. Check your network connection; the page keeps trying.', 'distributed-data-analysis' ),
				'genericError'    => __( 'The request failed.', 'distributed-data-analysis' ),
				'dialogOpened'    => __( 'Task details loaded.', 'distributed-data-analysis' ),
				/* translators: %s: short task id. */
				'taskTitle'       => __( 'Task %s', 'distributed-data-analysis' ),
			)
		);
	}

	/**
	 * `load-{$hook}` of the tasks screen: handles create / cancel / retry sent without
	 * JavaScript, then redirects back with a notice.
	 */
	public static function load_tasks_page(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		if ( isset( $_POST['dda_create_task'] ) ) {
			check_admin_referer( 'dda_create_task' );
			$code     = isset( $_POST['dda_operation'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_operation'] ) ) : '';
			$other    = isset( $_POST['dda_operation_other'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_operation_other'] ) ) : '';
			$priority = isset( $_POST['dda_priority'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_priority'] ) ) : '0';
			// JSON text: sanitize_text_field would mangle it; it is validated as JSON instead.
			$params = isset( $_POST['dda_params'] ) ? (string) wp_unslash( $_POST['dda_params'] ) : '{}'; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
			self::redirect_with_notice( self::create_from_form( 'other' === $code ? $other : $code, $params, $priority ) );
		}
		$action = isset( $_GET['dda_action'] ) ? sanitize_key( wp_unslash( $_GET['dda_action'] ) ) : '';
		if ( in_array( $action, array( 'cancel', 'retry' ), true ) ) {
			$task_id = isset( $_GET['task'] ) ? strtolower( sanitize_text_field( wp_unslash( $_GET['task'] ) ) ) : '';
			check_admin_referer( 'dda_' . $action . '_' . $task_id );
			if ( ! DDA_Format::is_task_id( $task_id ) ) {
				self::redirect_with_notice( new WP_Error( 'dda_invalid', __( 'The task id must be a UUID.', 'distributed-data-analysis' ) ) );
			}
			$client = new DDA_API_Client();
			$result = 'cancel' === $action ? $client->cancel_task( $task_id ) : $client->retry_task( $task_id );
			if ( ! is_wp_error( $result ) ) {
				$result = 'cancel' === $action
					/* translators: %s: short task id. */
					? sprintf( __( 'Task %s cancelled.', 'distributed-data-analysis' ), DDA_Format::short_id( $task_id ) )
					/* translators: %s: short task id. */
					: sprintf( __( 'Task %s is pending again.', 'distributed-data-analysis' ), DDA_Format::short_id( $task_id ) );
			}
			self::redirect_with_notice( $result );
		}
	}

	/**
	 * Validates the create form's values and creates the task.
	 *
	 * @param string $code     Operation code as text.
	 * @param string $params   Params JSON text.
	 * @param string $priority Priority as text.
	 * @return string|WP_Error A success message or an error.
	 */
	public static function create_from_form( string $code, string $params, string $priority ) {
		if ( ! preg_match( '/^\d{1,6}$/', $code ) || (int) $code < 1 ) {
			return new WP_Error( 'dda_invalid', __( 'The operation code must be a whole number from 1 to 999999.', 'distributed-data-analysis' ) );
		}
		if ( ! preg_match( '/^-?\d{1,3}$/', $priority ) || abs( (int) $priority ) > 100 ) {
			return new WP_Error( 'dda_invalid', __( 'The priority must be a whole number from -100 to 100.', 'distributed-data-analysis' ) );
		}
		$object = DDA_REST_Controller::parse_params( $params );
		if ( is_wp_error( $object ) ) {
			return $object;
		}
		$created = ( new DDA_API_Client() )->create_task( (int) $code, $object, (int) $priority );
		if ( is_wp_error( $created ) ) {
			return $created;
		}
		return sprintf(
			/* translators: 1: short task id, 2: operation label. */
			__( 'Task %1$s (%2$s) created.', 'distributed-data-analysis' ),
			DDA_Format::short_id( $created['task_id'] ?? '' ),
			DDA_Format::operation_label( (int) $code )
		);
	}

	/**
	 * Stores a notice for the current user and redirects to the task list.
	 *
	 * @param string|WP_Error $result A success message or an error.
	 * @return never
	 */
	private static function redirect_with_notice( $result ): void {
		$notice = is_wp_error( $result )
			? array(
				'type'    => 'error',
				'message' => $result->get_error_message(),
			)
			: array(
				'type'    => 'success',
				'message' => (string) $result,
			);
		set_transient( 'dda_notice_' . get_current_user_id(), $notice, MINUTE_IN_SECONDS );
		wp_safe_redirect( self::tasks_url() );
		exit;
	}

	/**
	 * The notice stored by redirect_with_notice(), once.
	 *
	 * @return array{type: string, message: string}|null
	 */
	private static function take_notice(): ?array {
		$key    = 'dda_notice_' . get_current_user_id();
		$notice = get_transient( $key );
		if ( ! is_array( $notice ) ) {
			return null;
		}
		delete_transient( $key );
		return $notice;
	}

	/**
	 * Renders the tasks screen (tab Tasks or Runners, or one task's details without JavaScript).
	 */
	public static function render_tasks_page(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'distributed-data-analysis' ) );
		}
		// Read-only view parameters: no state changes, so no nonce.
		// phpcs:disable WordPress.Security.NonceVerification.Recommended
		$tab    = isset( $_GET['tab'] ) && 'runners' === sanitize_key( wp_unslash( $_GET['tab'] ) ) ? 'runners' : 'tasks';
		$status = isset( $_GET['status'] ) ? sanitize_key( wp_unslash( $_GET['status'] ) ) : '';
		$task   = isset( $_GET['task'] ) ? strtolower( sanitize_text_field( wp_unslash( $_GET['task'] ) ) ) : '';
		// phpcs:enable
		if ( ! in_array( $status, DDA_Format::STATUSES, true ) ) {
			$status = '';
		}

		$notices = array();
		$stored  = self::take_notice();
		if ( $stored ) {
			$notices[] = $stored;
		}
		if ( ! DDA_Settings::is_configured() ) {
			$notices[] = array(
				'type'    => 'warning',
				'message' => DDA_Settings::network_mode()
					? __( 'The plugin is not connected yet: a network administrator enters the API server URL and key under Network Admin → Settings → Data Analysis.', 'distributed-data-analysis' )
					: __( 'The plugin is not connected yet: enter the API server URL and key on the Settings screen.', 'distributed-data-analysis' ),
				'link'    => self::settings_url(),
			);
		}
		$cleartext = DDA_Settings::cleartext_warning();
		if ( '' !== $cleartext ) {
			$notices[] = array(
				'type'    => 'warning',
				'message' => $cleartext,
				'link'    => self::settings_url(),
			);
		}

		$task_details = null;
		if ( DDA_Format::is_task_id( $task ) ) {
			$details = ( new DDA_API_Client() )->get_task( $task );
			if ( is_wp_error( $details ) ) {
				$notices[] = self::error_notice( $details );
			} elseif ( is_array( $details ) ) {
				$task_details = $details;
			}
		}

		if ( 'runners' === $tab ) {
			$runners = ( new DDA_API_Client() )->list_runners();
			if ( is_wp_error( $runners ) ) {
				$notices[] = self::error_notice( $runners );
				$runners   = array();
			}
			$table = DDA_Views::runners_table( $runners );
		} else {
			$data = DDA_REST_Controller::load_tasks( $status, self::PER_PAGE );
			if ( is_wp_error( $data ) ) {
				$notices[] = self::error_notice( $data );
				$data      = array(
					'tasks'        => array(),
					'runner_names' => array(),
				);
			}
			$table = DDA_Views::tasks_table( $data['tasks'], $data['runner_names'], $status );
		}

		DDA_Views::render(
			'tasks-page',
			array(
				'tab'        => $tab,
				'status'     => $status,
				'notices'    => $notices,
				'details'    => $task_details,
				'table'      => $table,
				'operations' => DDA_Format::operations(),
			)
		);
	}

	/**
	 * Renders the settings screen.
	 */
	public static function render_settings_page(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'distributed-data-analysis' ) );
		}
		DDA_Views::render( 'settings-page' );
	}

	/**
	 * An error notice for an API error, with a link to the settings where they help.
	 *
	 * @param WP_Error $error The error.
	 * @return array{type: string, message: string, link?: string}
	 */
	public static function error_notice( WP_Error $error ): array {
		$notice = array(
			'type'    => 'error',
			'message' => $error->get_error_message(),
		);
		$settings_related = array( 'dda_not_configured', 'dda_invalid_url', 'dda_no_key', 'dda_key_refused', 'dda_unreachable', 'dda_tls', 'dda_not_dda', 'dda_blocked', 'dda_timeout', 'dda_redirect', 'dda_too_large' );
		if ( in_array( $error->get_error_code(), $settings_related, true ) ) {
			$notice['link'] = self::settings_url();
		}
		return $notice;
	}
}
