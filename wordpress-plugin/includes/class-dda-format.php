<?php
/**
 * Labels and formatting shared by the list tables and views.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Pure helpers: they return plain (unescaped) text; callers escape where they print.
 */
final class DDA_Format {

	/** Task statuses of the API, in lifecycle order. */
	public const STATUSES = array( 'pending', 'running', 'completed', 'failed', 'cancelled' );

	/** Runner states of the API, and `paused` (a runner the API reports with `paused: true`). */
	public const RUNNER_STATES = array( 'idle', 'busy', 'offline', 'paused' );

	/**
	 * Names of the operations the API's catalog (`GET /operations`) declares, for codes
	 * without a built-in label; filled by set_catalog().
	 *
	 * @var array<int, string>
	 */
	private static array $catalog_names = array();

	/** A task id as the API issues it: a lower-case UUID v4. */
	public const TASK_ID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

	/** Any UUID, either case: what the plugin's REST routes match before lower-casing. */
	public const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

	/**
	 * The operations built into every runner.
	 *
	 * @return array<int, string> code => label.
	 */
	public static function operations(): array {
		return array(
			100 => __( 'raw data', 'distributed-data-analysis' ),
			200 => __( 'filtered data', 'distributed-data-analysis' ),
			300 => __( 'statistics', 'distributed-data-analysis' ),
		);
	}

	/**
	 * Remembers the names of the API's catalog (`GET /operations`) for operation_label().
	 *
	 * @param array $catalog Catalog entries `{code, name, …}`.
	 */
	public static function set_catalog( array $catalog ): void {
		self::$catalog_names = array();
		foreach ( $catalog as $entry ) {
			if ( is_array( $entry ) && isset( $entry['code'] ) && is_int( $entry['code'] ) && isset( $entry['name'] ) && is_string( $entry['name'] ) && '' !== $entry['name'] ) {
				self::$catalog_names[ $entry['code'] ] = $entry['name'];
			}
		}
	}

	/**
	 * "100 — raw data", "777 — Word count" (a name from the catalog), or just the number for
	 * codes without a name.
	 *
	 * @param mixed $code The operation code.
	 */
	public static function operation_label( $code ): string {
		$code       = (int) $code;
		$operations = self::operations();
		$name       = $operations[ $code ] ?? ( self::$catalog_names[ $code ] ?? '' );
		if ( '' !== $name ) {
			/* translators: 1: operation code, 2: operation name. */
			return sprintf( __( '%1$d — %2$s', 'distributed-data-analysis' ), $code, $name );
		}
		return (string) $code;
	}

	/**
	 * A runner's name from the map runner_id => name, else its id (a runner that is gone or
	 * unknown); '' when there is no runner.
	 *
	 * @param mixed $runner_id A runner id or null.
	 * @param array $names     runner_id => name.
	 */
	public static function runner_label( $runner_id, array $names ): string {
		if ( ! is_string( $runner_id ) || '' === $runner_id ) {
			return '';
		}
		return isset( $names[ $runner_id ] ) && is_string( $names[ $runner_id ] ) && '' !== $names[ $runner_id ] ? $names[ $runner_id ] : $runner_id;
	}

	/**
	 * When a task finished: its `completed_at`, but only for a task that ran (was leased at
	 * least once, `started_at` set). A task cancelled before it started did not finish.
	 *
	 * @param array $task A task object.
	 * @return string|null RFC 3339 or null.
	 */
	public static function finished_at( array $task ): ?string {
		$started  = $task['started_at'] ?? null;
		$finished = $task['completed_at'] ?? null;
		if ( ! is_string( $started ) || '' === $started || ! is_string( $finished ) || '' === $finished ) {
			return null;
		}
		return $finished;
	}

	/**
	 * When a scheduled task becomes available: `available_at` of a pending task when it is
	 * in the future (`run_at`, `delay_seconds` or a retry's backoff), else null.
	 *
	 * @param array $task A task object.
	 * @return string|null RFC 3339 or null.
	 */
	public static function scheduled_at( array $task ): ?string {
		if ( 'pending' !== ( $task['status'] ?? '' ) ) {
			return null;
		}
		$at = $task['available_at'] ?? null;
		$ts = self::timestamp( $at );
		return null !== $ts && $ts > time() ? (string) $at : null;
	}

	/**
	 * The progress a running task reported: percent (0…100) and message, else null.
	 *
	 * @param array $task A task object.
	 * @return array{percent: float, message: string}|null
	 */
	public static function progress( array $task ): ?array {
		$progress = $task['progress'] ?? null;
		if ( 'running' !== ( $task['status'] ?? '' ) || ! is_array( $progress ) || ! isset( $progress['percent'] ) || ! is_numeric( $progress['percent'] ) ) {
			return null;
		}
		return array(
			'percent' => max( 0.0, min( 100.0, (float) $progress['percent'] ) ),
			'message' => isset( $progress['message'] ) && is_string( $progress['message'] ) ? $progress['message'] : '',
		);
	}

	/**
	 * "42%" (whole percents; one decimal below 10).
	 *
	 * @param float $percent 0…100.
	 */
	public static function percent( float $percent ): string {
		/* translators: %s: a number of percent. */
		return sprintf( __( '%s%%', 'distributed-data-analysis' ), number_format_i18n( $percent, $percent < 10 && floor( $percent ) !== $percent ? 1 : 0 ) );
	}

	/**
	 * The site's time zone as people read it: "Europe/Berlin" or "UTC+2".
	 */
	public static function timezone_label(): string {
		$name = wp_timezone_string();
		if ( preg_match( '/^([+-])(\d{2}):(\d{2})$/', $name, $m ) ) {
			if ( '00' === $m[2] && '00' === $m[3] ) {
				return 'UTC';
			}
			return 'UTC' . $m[1] . (int) $m[2] . ( '00' === $m[3] ? '' : ':' . $m[3] );
		}
		return $name;
	}

	/**
	 * A duration in plain words: "3 minutes", "2 hours".
	 *
	 * @param float $seconds Seconds.
	 */
	public static function duration( float $seconds ): string {
		if ( $seconds < 60 ) {
			/* translators: %d: a number of seconds. */
			return sprintf( _n( '%d second', '%d seconds', (int) $seconds, 'distributed-data-analysis' ), (int) $seconds );
		}
		return human_time_diff( 0, (int) $seconds );
	}

	/**
	 * Translated task status.
	 *
	 * @param mixed $status A task status.
	 */
	public static function status_label( $status ): string {
		$labels = array(
			'pending'   => __( 'Pending', 'distributed-data-analysis' ),
			'running'   => __( 'Running', 'distributed-data-analysis' ),
			'completed' => __( 'Completed', 'distributed-data-analysis' ),
			'failed'    => __( 'Failed', 'distributed-data-analysis' ),
			'cancelled' => __( 'Cancelled', 'distributed-data-analysis' ),
		);
		return $labels[ $status ] ?? (string) $status;
	}

	/**
	 * Translated runner state.
	 *
	 * @param mixed $state A runner state.
	 */
	public static function runner_state_label( $state ): string {
		$labels = array(
			'idle'    => __( 'Idle', 'distributed-data-analysis' ),
			'busy'    => __( 'Busy', 'distributed-data-analysis' ),
			'offline' => __( 'Offline', 'distributed-data-analysis' ),
			'paused'  => __( 'Paused', 'distributed-data-analysis' ),
		);
		return $labels[ $state ] ?? (string) $state;
	}

	/**
	 * Translated event name of a task's event log.
	 *
	 * @param mixed $event An event name.
	 */
	public static function event_label( $event ): string {
		$labels = array(
			'created'            => __( 'Created', 'distributed-data-analysis' ),
			'leased'             => __( 'Leased to a runner', 'distributed-data-analysis' ),
			'heartbeat-extended' => __( 'Lease extended', 'distributed-data-analysis' ),
			'lease_expired'      => __( 'Lease expired', 'distributed-data-analysis' ),
			'result'             => __( 'Result received', 'distributed-data-analysis' ),
			'retried'            => __( 'Retried', 'distributed-data-analysis' ),
			'cancelled'          => __( 'Cancelled', 'distributed-data-analysis' ),
			'progress'           => __( 'Progress', 'distributed-data-analysis' ),
			'released'           => __( 'Released (runner removed)', 'distributed-data-analysis' ),
		);
		return $labels[ $event ] ?? (string) $event;
	}

	/**
	 * A CSS-safe status slug for badges.
	 *
	 * @param mixed $status A status or state.
	 */
	public static function slug( $status ): string {
		return sanitize_html_class( (string) $status, 'unknown' );
	}

	/**
	 * The first block of a UUID, for narrow columns.
	 *
	 * @param mixed $id A UUID.
	 */
	public static function short_id( $id ): string {
		return substr( (string) $id, 0, 8 );
	}

	/**
	 * Whether a string looks like a UUID (any case, any version): the loose check of input
	 * from the browser, which is then lower-cased. See is_task_id() for the strict one.
	 *
	 * @param mixed $id A candidate.
	 */
	public static function is_uuid( $id ): bool {
		return is_string( $id ) && (bool) preg_match( '/^' . self::UUID_PATTERN . '\z/', $id );
	}

	/**
	 * Whether a string is a task id as the API issues them: a lower-case UUID v4 (contract:
	 * "IDs are lower-case UUID v4 strings"). Ids that came from the API are checked with this
	 * before they go into a path or URL the plugin builds, so a broken or hostile server
	 * cannot make the plugin call another route (`../runners`) or print a link elsewhere.
	 *
	 * @param mixed $id A candidate.
	 */
	public static function is_task_id( $id ): bool {
		// wp_is_uuid( $id, 4 ) uses the same pattern but ends it with `$`, which also matches
		// before a trailing newline ("…e\n"); `\z` does not.
		return is_string( $id ) && (bool) preg_match( '/^' . self::TASK_ID_PATTERN . '\z/', $id );
	}

	/**
	 * An RFC 3339 time of the API as a local date and time in the site's time zone.
	 *
	 * @param mixed $iso An RFC 3339 string or null.
	 * @return string '' when there is no time.
	 */
	public static function datetime( $iso ): string {
		$ts = self::timestamp( $iso );
		if ( null === $ts ) {
			return '';
		}
		return (string) wp_date( __( 'Y-m-d H:i:s', 'distributed-data-analysis' ), $ts );
	}

	/**
	 * "3 minutes ago".
	 *
	 * @param mixed $iso An RFC 3339 string or null.
	 */
	public static function ago( $iso ): string {
		$ts = self::timestamp( $iso );
		if ( null === $ts ) {
			return '';
		}
		if ( abs( time() - $ts ) < 5 ) {
			return __( 'just now', 'distributed-data-analysis' );
		}
		/* translators: %s: a time span such as "3 minutes". */
		return sprintf( __( '%s ago', 'distributed-data-analysis' ), human_time_diff( $ts, time() ) );
	}

	/**
	 * Unix time of an RFC 3339 string.
	 *
	 * @param mixed $iso An RFC 3339 string or null.
	 */
	public static function timestamp( $iso ): ?int {
		if ( ! is_string( $iso ) || '' === $iso ) {
			return null;
		}
		$ts = strtotime( $iso );
		return false === $ts ? null : $ts;
	}

	/**
	 * A result value as text: strings as they are, anything else as pretty-printed JSON.
	 *
	 * @param mixed $value A decoded JSON value.
	 */
	public static function json_or_text( $value ): string {
		if ( is_string( $value ) ) {
			return $value;
		}
		$json = wp_json_encode( $value, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		return false === $json ? '' : $json;
	}
}
