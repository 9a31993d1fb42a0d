<?php
/**
 * A stand-in for the parts of WP-CLI the plugin's commands use, for machines without
 * wp-cli (it is packaged neither for Debian nor on PyPI, the registries this project's
 * machines reach). The class WP_CLI records what the commands say and register; where
 * WP-CLI would exit (error(), a declined confirm()) it throws DDA_Test_CLI_Exit with the
 * exit status as its code. WP_CLI\Utils\format_items() records its arguments; with
 * WP_CLI::$print on (tests/phpunit/cli-harness.php) everything is printed as WP-CLI would
 * roughly print it: messages to STDOUT, warnings and errors to STDERR, json as JSON, csv as
 * CSV, table as tab-separated rows.
 *
 * Loaded only where no real WP-CLI is: it declares nothing that exists already.
 *
 * @package DistributedDataAnalysis
 */

namespace {

	require_once __DIR__ . '/class-dda-test-cli-exit.php';

	if ( ! class_exists( 'WP_CLI' ) ) {
		/**
		 * The static API of WP-CLI that the commands call.
		 */
		class WP_CLI {

			/**
			 * Whether to print (the harness) instead of only recording (PHPUnit).
			 *
			 * @var bool
			 */
			public static bool $print = false;

			/**
			 * Registered commands: name => callable.
			 *
			 * @var array
			 */
			public static array $commands = array();

			/**
			 * What was said, in order: `array{0: string type, 1: string message}` each.
			 *
			 * @var array
			 */
			public static array $said = array();

			/**
			 * The calls of format_items(): `array{format, items, fields}` each.
			 *
			 * @var array
			 */
			public static array $formatted = array();

			/**
			 * Forgets what was said and formatted.
			 */
			public static function reset(): void {
				self::$said      = array();
				self::$formatted = array();
			}

			/**
			 * @param string $name     The command, such as "dda task".
			 * @param mixed  $callable A class name or a callable.
			 * @param array  $args     Registration arguments.
			 */
			public static function add_command( $name, $callable, $args = array() ): bool {
				self::$commands[ $name ] = $callable;
				return true;
			}

			/**
			 * @param string $message The message.
			 */
			public static function line( $message = '' ): void {
				self::say( 'line', (string) $message, '' );
			}

			/**
			 * @param string $message The message.
			 */
			public static function log( $message ): void {
				self::say( 'log', (string) $message, '' );
			}

			/**
			 * @param string $message The message.
			 */
			public static function success( $message ): void {
				self::say( 'success', (string) $message, 'Success: ' );
			}

			/**
			 * @param string $message The message.
			 */
			public static function warning( $message ): void {
				self::say( 'warning', (string) $message, 'Warning: ' );
			}

			/**
			 * Ends the command with status 1 (here: throws).
			 *
			 * @param string|WP_Error $message The message.
			 * @param bool            $exit    Whether to exit (always, here).
			 * @throws DDA_Test_CLI_Exit Always.
			 */
			public static function error( $message, $exit = true ): void {
				$text = is_wp_error( $message ) ? $message->get_error_message() : (string) $message;
				self::say( 'error', $text, 'Error: ' );
				throw new DDA_Test_CLI_Exit( $text, 1 );
			}

			/**
			 * Goes on with --yes; otherwise as if the user answered no (WP-CLI exits 0).
			 *
			 * @param string $question   The question.
			 * @param array  $assoc_args The command's options.
			 * @throws DDA_Test_CLI_Exit Without --yes.
			 */
			public static function confirm( $question, $assoc_args = array() ): void {
				self::$said[] = array( 'confirm', (string) $question );
				if ( empty( $assoc_args['yes'] ) ) {
					throw new DDA_Test_CLI_Exit( 'declined: ' . $question, 0 );
				}
			}

			/**
			 * Records a message (and prints it in print mode).
			 *
			 * @param string $type    line, log, success, warning or error.
			 * @param string $message The message.
			 * @param string $prefix  What WP-CLI prints before it.
			 */
			private static function say( string $type, string $message, string $prefix ): void {
				self::$said[] = array( $type, $message );
				if ( self::$print ) {
					fwrite( in_array( $type, array( 'warning', 'error' ), true ) ? STDERR : STDOUT, $prefix . $message . "\n" );
				}
			}
		}
	}
}

namespace WP_CLI\Utils {

	if ( ! function_exists( 'WP_CLI\Utils\format_items' ) ) {
		/**
		 * Records (and in print mode prints) a list of items in a format.
		 *
		 * @param string $format table, csv, json, yaml, ids or count.
		 * @param array  $items  The items (arrays).
		 * @param array  $fields The columns.
		 */
		function format_items( $format, $items, $fields ) {
			\WP_CLI::$formatted[] = array(
				'format' => $format,
				'items'  => $items,
				'fields' => $fields,
			);
			if ( ! \WP_CLI::$print ) {
				return;
			}
			$rows = array();
			foreach ( $items as $item ) {
				$row = array();
				foreach ( $fields as $field ) {
					$row[ $field ] = $item[ $field ] ?? null;
				}
				$rows[] = $row;
			}
			if ( 'json' === $format || 'yaml' === $format ) {
				fwrite( STDOUT, json_encode( $rows ) . "\n" );
				return;
			}
			if ( 'csv' === $format ) {
				fputcsv( STDOUT, $fields );
				foreach ( $rows as $row ) {
					fputcsv( STDOUT, array_map( 'strval', $row ) );
				}
				return;
			}
			fwrite( STDOUT, implode( "\t", $fields ) . "\n" );
			foreach ( $rows as $row ) {
				fwrite( STDOUT, implode( "\t", array_map( 'strval', $row ) ) . "\n" );
			}
		}
	}
}
