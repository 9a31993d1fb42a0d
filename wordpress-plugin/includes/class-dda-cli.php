<?php
/**
 * WP-CLI: `wp dda status`, `wp dda task …`, `wp dda runner …`. Loaded only under WP-CLI.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

require_once __DIR__ . '/class-dda-cli-task-command.php';
require_once __DIR__ . '/class-dda-cli-runner-command.php';

/**
 * Works with the DDA API server the plugin is connected to.
 *
 * The commands use the plugin's stored settings (API URL and key) and check no WordPress
 * capability: whoever runs WP-CLI on the server already has the site's files and database.
 * Every failure ends with an `Error:` line and exit status 1.
 *
 * ## EXAMPLES
 *
 *     # Is the API server reachable, and how is the queue doing?
 *     $ wp dda status
 *
 *     # Create a task and wait for it in a script.
 *     $ id=$(wp dda task create 300 --params='{"values": [1, 2, 3]}' --porcelain)
 *     $ wp dda task get "$id" --field=status
 */
final class DDA_CLI {

	/** The output formats of lists. */
	public const LIST_FORMATS = array( 'table', 'csv', 'json', 'yaml', 'ids', 'count' );

	/** The output formats of one item (Field/Value rows, or the object as JSON or YAML). */
	public const ITEM_FORMATS = array( 'table', 'csv', 'json', 'yaml' );

	/**
	 * Registers the commands (from DDA_Plugin::boot(), only when WP_CLI is defined).
	 */
	public static function register(): void {
		WP_CLI::add_command( 'dda', self::class );
		WP_CLI::add_command( 'dda task', DDA_CLI_Task_Command::class );
		WP_CLI::add_command( 'dda runner', DDA_CLI_Runner_Command::class );
	}

	/**
	 * Shows whether the API server answers and accepts the key, and the queue at a glance.
	 *
	 * Calls `GET /` and `GET /runners` (as Test connection does) and `GET /stats` (contract
	 * v1.1; left out on an older server). Exits with status 1 when the server cannot be
	 * reached or refuses the key.
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : How to print it.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda status
	 *     $ wp dda status --format=json
	 *
	 * @param array $args       Positional arguments (none).
	 * @param array $assoc_args Options.
	 */
	public function status( $args, $assoc_args ): void {
		$format   = self::format( $assoc_args, self::ITEM_FORMATS );
		$settings = DDA_Settings::get();
		$client   = new DDA_API_Client();
		$test     = self::check( $client->test_connection() );
		$runners  = self::check( $client->list_runners() );
		$status   = array(
			'api_url'        => $settings['api_url'],
			'server_version' => $test['version'],
			'key_accepted'   => true,
			'runners'        => count( $runners ),
			'runners_online' => $test['online'],
			'runners_paused' => count(
				array_filter(
					$runners,
					static function ( $runner ) {
						return is_array( $runner ) && ! empty( $runner['paused'] );
					}
				)
			),
		);
		$stats    = $client->stats( 24 );
		if ( ! is_wp_error( $stats ) ) {
			$sums = array(
				'created'   => 0,
				'completed' => 0,
				'failed'    => 0,
			);
			foreach ( $stats['buckets'] as $bucket ) {
				foreach ( array_keys( $sums ) as $key ) {
					$sums[ $key ] += is_array( $bucket ) ? (int) ( $bucket[ $key ] ?? 0 ) : 0;
				}
			}
			$status += array(
				'pending'                    => (int) ( $stats['pending'] ?? 0 ),
				'running'                    => (int) ( $stats['running'] ?? 0 ),
				'oldest_pending_age_seconds' => $stats['oldest_pending_age_seconds'] ?? null,
				'created_24h'                => $sums['created'],
				'completed_24h'              => $sums['completed'],
				'failed_24h'                 => $sums['failed'],
			);
		} else {
			WP_CLI::warning( 'No queue statistics: ' . $stats->get_error_message() );
		}
		self::print_item( $status, $format );
	}

	/**
	 * Ends the command with the error's message (exit status 1), or gives back the value.
	 *
	 * @param mixed $result A value or a WP_Error.
	 * @return mixed The value.
	 */
	public static function check( $result ) {
		if ( is_wp_error( $result ) ) {
			WP_CLI::error( $result->get_error_message() );
		}
		return $result;
	}

	/**
	 * The --format option, checked against the formats a command has.
	 *
	 * @param array    $assoc_args Options.
	 * @param string[] $formats    Allowed formats (the first is the default).
	 */
	public static function format( array $assoc_args, array $formats ): string {
		$format = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : $formats[0];
		if ( ! in_array( $format, $formats, true ) ) {
			WP_CLI::error( sprintf( 'Invalid format "%s": use one of %s.', $format, implode( ', ', $formats ) ) );
		}
		return $format;
	}

	/**
	 * The columns to print: --fields (comma-separated) or --field (one), else the defaults.
	 *
	 * @param array    $assoc_args Options.
	 * @param string[] $defaults   Default columns.
	 * @return string[]
	 */
	public static function fields( array $assoc_args, array $defaults ): array {
		$fields = $assoc_args['fields'] ?? ( $assoc_args['field'] ?? '' );
		if ( ! is_string( $fields ) || '' === trim( $fields ) ) {
			return $defaults;
		}
		return array_values( array_filter( array_map( 'trim', explode( ',', $fields ) ), 'strlen' ) );
	}

	/**
	 * Prints a list with WP_CLI\Utils\format_items() (ids and count here).
	 *
	 * @param array    $items  Rows (associative arrays).
	 * @param string   $format An entry of LIST_FORMATS.
	 * @param string[] $fields Columns.
	 * @param string   $id_key The column `--format=ids` prints.
	 */
	public static function print_list( array $items, string $format, array $fields, string $id_key ): void {
		if ( 'ids' === $format ) {
			WP_CLI::line( implode( ' ', array_column( $items, $id_key ) ) );
			return;
		}
		if ( 'count' === $format ) {
			WP_CLI::line( (string) count( $items ) );
			return;
		}
		$rows = array();
		foreach ( $items as $item ) {
			$row = array();
			foreach ( $fields as $field ) {
				$value         = $item[ $field ] ?? null;
				$row[ $field ] = in_array( $format, array( 'table', 'csv' ), true ) ? self::cell( $value ) : $value;
			}
			$rows[] = $row;
		}
		WP_CLI\Utils\format_items( $format, $rows, $fields );
	}

	/**
	 * Prints one item: Field/Value rows for table and csv, the object for json (one JSON
	 * object) and yaml.
	 * With --field=<name>, only that value.
	 *
	 * @param array  $item   The item.
	 * @param string $format An entry of ITEM_FORMATS.
	 * @param array  $assoc_args Options (--field, --fields).
	 */
	public static function print_item( array $item, string $format, array $assoc_args = array() ): void {
		if ( isset( $assoc_args['field'] ) && is_string( $assoc_args['field'] ) ) {
			if ( ! array_key_exists( $assoc_args['field'], $item ) ) {
				WP_CLI::error( sprintf( 'There is no field "%s".', $assoc_args['field'] ) );
			}
			WP_CLI::line( self::cell( $item[ $assoc_args['field'] ] ) );
			return;
		}
		if ( isset( $assoc_args['fields'] ) ) {
			$item = array_intersect_key( $item, array_flip( self::fields( $assoc_args, array_keys( $item ) ) ) );
		}
		if ( 'json' === $format ) {
			// One object, as `wp post get --format=json` prints one.
			WP_CLI::line( (string) wp_json_encode( $item, DDA_API_Client::JSON_FLAGS ) );
			return;
		}
		if ( 'yaml' === $format ) {
			WP_CLI\Utils\format_items( $format, array( $item ), array_keys( $item ) );
			return;
		}
		$rows = array();
		foreach ( $item as $field => $value ) {
			$rows[] = array(
				'Field' => (string) $field,
				'Value' => self::cell( $value ),
			);
		}
		WP_CLI\Utils\format_items( $format, $rows, array( 'Field', 'Value' ) );
	}

	/**
	 * A value for a table or CSV cell: strings and numbers as they are, true/false, null as
	 * an empty cell, anything else as JSON.
	 *
	 * @param mixed $value The value.
	 */
	public static function cell( $value ): string {
		if ( null === $value ) {
			return '';
		}
		if ( is_bool( $value ) ) {
			return $value ? 'true' : 'false';
		}
		if ( is_scalar( $value ) ) {
			return (string) $value;
		}
		return (string) wp_json_encode( $value, DDA_API_Client::JSON_FLAGS );
	}

	/**
	 * An integer option or argument given as text, or the command ends with an error.
	 *
	 * @param mixed  $value The text.
	 * @param string $name  How to name it in the error.
	 * @param int    $min   Smallest value.
	 * @param int    $max   Largest value.
	 */
	public static function int_arg( $value, string $name, int $min, int $max ): int {
		$text = is_scalar( $value ) ? trim( (string) $value ) : '';
		if ( ! preg_match( '/^-?\d{1,10}\z/', $text ) || (int) $text < $min || (int) $text > $max ) {
			WP_CLI::error( sprintf( '%s must be a whole number from %d to %d.', $name, $min, $max ) );
		}
		return (int) $text;
	}

	/**
	 * Runs an action on several ids: a success line for each that worked, a warning for
	 * each that did not, and at the end an error (exit status 1) if any failed.
	 *
	 * @param string[] $ids    The ids.
	 * @param callable $action fn( string $id ): string|WP_Error — the success message or the error.
	 * @param string   $what   How the summary names the items ("tasks", "runners").
	 */
	public static function each( array $ids, callable $action, string $what ): void {
		if ( ! $ids ) {
			WP_CLI::error( sprintf( 'Name at least one of the %s.', $what ) );
		}
		$failed = 0;
		foreach ( $ids as $id ) {
			$result = $action( (string) $id );
			if ( is_wp_error( $result ) ) {
				++$failed;
				WP_CLI::warning( sprintf( '%s: %s', $id, $result->get_error_message() ) );
			} else {
				WP_CLI::success( (string) $result );
			}
		}
		if ( $failed > 0 ) {
			WP_CLI::error( sprintf( '%d of %d %s failed.', $failed, count( $ids ), $what ) );
		}
	}
}
