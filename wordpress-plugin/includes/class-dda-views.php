<?php
/**
 * Renders the templates in admin/views/ and builds the list tables.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Templates receive prepared data and only escape and print it. The same templates serve
 * the first page load and the REST routes the JavaScript refreshes from.
 */
final class DDA_Views {

	/**
	 * Prints a template.
	 *
	 * @param string $name Template name in admin/views/, without `.php`.
	 * @param array  $vars Variables for the template, available as `$vars`.
	 */
	public static function render( string $name, array $vars = array() ): void {
		$file = DDA_PLUGIN_DIR . 'admin/views/' . sanitize_file_name( $name ) . '.php';
		if ( is_readable( $file ) ) {
			( static function ( string $dda_template, array $vars ): void {
				include $dda_template;
			} )( $file, $vars );
		}
	}

	/**
	 * A template's output as a string.
	 *
	 * @param string $name Template name.
	 * @param array  $vars Variables for the template.
	 */
	public static function capture( string $name, array $vars = array() ): string {
		ob_start();
		self::render( $name, $vars );
		return (string) ob_get_clean();
	}

	/**
	 * Loads WP_List_Table and the plugin's tables. Outside wp-admin (REST requests) the
	 * admin include files they need are not loaded yet.
	 */
	public static function load_list_tables(): void {
		if ( ! class_exists( 'WP_List_Table', false ) ) {
			require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
		}
		if ( ! class_exists( 'WP_Screen', false ) ) {
			require_once ABSPATH . 'wp-admin/includes/class-wp-screen.php';
		}
		if ( ! function_exists( 'get_column_headers' ) ) {
			require_once ABSPATH . 'wp-admin/includes/screen.php';
		}
		if ( ! function_exists( 'convert_to_screen' ) ) {
			require_once ABSPATH . 'wp-admin/includes/template.php';
		}
		require_once DDA_PLUGIN_DIR . 'includes/class-dda-tasks-list-table.php';
		require_once DDA_PLUGIN_DIR . 'includes/class-dda-runners-list-table.php';
	}

	/**
	 * The task table filled with the given tasks.
	 *
	 * @param array         $tasks        Task objects from the API (one page).
	 * @param array         $runner_names runner_id => name.
	 * @param array|string  $view         The view (DDA_Admin::normalize_view()), or a status.
	 * @param WP_Error|null $error        Why the tasks could not be loaded, if so.
	 * @param bool          $has_older    Whether an older page exists.
	 * @param array         $operations   code => label for the operation filter.
	 * @return DDA_Tasks_List_Table
	 */
	public static function tasks_table( array $tasks, array $runner_names, $view, ?WP_Error $error = null, bool $has_older = false, array $operations = array() ) {
		self::load_list_tables();
		$table = new DDA_Tasks_List_Table( DDA_Admin::TASKS_SCREEN );
		$table->set_data( $tasks, $runner_names, $view, $error, $has_older, $operations );
		return $table;
	}

	/**
	 * The runner table filled with the given runners.
	 *
	 * @param array         $runners Runner objects from the API.
	 * @param WP_Error|null $error   Why the runners could not be loaded, if so.
	 * @return DDA_Runners_List_Table
	 */
	public static function runners_table( array $runners, ?WP_Error $error = null ) {
		self::load_list_tables();
		$table = new DDA_Runners_List_Table( DDA_Admin::TASKS_SCREEN );
		$table->set_data( $runners, $error );
		return $table;
	}

	/**
	 * The rows (`<tr>`s) of a table, for the JavaScript refresh.
	 *
	 * @param WP_List_Table $table A prepared table.
	 */
	public static function rows_html( $table ): string {
		ob_start();
		$table->display_rows_or_placeholder();
		return (string) ob_get_clean();
	}
}
