<?php
/**
 * The wp-admin screens: menu, assets, notices and the no-JavaScript form handling.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

// The screens' parts this file uses (the main plugin file loads the rest).
require_once DDA_PLUGIN_DIR . 'includes/class-dda-overview.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-schema-form.php';

/**
 * Menu "Data Analysis" with the Tasks screen (tabs Tasks and Runners) and the Settings
 * screen. State changes posted without JavaScript (create, create from a file, cancel,
 * retry) are handled on `load-{$hook}` after a capability and nonce check, then redirected
 * (post/redirect/get).
 * On multisite the connection settings are on Network Admin → Settings → Data Analysis
 * (`manage_network_options`), saved by `network_admin_edit_dda_network_settings`.
 */
final class DDA_Admin {

	public const TASKS_PAGE   = 'dda-tasks';
	public const TASKS_SCREEN = 'toplevel_page_dda-tasks';
	public const PER_PAGE     = 50;
	/**
	 * What every DDA operation needs: the Tasks screen, its forms, the REST routes. Granted to
	 * administrators on activation (DDA_Plugin); a site may grant it to other roles. The
	 * connection settings need more (DDA_Settings::capability()): whoever can change the API
	 * URL decides where WordPress sends the API key.
	 */
	public const CAPABILITY   = 'manage_dda';

	/** The user option of Screen Options → "Number of items per page" on the task list. */
	public const PER_PAGE_OPTION = 'dda_tasks_per_page';

	/** The most tasks a page of the list shows (one more is asked for, to know of an older page). */
	public const MAX_PER_PAGE = 100;

	/** How many cursors of newer pages the paging links carry (the URL stays short). */
	public const MAX_NEWER = 40;

	/** The most tasks one bulk action handles. */
	public const MAX_BULK = 200;

	/** The option with the result of the last connection test: {ok, message, at}. */
	public const CONNECTION_OPTION = 'dda_last_connection_test';

	/** Seconds between refreshes of the tables. */
	public const REFRESH_SECONDS = 10;

	/** How many tasks of a file the preview shows. */
	public const FILE_PREVIEW_ROWS = 5;

	/** How long a failed file upload can be resumed without JavaScript (seconds). */
	public const FILE_RESUME_SECONDS = HOUR_IN_SECONDS;

	/**
	 * Hook suffix of the settings screen (it depends on the translated menu title).
	 *
	 * @var string
	 */
	private static string $settings_hook = '';

	/**
	 * The API's catalog as catalog() asked it in this request (null: not asked yet).
	 *
	 * @var array|WP_Error|null
	 */
	private static $catalog = null;

	/**
	 * Which settings the catalog was asked with (a hash of URL and key).
	 *
	 * @var string
	 */
	private static string $catalog_key = '';

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
		// Screen Options → tasks per page (saved by set_screen_options() in wp-admin/admin.php).
		add_filter( 'set_screen_option_' . self::PER_PAGE_OPTION, array( __CLASS__, 'save_per_page' ), 10, 3 );
		// Saving the settings form tests the connection with what is saved.
		add_filter( 'pre_update_option_' . DDA_Settings::OPTION, array( __CLASS__, 'test_on_save' ), 20, 2 );
		DDA_Overview::init();
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
		$clean = self::process_network_save();
		if ( ! get_settings_errors( DDA_Settings::OPTION ) ) {
			add_settings_error( DDA_Settings::OPTION, 'settings_updated', __( 'Settings saved.', 'distributed-data-analysis' ), 'success' );
		}
		// As on a single site: saving tests the connection with what was saved, and the page
		// keeps showing the result.
		$result = self::record_connection_test( new DDA_API_Client( $clean ) );
		self::report_failed_connection_test( $result );
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
			DDA_Settings::SITE_CAPABILITY, // Not CAPABILITY: see DDA_Settings.
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
	 * `set_screen_option_dda_tasks_per_page`: keeps a whole number from 1 to MAX_PER_PAGE.
	 *
	 * @param mixed  $keep   What to save (false: nothing).
	 * @param string $option The option name.
	 * @param mixed  $value  The value posted.
	 * @return int|false
	 */
	public static function save_per_page( $keep, $option, $value ) {
		$value = is_scalar( $value ) ? (string) $value : '';
		if ( ! preg_match( '/^\d{1,3}$/', $value ) || (int) $value < 1 || (int) $value > self::MAX_PER_PAGE ) {
			return false;
		}
		return (int) $value;
	}

	/**
	 * The current user's tasks per page (Screen Options), PER_PAGE when not set.
	 */
	public static function per_page(): int {
		$value = (int) get_user_option( self::PER_PAGE_OPTION );
		return $value >= 1 && $value <= self::MAX_PER_PAGE ? $value : self::PER_PAGE;
	}

	/**
	 * A view of the task list with every field present and valid: `status` ('' or a task
	 * status), `operation` (0 or a code), `search` ('' or the start of a task id: lower-case
	 * hex digits and dashes), `before` ('' or a task id: the page's cursor) and `newer` (the
	 * cursors of the pages before this one, oldest first, at most MAX_NEWER).
	 *
	 * @param array $view Any of the fields, unchecked.
	 * @return array{status: string, operation: int, search: string, before: string, newer: string[]}
	 */
	public static function normalize_view( array $view ): array {
		$status    = isset( $view['status'] ) && is_string( $view['status'] ) && in_array( $view['status'], DDA_Format::STATUSES, true ) ? $view['status'] : '';
		$operation = isset( $view['operation'] ) && is_scalar( $view['operation'] ) && preg_match( '/^\d{1,6}$/', (string) $view['operation'] ) ? (int) $view['operation'] : 0;
		$search    = isset( $view['search'] ) && is_string( $view['search'] ) ? self::id_prefix( $view['search'] ) : '';
		$before    = isset( $view['before'] ) && DDA_Format::is_task_id( $view['before'] ) ? $view['before'] : '';
		$newer     = $view['newer'] ?? array();
		if ( is_string( $newer ) ) {
			$newer = '' === $newer ? array() : explode( ',', $newer );
		}
		$newer = array_values( array_filter( is_array( $newer ) ? $newer : array(), array( 'DDA_Format', 'is_task_id' ) ) );
		return array(
			'status'    => $status,
			'operation' => $operation,
			'search'    => null === $search ? '' : $search,
			'before'    => $before,
			'newer'     => '' === $before ? array() : array_slice( $newer, -self::MAX_NEWER ),
		);
	}

	/**
	 * The start of a task id as the API's `id_prefix` takes it: lower-cased, 1…36 hex digits
	 * and dashes; '' for an empty search, null when it cannot be the start of a task id.
	 *
	 * @param string $text What was typed.
	 * @return string|null
	 */
	public static function id_prefix( string $text ): ?string {
		$text = strtolower( trim( $text ) );
		if ( '' === $text ) {
			return '';
		}
		return preg_match( '/^[0-9a-f-]{1,36}\z/', $text ) ? $text : null;
	}

	/**
	 * The view the request asks for (read-only query arguments, so no nonce).
	 *
	 * @return array The view (normalize_view()) plus `search_invalid`: what was typed into the
	 *               search box when it cannot be the start of a task id, else ''.
	 */
	public static function list_view(): array {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- a view, no state change.
		$raw = array();
		foreach ( array( 'status', 'operation', 'before', 'newer' ) as $key ) {
			if ( isset( $_GET[ $key ] ) && is_string( $_GET[ $key ] ) ) {
				$raw[ $key ] = sanitize_text_field( wp_unslash( $_GET[ $key ] ) );
			}
		}
		$search = isset( $_GET['s'] ) && is_string( $_GET['s'] ) ? sanitize_text_field( wp_unslash( $_GET['s'] ) ) : '';
		// phpcs:enable
		$raw['status'] = isset( $raw['status'] ) ? sanitize_key( $raw['status'] ) : '';
		$raw['search'] = $search;
		$view          = self::normalize_view( $raw );
		$view['search_invalid'] = null === self::id_prefix( $search ) ? $search : '';
		return $view;
	}

	/**
	 * The query arguments of a view, for links.
	 *
	 * @param array $view          A view.
	 * @param bool  $with_position Whether to keep the page (before, newer); false starts
	 *                             from the newest tasks.
	 * @return array<string, string>
	 */
	public static function view_args( array $view, bool $with_position = true ): array {
		$view = self::normalize_view( $view );
		$args = array(
			'status'    => $view['status'],
			'operation' => $view['operation'] > 0 ? (string) $view['operation'] : '',
			's'         => $view['search'],
		);
		if ( $with_position ) {
			$args['before'] = $view['before'];
			$args['newer']  = implode( ',', $view['newer'] );
		}
		return array_filter(
			$args,
			static function ( $value ) {
				return '' !== $value;
			}
		);
	}

	/**
	 * The API's catalog (`GET /operations`), asked once per request; its names also label
	 * the operations in the tables (DDA_Format::set_catalog()).
	 *
	 * @return array|WP_Error Catalog entries.
	 */
	public static function catalog() {
		// Asked again when the settings changed meanwhile (another server or key).
		$settings = DDA_Settings::get();
		$key      = md5( (string) ( $settings['api_url'] ?? '' ) . "\n" . (string) ( $settings['api_key'] ?? '' ) );
		if ( null === self::$catalog || self::$catalog_key !== $key ) {
			self::$catalog_key = $key;
			$catalog = ( new DDA_API_Client() )->list_operations();
			if ( is_wp_error( $catalog ) && 404 === ( $catalog->get_error_data()['api_status'] ?? 0 ) ) {
				$catalog = array(); // A server older than contract v1.1: no catalog, the built-in codes.
			}
			if ( ! is_wp_error( $catalog ) ) {
				$catalog = array_values( array_filter( $catalog, 'is_array' ) );
				DDA_Format::set_catalog( $catalog );
			}
			self::$catalog = $catalog;
		}
		return self::$catalog;
	}

	/**
	 * Forgets the catalog asked in this request (the next catalog() asks the API again).
	 */
	public static function forget_catalog(): void {
		self::$catalog = null;
	}

	/**
	 * Operation code => label for the operation filter: the catalog's codes, else the
	 * built-in ones.
	 *
	 * @return array<int, string>
	 */
	public static function filter_operations(): array {
		$catalog = self::catalog();
		$codes   = array_keys( DDA_Format::operations() );
		if ( ! is_wp_error( $catalog ) ) {
			foreach ( $catalog as $entry ) {
				if ( isset( $entry['code'] ) && is_int( $entry['code'] ) && $entry['code'] >= 1 && $entry['code'] <= 999999 ) {
					$codes[] = $entry['code'];
				}
			}
		}
		$codes = array_unique( $codes );
		sort( $codes );
		$out = array();
		foreach ( $codes as $code ) {
			$out[ $code ] = DDA_Format::operation_label( $code );
		}
		return $out;
	}

	/**
	 * The bulk action posted with the task list: checks the nonce and the capability
	 * (wp_die() otherwise), then cancels or retries every checked task, one by one.
	 *
	 * @return array|WP_Error The notice for the outcome (bulk_notice()), or what was wrong
	 *                        with the request (no action, no task checked).
	 */
	public static function process_bulk_action() {
		check_admin_referer( 'dda_bulk_tasks', 'dda_bulk_nonce' );
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage analysis tasks.', 'distributed-data-analysis' ), 403 );
		}
		$action = isset( $_POST['dda_bulk'] ) && is_string( $_POST['dda_bulk'] ) ? sanitize_key( wp_unslash( $_POST['dda_bulk'] ) ) : '';
		$ids    = array();
		if ( isset( $_POST['task'] ) && is_array( $_POST['task'] ) ) {
			foreach ( wp_unslash( $_POST['task'] ) as $id ) { // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- each is checked to be a task id below.
				$id = is_string( $id ) ? strtolower( trim( $id ) ) : '';
				if ( DDA_Format::is_task_id( $id ) ) {
					$ids[ $id ] = true;
				}
			}
		}
		if ( ! in_array( $action, array( 'cancel', 'retry' ), true ) ) {
			return new WP_Error( 'dda_invalid', __( 'Choose a bulk action (Cancel or Retry), then Apply.', 'distributed-data-analysis' ) );
		}
		if ( ! $ids ) {
			return new WP_Error( 'dda_invalid', __( 'Select at least one task for the bulk action.', 'distributed-data-analysis' ) );
		}
		if ( count( $ids ) > self::MAX_BULK ) {
			/* translators: %d: the most tasks of one bulk action. */
			return new WP_Error( 'dda_invalid', sprintf( __( 'A bulk action handles at most %d tasks; nothing was changed.', 'distributed-data-analysis' ), self::MAX_BULK ) );
		}
		return self::bulk_notice( $action, self::bulk( $action, array_keys( $ids ) ) );
	}

	/**
	 * Cancels or retries tasks one by one on the API.
	 *
	 * @param string   $action cancel or retry.
	 * @param string[] $ids    Task ids.
	 * @return array{done: string[], failed: array<string, string>} The ids done, and the
	 *                                                                error of each one not.
	 */
	public static function bulk( string $action, array $ids ): array {
		$client = new DDA_API_Client();
		$out    = array(
			'done'   => array(),
			'failed' => array(),
		);
		foreach ( $ids as $id ) {
			$result = 'cancel' === $action ? $client->cancel_task( $id ) : $client->retry_task( $id );
			if ( is_wp_error( $result ) ) {
				$out['failed'][ $id ] = $result->get_error_message();
			} else {
				$out['done'][] = $id;
			}
		}
		return $out;
	}

	/**
	 * The notice for a bulk action's outcome: "3 tasks cancelled; 1 could not be:" with
	 * one line per task that failed (its short id and why).
	 *
	 * @param string $action  cancel or retry.
	 * @param array  $outcome What bulk() returned.
	 * @return array{type: string, message: string, items: string[]}
	 */
	public static function bulk_notice( string $action, array $outcome ): array {
		$done   = count( $outcome['done'] );
		$failed = count( $outcome['failed'] );
		if ( 'cancel' === $action ) {
			/* translators: %s: a number of tasks. */
			$message = sprintf( _n( '%s task cancelled', '%s tasks cancelled', $done, 'distributed-data-analysis' ), number_format_i18n( $done ) );
		} else {
			/* translators: %s: a number of tasks. */
			$message = sprintf( _n( '%s task is pending again', '%s tasks are pending again', $done, 'distributed-data-analysis' ), number_format_i18n( $done ) );
		}
		$items = array();
		if ( $failed ) {
			/* translators: %s: a number of tasks. */
			$message .= '; ' . sprintf( _n( '%s could not be:', '%s could not be:', $failed, 'distributed-data-analysis' ), number_format_i18n( $failed ) );
			foreach ( $outcome['failed'] as $id => $reason ) {
				/* translators: 1: short task id, 2: why the action failed. */
				$items[] = sprintf( __( '%1$s: %2$s', 'distributed-data-analysis' ), DDA_Format::short_id( $id ), $reason );
			}
		} else {
			$message .= '.';
		}
		return array(
			'type'    => $failed ? ( $done ? 'warning' : 'error' ) : 'success',
			'message' => $message,
			'items'   => $items,
		);
	}

	/**
	 * The question Remove asks before it removes a runner.
	 *
	 * @param string $name The runner's name.
	 */
	public static function remove_runner_question( string $name ): string {
		return sprintf(
			/* translators: %s: runner name. */
			__( 'Remove runner “%s”? The API server forgets it and its running tasks go back to pending. A machine that still holds the registration token can register again.', 'distributed-data-analysis' ),
			$name
		);
	}

	/**
	 * A runner action posted from the Runners tab (Pause, Resume, Remove): checks the nonce
	 * of that runner and the capability (wp_die() otherwise). Remove without the
	 * confirmation (`dda_confirmed`, which admin.js adds after confirm() and the
	 * confirmation step posts) asks for it first and changes nothing.
	 *
	 * @return array|WP_Error The notice of the outcome, or `array{redirect: string}` for the
	 *                        confirmation step.
	 */
	public static function process_runner_action() {
		$runner = isset( $_POST['runner'] ) && is_string( $_POST['runner'] ) ? strtolower( sanitize_text_field( wp_unslash( $_POST['runner'] ) ) ) : '';
		check_admin_referer( 'dda_runner_' . $runner, 'dda_runner_nonce' );
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage runners.', 'distributed-data-analysis' ), 403 );
		}
		$action = isset( $_POST['dda_runner_action'] ) && is_string( $_POST['dda_runner_action'] ) ? sanitize_key( wp_unslash( $_POST['dda_runner_action'] ) ) : '';
		if ( ! DDA_Format::is_task_id( $runner ) || ! in_array( $action, array( 'pause', 'resume', 'remove' ), true ) ) {
			return new WP_Error( 'dda_invalid', __( 'Unknown runner action.', 'distributed-data-analysis' ) );
		}
		$client = new DDA_API_Client();
		if ( 'remove' === $action ) {
			if ( empty( $_POST['dda_confirmed'] ) ) {
				return array(
					'redirect' => self::tasks_url(
						array(
							'tab'            => 'runners',
							'confirm_remove' => $runner,
						)
					),
				);
			}
			$removed = $client->delete_runner( $runner );
			if ( is_wp_error( $removed ) ) {
				return self::runner_error( $removed );
			}
			$released = is_array( $removed['released_tasks'] ?? null ) ? count( $removed['released_tasks'] ) : 0;
			$name     = (string) ( $removed['name'] ?? DDA_Format::short_id( $runner ) );
			return array(
				'type'    => 'success',
				'message' => 0 === $released
					/* translators: %s: runner name. */
					? sprintf( __( 'Runner “%s” removed.', 'distributed-data-analysis' ), $name )
					/* translators: 1: runner name, 2: a number of tasks. */
					: sprintf( _n( 'Runner “%1$s” removed; %2$s task it was running is pending again.', 'Runner “%1$s” removed; %2$s tasks it was running are pending again.', $released, 'distributed-data-analysis' ), $name, number_format_i18n( $released ) ),
			);
		}
		$answer = $client->set_runner_paused( $runner, 'pause' === $action );
		if ( is_wp_error( $answer ) ) {
			return self::runner_error( $answer );
		}
		$name = (string) ( is_array( $answer ) && isset( $answer['name'] ) ? $answer['name'] : DDA_Format::short_id( $runner ) );
		return array(
			'type'    => 'success',
			'message' => 'pause' === $action
				/* translators: %s: runner name. */
				? sprintf( __( 'Runner “%s” paused: it gets no new tasks; the tasks it is running finish.', 'distributed-data-analysis' ), $name )
				/* translators: %s: runner name. */
				: sprintf( __( 'Runner “%s” resumed: it gets tasks again.', 'distributed-data-analysis' ), $name ),
		);
	}

	/**
	 * An API error of a runner action, in words about runners (a 404 means the runner).
	 *
	 * @param WP_Error $error The error.
	 */
	private static function runner_error( WP_Error $error ): WP_Error {
		if ( 'dda_not_found' === $error->get_error_code() ) {
			return new WP_Error( 'dda_not_found', __( 'The API server does not know this runner (it may have been removed already).', 'distributed-data-analysis' ) );
		}
		return $error;
	}

	/**
	 * `pre_update_option_dda_settings`: when the settings form (options.php) saves, tests the
	 * connection with the values being saved and keeps the result (record_connection_test());
	 * a failed test is reported next to "Settings saved.". Other writes of the option pass
	 * untouched.
	 *
	 * @param mixed $value     The sanitized value about to be stored.
	 * @param mixed $old_value The stored value.
	 * @return mixed The value, unchanged.
	 */
	public static function test_on_save( $value, $old_value ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- options.php checked the nonce of this option group before it saves.
		$group = isset( $_POST['option_page'] ) && is_string( $_POST['option_page'] ) ? sanitize_key( wp_unslash( $_POST['option_page'] ) ) : '';
		if ( 'options.php' !== ( $GLOBALS['pagenow'] ?? '' ) || DDA_Settings::GROUP !== $group || ! is_array( $value ) || ! function_exists( 'add_settings_error' ) ) {
			return $value;
		}
		$had_errors = (bool) get_settings_errors( DDA_Settings::OPTION );
		$result     = self::record_connection_test( new DDA_API_Client( $value ) );
		if ( ! $had_errors && ! get_settings_errors() ) {
			// What options.php adds when nothing else was reported; it adds nothing once
			// another notice is there.
			add_settings_error( 'general', 'settings_updated', __( 'Settings saved.', 'distributed-data-analysis' ), 'success' );
		}
		self::report_failed_connection_test( $result );
		return $value;
	}

	/**
	 * Runs the connection test and keeps its result (CONNECTION_OPTION) for the settings
	 * screen, which shows it with its time until the next test.
	 *
	 * @param DDA_API_Client|null $client The client to test (default: the saved settings).
	 * @return array{ok: bool, message: string, at: int, code: string}
	 */
	public static function record_connection_test( ?DDA_API_Client $client = null ): array {
		return self::store_connection_test( ( $client ?? new DDA_API_Client() )->test_connection() );
	}

	/**
	 * Adds a settings error next to "Settings saved." when a save's connection test failed.
	 *
	 * @param array $result What record_connection_test() returned.
	 */
	private static function report_failed_connection_test( array $result ): void {
		if ( ! $result['ok'] ) {
			add_settings_error(
				DDA_Settings::OPTION,
				'dda_connection_failed',
				/* translators: %s: why the connection test failed. */
				sprintf( __( 'The connection test with these settings failed: %s', 'distributed-data-analysis' ), $result['message'] ),
				'error'
			);
		}
	}

	/**
	 * Keeps a connection test's result (CONNECTION_OPTION).
	 *
	 * @param array|WP_Error $tested What DDA_API_Client::test_connection() returned.
	 * @return array{ok: bool, message: string, at: int, code: string}
	 */
	public static function store_connection_test( $tested ): array {
		$result = array(
			'ok'      => ! is_wp_error( $tested ),
			'message' => is_wp_error( $tested ) ? $tested->get_error_message() : (string) ( $tested['message'] ?? '' ),
			'at'      => time(),
			'code'    => is_wp_error( $tested ) ? (string) $tested->get_error_code() : '',
		);
		update_option( self::CONNECTION_OPTION, $result, false );
		return $result;
	}

	/**
	 * The last connection test's result, or null when there was none.
	 *
	 * @return array{ok: bool, message: string, at: int, code: string}|null
	 */
	public static function last_connection_test(): ?array {
		$result = get_option( self::CONNECTION_OPTION, null );
		if ( ! is_array( $result ) || ! isset( $result['ok'], $result['message'], $result['at'] ) ) {
			return null;
		}
		return array(
			'ok'      => (bool) $result['ok'],
			'message' => (string) $result['message'],
			'at'      => (int) $result['at'],
			'code'    => (string) ( $result['code'] ?? '' ),
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
			'perPage'        => self::per_page(),
			// The site's clock (datetime-local values of "Run at" are site time).
			'siteNow'        => wp_date( 'Y-m-d\TH:i' ),
			// Tasks from a file: the same limits PHP applies (DDA_Task_File, DDA_Task_Batches).
			'file'           => array(
				'maxRows'        => DDA_Task_File::max_rows(),
				'maxBytes'       => DDA_Task_File::max_bytes(),
				'maxErrors'      => DDA_Task_File::MAX_ERRORS,
				'batchItems'     => DDA_Task_Batches::MAX_ITEMS,
				'batchBytes'     => DDA_Task_Batches::MAX_BYTES,
				'paramsMaxBytes' => DDA_Task_Batches::MAX_PARAMS_BYTES,
				'paramsMaxDepth' => DDA_Task_Batches::MAX_PARAMS_DEPTH,
				'previewRows'    => self::FILE_PREVIEW_ROWS,
				'maxBytesText'   => size_format( DDA_Task_File::max_bytes() ),
				'paramsMaxText'  => size_format( DDA_Task_Batches::MAX_PARAMS_BYTES ),
			),
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
				// Tasks from a file.
				'fileReading'     => __( 'Reading the file…', 'distributed-data-analysis' ),
				'fileNone'        => __( 'Choose a CSV or JSON Lines file first.', 'distributed-data-analysis' ),
				/* translators: %s: a size such as "64 MB". */
				'fileTooBig'      => __( 'The file is larger than %s.', 'distributed-data-analysis' ),
				'fileNotUtf8'     => __( 'The file is not UTF-8 text. Save it as UTF-8 and try again.', 'distributed-data-analysis' ),
				'fileUnreadable'  => __( 'The browser could not read the file.', 'distributed-data-analysis' ),
				'fileEmpty'       => __( 'The file has no tasks: it is empty, or has only a header row or empty lines.', 'distributed-data-analysis' ),
				/* translators: %s: a number of tasks such as 100,000. */
				'fileTooMany'     => __( 'The file has more than %s tasks, the most one file may create. Split it into smaller files.', 'distributed-data-analysis' ),
				'fileInvalid'     => __( 'The file was not used, nothing was created.', 'distributed-data-analysis' ),
				/* translators: 1: a line number, 2: what is wrong on it. */
				'fileLine'        => __( 'Line %1$s: %2$s', 'distributed-data-analysis' ),
				/* translators: %s: the JSON parser's error message. */
				'lineNotJson'     => __( 'not valid JSON (%s).', 'distributed-data-analysis' ),
				'lineJsonArray'   => __( 'JSON Lines has one object per line; this looks like a JSON array.', 'distributed-data-analysis' ),
				'lineNotObject'   => __( 'not a JSON object. Each line must be an object such as {"values": [1, 2, 3]}.', 'distributed-data-analysis' ),
				/* translators: %s: the most levels of nesting. */
				'lineTooDeep'     => __( 'the JSON is nested deeper than %s levels.', 'distributed-data-analysis' ),
				'lineSurrogate'   => __( 'not valid JSON (a lone UTF-16 surrogate such as \ud800).', 'distributed-data-analysis' ),
				/* translators: %s: a size such as "899 KB". */
				'lineTooLarge'    => __( 'the parameters are too large: one task\'s parameters may be at most %s of JSON.', 'distributed-data-analysis' ),
				'csvUnclosed'     => __( 'a quoted cell is not closed: a double quote (") is missing. Inside a quoted cell, write a quote as "".', 'distributed-data-analysis' ),
				'csvAfterQuote'   => __( 'text follows the closing quote of a cell. Inside a quoted cell, write a quote as "".', 'distributed-data-analysis' ),
				/* translators: 1: number of cells in the row, 2: number of columns in the header. */
				'csvCells'        => __( '%1$s cells, but the header row has %2$s columns.', 'distributed-data-analysis' ),
				/* translators: %s: number of columns in the header. */
				'csvOneCell'      => __( '1 cell, but the header row has %s columns.', 'distributed-data-analysis' ),
				/* translators: %s: a column number, from 1. */
				'csvNoName'       => __( 'column %s of the header row has no name. The header row names the parameters.', 'distributed-data-analysis' ),
				/* translators: %s: a column name. */
				'csvDuplicate'    => __( 'the column name "%s" appears twice in the header row.', 'distributed-data-analysis' ),
				/* translators: 1: number of tasks, 2: file name, 3: CSV or JSON Lines. */
				'fileSummary'     => __( '%1$s tasks in %2$s (%3$s). The parameters of the first tasks, as they will be sent:', 'distributed-data-analysis' ),
				/* translators: 1: file name, 2: CSV or JSON Lines. */
				'fileSummaryOne'  => __( 'One task in %1$s (%2$s). Its parameters, as they will be sent:', 'distributed-data-analysis' ),
				/* translators: %s: a line number. */
				'previewLine'     => __( 'Line %s:', 'distributed-data-analysis' ),
				/* translators: %s: a number of tasks. */
				'fileCreate'      => __( 'Create %s tasks', 'distributed-data-analysis' ),
				'fileCreateOne'   => __( 'Create 1 task', 'distributed-data-analysis' ),
				'fileCreateNone'  => __( 'Create tasks', 'distributed-data-analysis' ),
				/* translators: 1: tasks created so far, 2: all tasks of the file. */
				'fileProgress'    => __( '%1$s of %2$s tasks created', 'distributed-data-analysis' ),
				/* translators: 1: number of tasks, 2: file name. */
				'fileDone'        => __( '%1$s tasks created from %2$s.', 'distributed-data-analysis' ),
				/* translators: %s: file name. */
				'fileDoneOne'     => __( '1 task created from %s.', 'distributed-data-analysis' ),
				/* translators: 1: batch number, 2: number of batches, 3: the error message. */
				'batchFailed'     => __( 'Batch %1$s of %2$s failed: %3$s', 'distributed-data-analysis' ),
				/* translators: %s: a line number. */
				'batchLine'       => __( '(line %s of the file)', 'distributed-data-analysis' ),
				/* translators: 1: tasks created so far, 2: all tasks of the file. */
				'batchCreated'    => __( '%1$s of %2$s tasks were created; the rest were not sent. Retrying sends the failed batch again: tasks it already created are not created twice.', 'distributed-data-analysis' ),
				/* translators: %s: batch number. */
				'batchRetry'      => __( 'Retry batch %s', 'distributed-data-analysis' ),
				'batchNoAnswer'   => __( 'WordPress did not answer, so this page does not know whether the batch was created.', 'distributed-data-analysis' ),
				'csvLabel'        => __( 'CSV', 'distributed-data-analysis' ),
				'jsonlLabel'      => __( 'JSON Lines', 'distributed-data-analysis' ),
				'leaveWarning'    => __( 'Tasks are still being created. Leaving stops after the current batch.', 'distributed-data-analysis' ),
				/* translators: %s: a date and time. */
				'lastTest'           => __( 'Last test, %s:', 'distributed-data-analysis' ),
				'listUnavailable'    => __( 'The tasks could not be loaded from the API server (see the error above). They are not gone: the list shows them again when the server answers.', 'distributed-data-analysis' ),
				'runnersUnavailable' => __( 'The runners could not be loaded from the API server (see the error above).', 'distributed-data-analysis' ),
				'fieldRequired'      => __( 'This field is required.', 'distributed-data-analysis' ),
				'fieldNumber'        => __( 'Enter a number.', 'distributed-data-analysis' ),
				'fieldInteger'       => __( 'Enter a whole number.', 'distributed-data-analysis' ),
				/* translators: %s: the smallest value allowed. */
				'fieldMin'           => __( 'Enter at least %s.', 'distributed-data-analysis' ),
				/* translators: %s: the largest value allowed. */
				'fieldMax'           => __( 'Enter at most %s.', 'distributed-data-analysis' ),
				'fieldEnum'          => __( 'Choose one of the listed values.', 'distributed-data-analysis' ),
				/* translators: 1: a line number, 2: what is wrong on it. */
				'fieldLine'          => __( 'Line %1$s: %2$s', 'distributed-data-analysis' ),
				'runAtInvalid'       => __( 'Enter a date and time, or leave the field empty.', 'distributed-data-analysis' ),
				'runAtPast'          => __( 'This time is in the past. Leave the field empty to run the task now.', 'distributed-data-analysis' ),
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
		if ( 'tasks' === self::current_tab() ) {
			add_screen_option(
				'per_page',
				array(
					'label'   => __( 'Tasks per page', 'distributed-data-analysis' ),
					'default' => self::PER_PAGE,
					'option'  => self::PER_PAGE_OPTION,
				)
			);
		}
		if ( isset( $_POST['dda_bulk'] ) ) {
			// The nonce and the capability are checked in process_bulk_action().
			self::redirect_with_notice( self::process_bulk_action(), self::tasks_url( self::view_args( self::list_view() ) ) );
		}
		if ( isset( $_POST['dda_runner_action'] ) ) {
			// The nonce and the capability are checked in process_runner_action().
			$outcome = self::process_runner_action();
			if ( is_array( $outcome ) && isset( $outcome['redirect'] ) ) {
				wp_safe_redirect( $outcome['redirect'] );
				exit;
			}
			self::redirect_with_notice( $outcome, self::tasks_url( array( 'tab' => 'runners' ) ) );
		}
		if ( isset( $_POST['dda_create_tasks_file'] ) ) {
			check_admin_referer( 'dda_create_tasks_file', 'dda_file_nonce' );
			$code     = isset( $_POST['dda_file_operation'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_file_operation'] ) ) : '';
			$other    = isset( $_POST['dda_file_operation_other'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_file_operation_other'] ) ) : '';
			$priority = isset( $_POST['dda_file_priority'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_file_priority'] ) ) : '0';
			$format   = isset( $_POST['dda_file_format'] ) ? sanitize_key( wp_unslash( $_POST['dda_file_format'] ) ) : 'auto';
			// The upload's fields are checked one by one in create_from_upload().
			$file = isset( $_FILES['dda_file'] ) && is_array( $_FILES['dda_file'] ) ? $_FILES['dda_file'] : array(); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
			// The priority is optional here: empty means 0.
			self::redirect_with_notice( self::create_from_upload( $file, $format, 'other' === $code ? $other : $code, '' === $priority ? '0' : $priority ) );
		}
		if ( self::post_was_too_large() ) {
			// PHP dropped the whole form (post_max_size): there is no nonce to check, and
			// nothing is changed; the admin learns why nothing happened.
			self::redirect_with_notice(
				new WP_Error(
					'dda_upload',
					sprintf(
						/* translators: %s: a size such as "8 MB". */
						__( 'The file is larger than this server accepts for uploads (%s), so nothing was created. With JavaScript on, the page reads the file itself and sends the tasks in parts.', 'distributed-data-analysis' ),
						size_format( wp_max_upload_size() )
					)
				)
			);
		}
		if ( isset( $_POST['dda_create_task'] ) ) {
			check_admin_referer( 'dda_create_task' );
			$code     = isset( $_POST['dda_operation'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_operation'] ) ) : '';
			$other    = isset( $_POST['dda_operation_other'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_operation_other'] ) ) : '';
			$priority = isset( $_POST['dda_priority'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_priority'] ) ) : '0';
			// JSON text: sanitize_text_field would mangle it; it is validated as JSON instead.
			$params = isset( $_POST['dda_params'] ) ? (string) wp_unslash( $_POST['dda_params'] ) : '{}'; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
			$chosen = 'other' === $code ? $other : $code;
			// The fields of the chosen code's schema: their values are checked and typed by
			// DDA_Schema_Form against that schema (texts are parameters, kept as typed).
			$fields = isset( $_POST['dda_field'][ $chosen ] ) && is_array( $_POST['dda_field'][ $chosen ] ) ? wp_unslash( $_POST['dda_field'][ $chosen ] ) : null; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
			$mode   = isset( $_POST['dda_params_mode'] ) ? sanitize_key( wp_unslash( $_POST['dda_params_mode'] ) ) : '';
			$run_at = isset( $_POST['dda_run_at'] ) ? sanitize_text_field( wp_unslash( $_POST['dda_run_at'] ) ) : '';
			self::redirect_with_notice(
				self::create_from_form(
					$chosen,
					$params,
					$priority,
					array(
						'fields' => $fields,
						'mode'   => $mode,
						'run_at' => $run_at,
					)
				)
			);
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
	 * @param string $params   Params JSON text (the "Advanced" box).
	 * @param string $priority Priority as text.
	 * @param array  $options  `fields` (the posted fields of this code's schema, or null),
	 *                         `mode` ('json' to use the JSON box although the code has a
	 *                         schema), `run_at` (a datetime-local value in the site's time
	 *                         zone, '' for now).
	 * @return string|WP_Error A success message or an error.
	 */
	public static function create_from_form( string $code, string $params, string $priority, array $options = array() ) {
		$prepared = self::prepare_task( $code, $params, $priority, $options );
		if ( is_wp_error( $prepared ) ) {
			return $prepared;
		}
		$created = ( new DDA_API_Client() )->create_task( (int) $code, $prepared['params'], (int) $priority, $prepared['extra'] );
		if ( is_wp_error( $created ) ) {
			return $created;
		}
		return self::created_message( (string) ( $created['task_id'] ?? '' ), (int) $code, $prepared['extra'] );
	}

	/**
	 * "Task 3f2a9c1e (300 — statistics) created.", and when it runs if scheduled.
	 *
	 * @param string $task_id The new task.
	 * @param int    $code    Its operation.
	 * @param array  $extra   What was sent besides params (run_at).
	 */
	public static function created_message( string $task_id, int $code, array $extra ): string {
		$message = sprintf(
			/* translators: 1: short task id, 2: operation label. */
			__( 'Task %1$s (%2$s) created.', 'distributed-data-analysis' ),
			DDA_Format::short_id( $task_id ),
			DDA_Format::operation_label( $code )
		);
		if ( isset( $extra['run_at'] ) ) {
			/* translators: 1: a date and time, 2: a time zone such as Europe/Berlin. */
			$message .= ' ' . sprintf( __( 'It runs at %1$s (%2$s).', 'distributed-data-analysis' ), DDA_Format::datetime( $extra['run_at'] ), DDA_Format::timezone_label() );
		}
		return $message;
	}

	/**
	 * Checks a task of the create form (or its REST route) and builds what is sent: the
	 * params from the schema's fields or the JSON box, checked against the operation's
	 * `params_schema` when the catalog has one, and `run_at` in UTC.
	 *
	 * @param string $code     Operation code as text.
	 * @param string $params   Params JSON text.
	 * @param string $priority Priority as text.
	 * @param array  $options  See create_from_form().
	 * @return array{params: stdClass, extra: array}|WP_Error
	 */
	public static function prepare_task( string $code, string $params, string $priority, array $options = array() ) {
		$checked = self::check_code_and_priority( $code, $priority );
		if ( is_wp_error( $checked ) ) {
			return $checked;
		}
		$schema = self::schema_of( (int) $code );
		$fields = $options['fields'] ?? null;
		$form   = null !== $schema && null !== DDA_Schema_Form::properties( $schema );
		if ( $form && is_array( $fields ) && 'json' !== ( $options['mode'] ?? '' ) ) {
			$object = DDA_Schema_Form::params_from_fields( $schema, $fields );
		} else {
			$object = DDA_REST_Controller::parse_params( $params );
			if ( ! is_wp_error( $object ) && $form ) {
				$valid  = DDA_Schema_Form::check( $object, $schema );
				$object = is_wp_error( $valid ) ? $valid : $object;
			}
		}
		if ( is_wp_error( $object ) ) {
			return $object;
		}
		$extra  = array();
		$run_at = self::parse_run_at( (string) ( $options['run_at'] ?? '' ) );
		if ( is_wp_error( $run_at ) ) {
			return $run_at;
		}
		if ( '' !== $run_at ) {
			$extra['run_at'] = $run_at;
		}
		return array(
			'params' => $object,
			'extra'  => $extra,
		);
	}

	/**
	 * The catalog's params_schema of a code, or null (none, or the catalog is unavailable:
	 * then the runner checks the params).
	 *
	 * @param int $code An operation code.
	 */
	public static function schema_of( int $code ): ?array {
		$catalog = self::catalog();
		if ( is_wp_error( $catalog ) ) {
			return null;
		}
		foreach ( $catalog as $entry ) {
			if ( ( $entry['code'] ?? null ) === $code ) {
				return is_array( $entry['params_schema'] ?? null ) ? $entry['params_schema'] : null;
			}
		}
		return null;
	}

	/**
	 * A "Run at" value of the form (datetime-local: 2026-12-01T14:30, in the site's time
	 * zone) as the UTC RFC 3339 time the API takes.
	 *
	 * @param string $local The value; '' for none.
	 * @return string|WP_Error '' for none, else e.g. 2026-12-01T13:30:00Z.
	 */
	public static function parse_run_at( string $local ) {
		$local = trim( $local );
		if ( '' === $local ) {
			return '';
		}
		$time = false;
		if ( preg_match( '/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$/', $local ) ) {
			$format = strlen( $local ) > 16 ? 'Y-m-d\TH:i:s' : 'Y-m-d\TH:i';
			$time   = DateTimeImmutable::createFromFormat( '!' . $format, str_replace( ' ', 'T', $local ), wp_timezone() );
			$errors = DateTimeImmutable::getLastErrors();
			if ( false !== $time && is_array( $errors ) && ( $errors['warning_count'] || $errors['error_count'] ) ) {
				$time = false; // Such as 2026-02-31: PHP would roll it over.
			}
		}
		if ( false === $time ) {
			return new WP_Error( 'dda_invalid', __( 'Run at: enter a date and time such as 2026-12-01 14:30.', 'distributed-data-analysis' ) );
		}
		if ( $time->getTimestamp() < time() - MINUTE_IN_SECONDS ) {
			/* translators: %s: a time zone such as Europe/Berlin. */
			return new WP_Error( 'dda_invalid', sprintf( __( 'Run at is in the past (times are in the site\'s time zone, %s). Leave it empty to run the task now.', 'distributed-data-analysis' ), DDA_Format::timezone_label() ) );
		}
		if ( $time->getTimestamp() > time() + YEAR_IN_SECONDS ) {
			return new WP_Error( 'dda_invalid', __( 'Run at is more than a year ahead; the API server schedules tasks up to a year ahead.', 'distributed-data-analysis' ) );
		}
		return gmdate( 'Y-m-d\TH:i:s\Z', $time->getTimestamp() );
	}

	/**
	 * Checks the operation code and priority of the create forms.
	 *
	 * @param string $code     Operation code as text.
	 * @param string $priority Priority as text.
	 * @return true|WP_Error
	 */
	private static function check_code_and_priority( string $code, string $priority ) {
		if ( ! preg_match( '/^\d{1,6}$/', $code ) || (int) $code < 1 ) {
			return new WP_Error( 'dda_invalid', __( 'The operation code must be a whole number from 1 to 999999.', 'distributed-data-analysis' ) );
		}
		if ( ! preg_match( '/^-?\d{1,3}$/', $priority ) || abs( (int) $priority ) > 100 ) {
			return new WP_Error( 'dda_invalid', __( 'The priority must be a whole number from -100 to 100.', 'distributed-data-analysis' ) );
		}
		return true;
	}

	/**
	 * Whether this is a POST whose body PHP dropped for being over post_max_size (then
	 * $_POST and $_FILES are empty).
	 */
	private static function post_was_too_large(): bool {
		$method = isset( $_SERVER['REQUEST_METHOD'] ) ? sanitize_key( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) : '';
		$length = isset( $_SERVER['CONTENT_LENGTH'] ) ? (int) $_SERVER['CONTENT_LENGTH'] : 0;
		return 'post' === $method && empty( $_POST ) && empty( $_FILES ) && $length > wp_max_upload_size(); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- only tells whether anything arrived.
	}

	/**
	 * The file form posted without JavaScript: checks the upload, then create_from_file().
	 *
	 * @param array  $file     The entry of $_FILES.
	 * @param string $format   auto, csv or jsonl.
	 * @param string $code     Operation code as text.
	 * @param string $priority Priority as text.
	 * @return string|WP_Error A success message or an error.
	 */
	public static function create_from_upload( array $file, string $format, string $code, string $priority ) {
		$error = isset( $file['error'] ) ? (int) $file['error'] : UPLOAD_ERR_NO_FILE;
		if ( UPLOAD_ERR_NO_FILE === $error ) {
			return new WP_Error( 'dda_upload', __( 'Choose a CSV or JSON Lines file first.', 'distributed-data-analysis' ) );
		}
		if ( UPLOAD_ERR_INI_SIZE === $error || UPLOAD_ERR_FORM_SIZE === $error ) {
			return new WP_Error(
				'dda_upload',
				sprintf(
					/* translators: %s: a size such as "2 MB". */
					__( 'The file is larger than this server accepts for uploads (%s), so nothing was created. With JavaScript on, the page reads the file itself and sends the tasks in parts.', 'distributed-data-analysis' ),
					size_format( wp_max_upload_size() )
				)
			);
		}
		$tmp = isset( $file['tmp_name'] ) && is_string( $file['tmp_name'] ) ? $file['tmp_name'] : '';
		if ( UPLOAD_ERR_OK !== $error || '' === $tmp || ! is_uploaded_file( $tmp ) ) {
			/* translators: %d: PHP's upload error code. */
			return new WP_Error( 'dda_upload', sprintf( __( 'The upload failed (PHP upload error %d). Nothing was created.', 'distributed-data-analysis' ), $error ) );
		}
		$name = isset( $file['name'] ) && is_string( $file['name'] ) ? sanitize_file_name( $file['name'] ) : '';
		return self::create_from_file( $tmp, $name, $format, $code, $priority );
	}

	/**
	 * Reads a CSV or JSON Lines file and creates its tasks in batches (the file form without
	 * JavaScript). The whole file is checked before anything is sent. When a batch fails,
	 * the upload id is kept for an hour: posting the same file with the same operation and
	 * priority again resumes it, and the batches already created are not created twice.
	 *
	 * @param string $path     The file.
	 * @param string $name     Its name as uploaded (for the format and the message).
	 * @param string $format   auto, csv or jsonl.
	 * @param string $code     Operation code as text.
	 * @param string $priority Priority as text.
	 * @return string|WP_Error A success message or an error.
	 */
	public static function create_from_file( string $path, string $name, string $format, string $code, string $priority ) {
		$checked = self::check_code_and_priority( $code, $priority );
		if ( is_wp_error( $checked ) ) {
			return $checked;
		}
		$size = is_readable( $path ) ? filesize( $path ) : false;
		if ( false === $size ) {
			return new WP_Error( 'dda_upload', __( 'The uploaded file could not be read. Nothing was created.', 'distributed-data-analysis' ) );
		}
		if ( $size > DDA_Task_File::max_bytes() ) {
			return new WP_Error(
				'dda_file_invalid',
				/* translators: %s: a size such as "64 MB". */
				sprintf( __( 'The file is larger than %s. Nothing was created.', 'distributed-data-analysis' ), size_format( DDA_Task_File::max_bytes() ) )
			);
		}
		$text   = (string) file_get_contents( $path ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local upload.
		$format = DDA_Task_File::detect_format( $format, $name, $text );
		$rows   = DDA_Task_File::parse( $text, $format );
		if ( is_wp_error( $rows ) ) {
			return $rows;
		}
		$specs = array();
		foreach ( $rows as $row ) {
			$specs[] = array(
				'operation_code' => (int) $code,
				'params'         => $row['params'],
				'priority'       => (int) $priority,
			);
		}

		// Resume a failed upload of the same file and settings with the same upload id.
		$resume_key = 'dda_file_resume_' . get_current_user_id();
		$hash       = hash( 'sha256', $format . "\n" . (int) $code . "\n" . (int) $priority . "\n" . $text );
		$resume     = get_transient( $resume_key );
		$upload_id  = is_array( $resume ) && ( $resume['hash'] ?? '' ) === $hash && is_string( $resume['upload_id'] ?? null )
			? $resume['upload_id']
			: DDA_Task_Batches::new_upload_id();

		$ids = DDA_Task_Batches::create( $specs, $upload_id );
		if ( ! is_wp_error( $ids ) ) {
			delete_transient( $resume_key );
			return sprintf(
				/* translators: 1: number of tasks, 2: file name. */
				_n( '%1$s task created from %2$s.', '%1$s tasks created from %2$s.', count( $ids ), 'distributed-data-analysis' ),
				number_format_i18n( count( $ids ) ),
				'' !== $name ? $name : __( 'the file', 'distributed-data-analysis' )
			);
		}
		$data    = (array) $ids->get_error_data();
		$message = $ids->get_error_message();
		// "tasks[3].params …" names a task of the failed batch: say which line that is.
		if ( preg_match( '/tasks\[(\d+)\]/', $message, $m ) ) {
			$index = (int) ( $data['first_index'] ?? 0 ) + (int) $m[1];
			if ( isset( $rows[ $index ] ) ) {
				/* translators: %d: a line number. */
				$message .= ' ' . sprintf( __( '(line %d of the file)', 'distributed-data-analysis' ), $rows[ $index ]['line'] );
			}
		}
		if ( ! isset( $data['batch'] ) ) {
			return new WP_Error( $ids->get_error_code(), $message . ' ' . __( 'Nothing was created.', 'distributed-data-analysis' ) );
		}
		set_transient(
			$resume_key,
			array(
				'hash'      => $hash,
				'upload_id' => $upload_id,
			),
			self::FILE_RESUME_SECONDS
		);
		return new WP_Error(
			$ids->get_error_code(),
			sprintf(
				/* translators: 1: batch number, 2: number of batches, 3: the error message, 4: tasks created, 5: all tasks of the file. */
				__( 'Batch %1$d of %2$d failed: %3$s %4$s of %5$s tasks were created; the rest were not sent. To retry, send the same file with the same operation and priority again within an hour: the batches already created are not created twice.', 'distributed-data-analysis' ),
				(int) $data['batch'] + 1,
				(int) ( $data['batches'] ?? 0 ),
				$message,
				number_format_i18n( (int) ( $data['created'] ?? 0 ) ),
				number_format_i18n( count( $specs ) )
			)
		);
	}

	/**
	 * Stores a notice for the current user and redirects to the task list (or $url).
	 *
	 * @param string|array|WP_Error $result A success message, a notice (type, message,
	 *                                      items) or an error.
	 * @param string                $url    Where to go; the task list when ''.
	 * @return never
	 */
	private static function redirect_with_notice( $result, string $url = '' ): void {
		if ( is_wp_error( $result ) ) {
			$notice = self::error_notice( $result );
		} elseif ( is_array( $result ) ) {
			$notice = $result;
		} else {
			$notice = array(
				'type'    => 'success',
				'message' => (string) $result,
			);
		}
		set_transient( 'dda_notice_' . get_current_user_id(), $notice, MINUTE_IN_SECONDS );
		wp_safe_redirect( '' !== $url ? $url : self::tasks_url() );
		exit;
	}

	/**
	 * The tab of the tasks screen the request asks for: tasks, runners or overview.
	 */
	public static function current_tab(): string {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a view, no state change.
		$tab = isset( $_GET['tab'] ) && is_string( $_GET['tab'] ) ? sanitize_key( wp_unslash( $_GET['tab'] ) ) : '';
		return in_array( $tab, array( 'runners', 'overview' ), true ) ? $tab : 'tasks';
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
	 * Renders the tasks screen (tab Tasks, Runners or Overview, or one task's details without
	 * JavaScript). Each problem is reported once: an API error by the first request that
	 * meets it, and "not connected" by one warning.
	 */
	public static function render_tasks_page(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to access this page.', 'distributed-data-analysis' ) );
		}
		$tab = self::current_tab();
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only view parameters.
		$task    = isset( $_GET['task'] ) && is_string( $_GET['task'] ) ? strtolower( sanitize_text_field( wp_unslash( $_GET['task'] ) ) ) : '';
		$confirm = isset( $_GET['confirm_remove'] ) && is_string( $_GET['confirm_remove'] ) ? strtolower( sanitize_text_field( wp_unslash( $_GET['confirm_remove'] ) ) ) : '';
		// phpcs:enable

		$notices    = array();
		$configured = DDA_Settings::is_configured();
		$report     = static function ( WP_Error $error, string $key = '' ) use ( &$notices, $configured ): void {
			if ( ! $configured && in_array( $error->get_error_code(), array( 'dda_not_configured', 'dda_no_key' ), true ) ) {
				return; // The "not connected yet" warning says it already.
			}
			foreach ( $notices as $notice ) {
				if ( ( $notice['code'] ?? '' ) === $error->get_error_code() ) {
					return;
				}
			}
			$notice         = self::error_notice( $error );
			$notice['code'] = $error->get_error_code();
			if ( '' !== $key ) {
				$notice['key'] = $key;
			}
			$notices[] = $notice;
		};

		$stored = self::take_notice();
		if ( $stored ) {
			$notices[] = $stored;
		}
		if ( ! $configured ) {
			$notices[] = array(
				'type'    => 'warning',
				'message' => DDA_Settings::network_mode()
					? __( 'The plugin is not connected yet: a network administrator enters the API server URL and key under Network Admin → Settings → Data Analysis.', 'distributed-data-analysis' )
					: __( 'The plugin is not connected yet: enter the API server URL and key on the Settings screen.', 'distributed-data-analysis' ),
				'link'    => self::settings_url(),
				'code'    => 'dda_not_configured',
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

		$client       = new DDA_API_Client();
		$runners      = $configured ? $client->list_runners() : new WP_Error( 'dda_not_configured', '' );
		$runner_names = is_wp_error( $runners ) ? array() : DDA_REST_Controller::runner_names( $runners );

		$task_details = null;
		if ( DDA_Format::is_task_id( $task ) ) {
			$details = $client->get_task( $task );
			if ( is_wp_error( $details ) ) {
				$report( $details );
			} elseif ( is_array( $details ) ) {
				$task_details = $details;
			}
		}

		$vars = array(
			'tab'          => $tab,
			'view'         => self::normalize_view( array() ),
			'details'      => $task_details,
			'runner_names' => $runner_names,
			'configured'   => $configured,
			'per_page'     => self::per_page(),
			'file'         => array(
				'max_rows'   => DDA_Task_File::max_rows(),
				'max_bytes'  => DDA_Task_File::max_bytes(),
				'upload_max' => wp_max_upload_size(),
			),
		);

		if ( 'runners' === $tab ) {
			if ( is_wp_error( $runners ) ) {
				$report( $runners, 'refresh' );
			} else {
				self::catalog(); // Names for the operation codes (a failure leaves the codes).
			}
			$vars['table']          = DDA_Views::runners_table( is_wp_error( $runners ) ? array() : $runners, is_wp_error( $runners ) ? $runners : null );
			$vars['confirm_remove'] = null;
			if ( DDA_Format::is_task_id( $confirm ) && ! is_wp_error( $runners ) ) {
				foreach ( $runners as $runner ) {
					if ( is_array( $runner ) && ( $runner['runner_id'] ?? '' ) === $confirm ) {
						$vars['confirm_remove'] = $runner;
					}
				}
			}
		} elseif ( 'overview' === $tab ) {
			// The tab asks the API (and refreshes the Dashboard widget's cache with it).
			$stats = $configured ? DDA_Overview::stats( true ) : new WP_Error( 'dda_not_configured', '' );
			if ( is_wp_error( $stats ) ) {
				$report( $stats );
			}
			$vars['stats'] = $stats;
		} else {
			$view = self::list_view();
			if ( '' !== $view['search_invalid'] ) {
				$notices[] = array(
					'type'    => 'error',
					'message' => sprintf(
						/* translators: %s: what was typed into the search box. */
						__( '“%s” cannot be the start of a task id: search with hex digits (0-9, a-f) and dashes, such as 3f2a or 3f2a9c1e-7b.', 'distributed-data-analysis' ),
						$view['search_invalid']
					),
				);
				$data = array(
					'tasks'     => array(),
					'has_older' => false,
				);
			} else {
				$data = $configured ? DDA_REST_Controller::load_page( $view, self::per_page(), $client ) : new WP_Error( 'dda_not_configured', '' );
			}
			$error = null;
			if ( is_wp_error( $data ) ) {
				$report( $data, 'refresh' );
				$error = $data;
				$data  = array(
					'tasks'     => array(),
					'has_older' => false,
				);
			}
			$operations = $configured ? self::filter_operations() : array();
			$catalog    = $configured ? self::catalog() : array();
			if ( is_wp_error( $catalog ) ) {
				$report( $catalog );
				$catalog = array();
			}
			$vars['view']    = $view;
			$vars['table']   = DDA_Views::tasks_table( $data['tasks'], $runner_names, $view, $error, $data['has_older'], $operations );
			$vars['catalog'] = $catalog;
		}
		$vars['notices'] = $notices;
		DDA_Views::render( 'tasks-page', $vars );
	}

	/**
	 * Renders the settings screen.
	 */
	public static function render_settings_page(): void {
		if ( ! current_user_can( DDA_Settings::SITE_CAPABILITY ) ) {
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
