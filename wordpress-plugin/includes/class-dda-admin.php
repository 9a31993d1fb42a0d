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
	public const CAPABILITY   = 'manage_options';

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
		$checked = self::check_code_and_priority( $code, $priority );
		if ( is_wp_error( $checked ) ) {
			return $checked;
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
				'file'       => array(
					'max_rows'   => DDA_Task_File::max_rows(),
					'max_bytes'  => DDA_Task_File::max_bytes(),
					'upload_max' => wp_max_upload_size(),
				),
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
