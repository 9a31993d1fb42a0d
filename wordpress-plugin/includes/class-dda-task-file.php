<?php
/**
 * Reads a file of task parameters: CSV with a header row, or JSON Lines.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Turns the text of an uploaded file into one params object per task, each with the line
 * it starts on. js/admin.js reads files in the browser by the same rules (so the preview
 * shows what PHP would make of the file); this class serves the form posted without
 * JavaScript and the tests.
 *
 * - The text must be UTF-8; a byte order mark at the start is ignored; lines end with LF,
 *   CRLF or CR.
 * - **JSON Lines**: every line that is not blank is one JSON object, the params of one task.
 * - **CSV** (comma-separated, RFC 4180 quoting: a cell in double quotes may hold commas,
 *   line breaks and "" for a quote): the first row names the params keys; every further row
 *   is a task. A cell that is a JSON number, `true`, `false` or `null`, or a JSON array or
 *   object, is taken as that JSON value; any other cell is a string, exactly as written
 *   (whole numbers beyond ±9007199254740991 stay strings, so no digit is lost). Rows whose
 *   cells are all empty are skipped.
 * - Problems are reported with their line number; up to MAX_ERRORS of them at once.
 */
final class DDA_Task_File {

	/** Default for the filter `dda_task_file_max_rows`: most tasks in one file. */
	public const DEFAULT_MAX_ROWS = 100000;

	/** Default for the filter `dda_task_file_max_bytes`: largest file (64 MiB). */
	public const DEFAULT_MAX_BYTES = 67108864;

	/** How many problems one report lists. */
	public const MAX_ERRORS = 10;

	/** Largest whole number kept as a number (2^53 − 1, the largest exact in JavaScript). */
	private const MAX_SAFE_INTEGER = 9007199254740991;

	/** The characters JSON counts as whitespace. */
	private const JSON_SPACE = " \t\n\r";

	/**
	 * Most tasks in one file: 100,000 unless the filter `dda_task_file_max_rows` says otherwise.
	 */
	public static function max_rows(): int {
		/**
		 * Filters the most tasks one uploaded file may create.
		 *
		 * @param int $max_rows Default 100000.
		 */
		return max( 1, (int) apply_filters( 'dda_task_file_max_rows', self::DEFAULT_MAX_ROWS ) );
	}

	/**
	 * Largest file in bytes: 64 MiB unless the filter `dda_task_file_max_bytes` says otherwise.
	 * (A file posted without JavaScript is also limited by PHP's upload_max_filesize.)
	 */
	public static function max_bytes(): int {
		/**
		 * Filters the size in bytes of the largest file the tasks screen reads.
		 *
		 * @param int $max_bytes Default 67108864 (64 MiB).
		 */
		return max( 1, (int) apply_filters( 'dda_task_file_max_bytes', self::DEFAULT_MAX_BYTES ) );
	}

	/**
	 * The format a file is read in: `csv` or `jsonl`. `auto` decides by the file name
	 * (.csv; .jsonl, .ndjson, .json), else by the content (a first character `{` is JSON Lines).
	 *
	 * @param string $format `auto`, `csv` or `jsonl`.
	 * @param string $name   The file's name.
	 * @param string $text   The file's text.
	 */
	public static function detect_format( string $format, string $name, string $text ): string {
		if ( 'csv' === $format || 'jsonl' === $format ) {
			return $format;
		}
		$extension = strtolower( (string) pathinfo( $name, PATHINFO_EXTENSION ) );
		if ( 'csv' === $extension ) {
			return 'csv';
		}
		if ( in_array( $extension, array( 'jsonl', 'ndjson', 'json' ), true ) ) {
			return 'jsonl';
		}
		$start = ltrim( self::strip_bom( $text ), self::JSON_SPACE );
		return '' !== $start && '{' === $start[0] ? 'jsonl' : 'csv';
	}

	/**
	 * Reads a file's text.
	 *
	 * @param string $text   The file's content.
	 * @param string $format `csv` or `jsonl`.
	 * @return array|WP_Error The tasks' params in file order, `array{line: int, params: stdClass}`
	 *                        each; or `dda_file_invalid` whose message lists the problems by
	 *                        line (data: `status` 400, `errors`: `array{line: int, message: string}[]`).
	 */
	public static function parse( string $text, string $format ) {
		if ( strlen( $text ) > self::max_bytes() ) {
			return self::failure(
				array(
					self::problem(
						0,
						/* translators: %s: a size such as "64 MB". */
						sprintf( __( 'The file is larger than %s.', 'distributed-data-analysis' ), size_format( self::max_bytes() ) )
					),
				)
			);
		}
		if ( ! preg_match( '//u', $text ) ) {
			return self::failure( array( self::problem( 0, __( 'The file is not UTF-8 text. Save it as UTF-8 and try again.', 'distributed-data-analysis' ) ) ) );
		}
		$text   = self::strip_bom( $text );
		$result = 'jsonl' === $format ? self::parse_jsonl( $text ) : self::parse_csv( $text );
		if ( is_wp_error( $result ) ) {
			return $result;
		}
		if ( ! $result ) {
			return self::failure( array( self::problem( 0, __( 'The file has no tasks: it is empty, or has only a header row or empty lines.', 'distributed-data-analysis' ) ) ) );
		}
		return $result;
	}

	/**
	 * JSON Lines: one JSON object per line.
	 *
	 * @param string $text UTF-8 text without BOM.
	 * @return array|WP_Error
	 */
	private static function parse_jsonl( string $text ) {
		$rows   = array();
		$errors = array();
		$lines  = preg_split( '/\r\n|\n|\r/', $text );
		$limit  = self::max_rows();
		foreach ( $lines as $offset => $line ) {
			$number = $offset + 1;
			$line   = trim( $line, self::JSON_SPACE );
			if ( '' === $line ) {
				continue;
			}
			// json_decode()'s depth counts the values inside the deepest array or object too.
			$value = json_decode( $line, false, DDA_Task_Batches::MAX_PARAMS_DEPTH + 1 );
			if ( JSON_ERROR_NONE !== json_last_error() ) {
				$message = JSON_ERROR_DEPTH === json_last_error()
					/* translators: %d: the most levels of nesting. */
					? sprintf( __( 'the JSON is nested deeper than %d levels.', 'distributed-data-analysis' ), DDA_Task_Batches::MAX_PARAMS_DEPTH )
					/* translators: %s: the JSON parser's error message. */
					: sprintf( __( 'not valid JSON (%s).', 'distributed-data-analysis' ), json_last_error_msg() );
				if ( 1 === $number && '[' === $line ) {
					$message .= ' ' . __( 'JSON Lines has one object per line; this looks like a JSON array.', 'distributed-data-analysis' );
				}
				$errors[] = self::problem( $number, $message );
			} elseif ( ! $value instanceof stdClass ) {
				$errors[] = self::problem( $number, __( 'not a JSON object. Each line must be an object such as {"values": [1, 2, 3]}.', 'distributed-data-analysis' ) );
			} else {
				$too_large = self::too_large( $value );
				if ( '' !== $too_large ) {
					$errors[] = self::problem( $number, $too_large );
				} else {
					$rows[] = array(
						'line'   => $number,
						'params' => $value,
					);
				}
			}
			if ( count( $errors ) >= self::MAX_ERRORS ) {
				break;
			}
			if ( count( $rows ) > $limit ) {
				return self::failure( array( self::too_many_rows( $limit ) ) );
			}
		}
		return $errors ? self::failure( $errors ) : $rows;
	}

	/**
	 * CSV with a header row.
	 *
	 * @param string $text UTF-8 text without BOM.
	 * @return array|WP_Error
	 */
	private static function parse_csv( string $text ) {
		$records = self::csv_records( $text );
		if ( is_wp_error( $records ) ) {
			return $records;
		}
		$header = null;
		$rows   = array();
		$errors = array();
		$limit  = self::max_rows();
		foreach ( $records as $record ) {
			$cells = $record['cells'];
			if ( '' === implode( '', $cells ) ) {
				continue; // An empty line, or a row of empty cells.
			}
			if ( null === $header ) {
				$header = self::csv_header( $cells, $record['line'] );
				if ( is_wp_error( $header ) ) {
					return $header;
				}
				continue;
			}
			if ( count( $cells ) !== count( $header ) ) {
				$errors[] = self::problem(
					$record['line'],
					sprintf(
						/* translators: 1: number of cells in the row, 2: number of columns in the header. */
						_n( '%1$d cell, but the header row has %2$d columns.', '%1$d cells, but the header row has %2$d columns.', count( $cells ), 'distributed-data-analysis' ),
						count( $cells ),
						count( $header )
					)
				);
			} else {
				$params = new stdClass();
				foreach ( $header as $column => $name ) {
					$params->{$name} = self::typed_cell( $cells[ $column ] );
				}
				$too_large = self::too_large( $params );
				if ( '' !== $too_large ) {
					$errors[] = self::problem( $record['line'], $too_large );
				} else {
					$rows[] = array(
						'line'   => $record['line'],
						'params' => $params,
					);
				}
			}
			if ( count( $errors ) >= self::MAX_ERRORS ) {
				break;
			}
			if ( count( $rows ) > $limit ) {
				return self::failure( array( self::too_many_rows( $limit ) ) );
			}
		}
		return $errors ? self::failure( $errors ) : $rows;
	}

	/**
	 * The column names of the header row: each trimmed, not empty, not repeated.
	 *
	 * @param string[] $cells The header's cells.
	 * @param int      $line  Its line number.
	 * @return string[]|WP_Error
	 */
	private static function csv_header( array $cells, int $line ) {
		$names  = array();
		$errors = array();
		foreach ( $cells as $index => $cell ) {
			$name = trim( $cell );
			if ( '' === $name ) {
				/* translators: %d: a column number, from 1. */
				$errors[] = self::problem( $line, sprintf( __( 'column %d of the header row has no name. The header row names the parameters.', 'distributed-data-analysis' ), $index + 1 ) );
			} elseif ( in_array( $name, $names, true ) ) {
				/* translators: %s: a column name. */
				$errors[] = self::problem( $line, sprintf( __( 'the column name "%s" appears twice in the header row.', 'distributed-data-analysis' ), $name ) );
			}
			$names[] = $name;
		}
		return $errors ? self::failure( array_slice( $errors, 0, self::MAX_ERRORS ) ) : $names;
	}

	/**
	 * Splits CSV text into records (RFC 4180: comma, double quotes, "" inside quotes; a
	 * quoted cell may span lines). A quote inside an unquoted cell is an ordinary character.
	 *
	 * @param string $text The text.
	 * @return array|WP_Error `array{line: int, cells: string[]}[]`, the line each record starts on.
	 */
	private static function csv_records( string $text ) {
		$records = array();
		$length  = strlen( $text );
		$pos     = 0;
		$line    = 1;
		$start   = 1;
		$cells   = array();
		while ( $pos < $length ) {
			if ( '"' === $text[ $pos ] ) {
				$opened = $line;
				$value  = '';
				++$pos;
				while ( true ) {
					$quote = strpos( $text, '"', $pos );
					if ( false === $quote ) {
						return self::failure(
							array(
								self::problem( $opened, __( 'a quoted cell is not closed: a double quote (") is missing. Inside a quoted cell, write a quote as "".', 'distributed-data-analysis' ) ),
							)
						);
					}
					$part   = substr( $text, $pos, $quote - $pos );
					$line  += self::count_line_breaks( $part );
					$value .= $part;
					if ( $quote + 1 < $length && '"' === $text[ $quote + 1 ] ) {
						$value .= '"';
						$pos    = $quote + 2;
						continue;
					}
					$pos = $quote + 1;
					break;
				}
				if ( $pos < $length && false === strpos( ",\r\n", $text[ $pos ] ) ) {
					return self::failure(
						array(
							self::problem( $line, __( 'text follows the closing quote of a cell. Inside a quoted cell, write a quote as "".', 'distributed-data-analysis' ) ),
						)
					);
				}
				$cells[] = $value;
			} else {
				$span    = strcspn( $text, ",\r\n", $pos );
				$cells[] = substr( $text, $pos, $span );
				$pos    += $span;
			}
			if ( $pos >= $length ) {
				break;
			}
			if ( ',' === $text[ $pos ] ) {
				++$pos;
				if ( $pos >= $length ) {
					$cells[] = ''; // "a,b," at the very end: the last cell is empty.
				}
				continue;
			}
			// A line break ends the record.
			$pos      += ( "\r" === $text[ $pos ] && $pos + 1 < $length && "\n" === $text[ $pos + 1 ] ) ? 2 : 1;
			$records[] = array(
				'line'  => $start,
				'cells' => $cells,
			);
			$cells     = array();
			++$line;
			$start = $line;
		}
		if ( $cells ) {
			$records[] = array(
				'line'  => $start,
				'cells' => $cells,
			);
		}
		return $records;
	}

	/**
	 * Line breaks in a piece of text: CRLF, LF and CR each count once.
	 *
	 * @param string $text The text.
	 */
	private static function count_line_breaks( string $text ): int {
		return substr_count( $text, "\n" ) + substr_count( $text, "\r" ) - substr_count( $text, "\r\n" );
	}

	/**
	 * The JSON value of a CSV cell: a JSON number, `true`, `false`, `null`, array or object
	 * (whitespace around it allowed) becomes that value; anything else stays the string it is.
	 * Whole numbers beyond ±(2^53 − 1) and numbers too large for a double stay strings.
	 *
	 * @param string $cell The cell's text (quotes already removed).
	 * @return mixed
	 */
	public static function typed_cell( string $cell ) {
		$text = trim( $cell, self::JSON_SPACE );
		if ( 'true' === $text ) {
			return true;
		}
		if ( 'false' === $text ) {
			return false;
		}
		if ( 'null' === $text ) {
			return null;
		}
		if ( preg_match( '/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z/', $text ) ) {
			$number = (float) $text;
			if ( ! is_finite( $number ) ) {
				return $cell;
			}
			if ( false === strpbrk( $text, '.eE' ) ) {
				return abs( $number ) > self::MAX_SAFE_INTEGER ? $cell : (int) $text;
			}
			return $number;
		}
		if ( '' !== $text && ( '[' === $text[0] || '{' === $text[0] ) ) {
			// A cell sits one level inside the params object (json_decode()'s depth counts
			// the values inside the deepest array or object too: MAX_PARAMS_DEPTH - 1 + 1).
			$value = json_decode( $text, false, DDA_Task_Batches::MAX_PARAMS_DEPTH );
			if ( JSON_ERROR_NONE === json_last_error() ) {
				return $value;
			}
		}
		return $cell;
	}

	/**
	 * '' when the params fit one task, else the message.
	 *
	 * @param stdClass $params The params.
	 */
	private static function too_large( stdClass $params ): string {
		$json = wp_json_encode( $params, DDA_API_Client::JSON_FLAGS, DDA_Task_Batches::MAX_PARAMS_DEPTH );
		if ( false === $json ) {
			return __( 'the parameters cannot be sent as JSON (a number is too large).', 'distributed-data-analysis' );
		}
		if ( strlen( $json ) > DDA_Task_Batches::MAX_PARAMS_BYTES ) {
			/* translators: %s: a size such as "899 KB". */
			return sprintf( __( 'the parameters are too large: one task\'s parameters may be at most %s of JSON.', 'distributed-data-analysis' ), size_format( DDA_Task_Batches::MAX_PARAMS_BYTES ) );
		}
		return '';
	}

	/**
	 * The problem for a file with more rows than allowed.
	 *
	 * @param int $limit The limit.
	 */
	private static function too_many_rows( int $limit ): array {
		return self::problem(
			0,
			sprintf(
				/* translators: %s: a number of tasks such as 100,000. */
				__( 'The file has more than %s tasks, the most one file may create. Split it into smaller files.', 'distributed-data-analysis' ),
				number_format_i18n( $limit )
			)
		);
	}

	/**
	 * One problem.
	 *
	 * @param int    $line    Its line (0: the whole file).
	 * @param string $message What is wrong.
	 * @return array{line: int, message: string}
	 */
	private static function problem( int $line, string $message ): array {
		return array(
			'line'    => $line,
			'message' => $message,
		);
	}

	/**
	 * The error for a file with problems; the message lists them.
	 *
	 * @param array $errors `array{line: int, message: string}[]`.
	 */
	private static function failure( array $errors ): WP_Error {
		$parts = array();
		foreach ( $errors as $error ) {
			$parts[] = $error['line'] > 0
				/* translators: 1: a line number, 2: what is wrong on it. */
				? sprintf( __( 'Line %1$d: %2$s', 'distributed-data-analysis' ), $error['line'], $error['message'] )
				: $error['message'];
		}
		return new WP_Error(
			'dda_file_invalid',
			/* translators: %s: the problems, each with its line number. */
			sprintf( __( 'The file was not used, nothing was created. %s', 'distributed-data-analysis' ), implode( ' ', $parts ) ),
			array(
				'status' => 400,
				'errors' => $errors,
			)
		);
	}

	/**
	 * The text without a UTF-8 byte order mark at its start.
	 *
	 * @param string $text The text.
	 */
	private static function strip_bom( string $text ): string {
		return 0 === strncmp( $text, "\xEF\xBB\xBF", 3 ) ? substr( $text, 3 ) : $text;
	}
}
