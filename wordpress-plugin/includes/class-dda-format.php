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

	/** Runner states of the API. */
	public const RUNNER_STATES = array( 'idle', 'busy', 'offline' );

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
	 * "100 — raw data", or just the number for codes without a label.
	 *
	 * @param mixed $code The operation code.
	 */
	public static function operation_label( $code ): string {
		$code       = (int) $code;
		$operations = self::operations();
		if ( isset( $operations[ $code ] ) ) {
			/* translators: 1: operation code, 2: operation name. */
			return sprintf( __( '%1$d — %2$s', 'distributed-data-analysis' ), $code, $operations[ $code ] );
		}
		return (string) $code;
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
