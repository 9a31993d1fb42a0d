<?php
/**
 * Functions for other plugins and themes.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Creates tasks on the DDA API server with the plugin's stored settings, in batches of up to
 * 1,000 tasks (`POST /tasks/batch`; a batch is also cut where its body would pass 900 KiB).
 * Each batch is created all or nothing; the function stops at the first batch that fails.
 *
 * It checks no capability: it is meant for code (a cron job, a form handler that checks its
 * own permissions), not for requests. Example:
 *
 *     $ids = dda_create_tasks(
 *         array(
 *             array( 'operation_code' => 300, 'params' => array( 'values' => array( 1, 2, 3 ) ) ),
 *             array( 'operation_code' => 100, 'params' => array(), 'priority' => 10 ),
 *         )
 *     );
 *     if ( is_wp_error( $ids ) ) {
 *         $created = $ids->get_error_data()['created']; // Tasks created before the failure.
 *     }
 *
 * @param array  $specs           The tasks, in order. Each an array with `operation_code`
 *                                (int, 1…999999), `params` (an associative array or an object,
 *                                sent as a JSON object; optional, default {}) and `priority`
 *                                (int, −100…100; optional, default 0). Nothing else.
 * @param string $idempotency_key Optional, at most 100 printable ASCII characters. Batch i is
 *                                sent with the Idempotency-Key "{$idempotency_key}-{i}", so
 *                                calling again with the same specs and the same key (within
 *                                24 hours) creates nothing twice: the batches created the
 *                                first time answer their ids again. '' (the default) uses a
 *                                new random key for this call.
 * @return string[]|WP_Error The task ids, in the order of $specs (array() for no specs). Or
 *                           the error: `dda_invalid_task_spec` for a bad spec (its message
 *                           names it, e.g. "tasks[3].operation_code"; nothing was sent), or
 *                           the API client's error of the batch that failed. Its data has
 *                           `created` (how many tasks were created before it), `task_ids`
 *                           (their ids), `batch` (the failed batch's index, from 0),
 *                           `batches` and `first_index` (the index in $specs of the failed
 *                           batch's first task).
 */
function dda_create_tasks( array $specs, string $idempotency_key = '' ) {
	if ( ! $specs ) {
		return array();
	}
	if ( '' === $idempotency_key ) {
		$idempotency_key = DDA_Task_Batches::new_upload_id();
	} elseif ( ! preg_match( '/^[\x21-\x7e]{1,' . DDA_Task_Batches::MAX_PREFIX_LENGTH . '}\z/', $idempotency_key ) ) {
		return new WP_Error(
			'dda_invalid_task_spec',
			__( 'The idempotency key must be 1 to 100 printable ASCII characters without spaces. Nothing was sent to the API server.', 'distributed-data-analysis' ),
			array(
				'status'   => 400,
				'created'  => 0,
				'task_ids' => array(),
			)
		);
	}
	return DDA_Task_Batches::create( $specs, $idempotency_key );
}

/**
 * Creates one task on the DDA API server with the plugin's stored settings (`POST /task`) and
 * fires `dda_task_created`. Everything is checked before anything is sent.
 *
 * It checks no capability: it is meant for code, not for requests (see dda_create_tasks()).
 * Example:
 *
 *     $task = dda_create_task( 300, array( 'values' => array( 1, 2, 3 ) ), array( 'priority' => 10, 'delay_seconds' => 60 ) );
 *     if ( is_wp_error( $task ) ) {
 *         return $task->get_error_message();
 *     }
 *     $id = $task['task_id'];
 *
 * @param int          $operation_code 1…999999 (an int: a numeric string or a float is refused).
 * @param array|object $params         The parameters, sent as a JSON object: an associative
 *                                     array or an object (array() and new stdClass() are {}).
 * @param array        $args           Optional:
 *                                     - `priority` (int −100…100, default 0; higher runs first);
 *                                     - `run_at`: when the task may run at the earliest: a Unix
 *                                       timestamp (int), a DateTimeInterface, or an RFC 3339
 *                                       string with a time zone ("2026-12-01T08:00:00+01:00");
 *                                       sent as UTC RFC 3339;
 *                                     - `delay_seconds` (int 0…31,536,000; not with `run_at`);
 *                                     - `max_attempts` (int 1…100, the server's default 3);
 *                                     - `timeout_seconds` (int 1…86,400, the lease; default 300);
 *                                     - `idempotency_key` (1…128 printable ASCII characters, no
 *                                       spaces): the same key again within 24 hours answers the
 *                                       first task and creates nothing.
 *                                     Other keys are refused.
 * @return array|WP_Error The API's answer, `array{task_id: string, status: string, message: string}`,
 *                        or a WP_Error: `dda_invalid_task_spec` (data `status` 400; the message
 *                        names the argument; nothing was sent), or the API client's error
 *                        (`dda_not_configured`, `dda_unreachable`, `dda_invalid`, …).
 */
function dda_create_task( $operation_code, $params = array(), array $args = array() ) {
	$invalid = static function ( string $message ): WP_Error {
		return new WP_Error( 'dda_invalid_task_spec', $message . ' ' . __( 'Nothing was sent to the API server.', 'distributed-data-analysis' ), array( 'status' => 400 ) );
	};
	$allowed = array( 'priority', 'run_at', 'delay_seconds', 'max_attempts', 'timeout_seconds', 'idempotency_key' );
	$unknown = array_diff( array_map( 'strval', array_keys( $args ) ), $allowed );
	if ( $unknown ) {
		/* translators: 1: an argument name, 2: the allowed names. */
		return $invalid( sprintf( __( 'Unknown argument "%1$s" (allowed: %2$s).', 'distributed-data-analysis' ), reset( $unknown ), implode( ', ', $allowed ) ) );
	}
	$spec = DDA_Task_Batches::normalize(
		array(
			array(
				'operation_code' => $operation_code,
				'params'         => $params,
				'priority'       => $args['priority'] ?? 0,
			),
		),
		'task'
	);
	if ( is_wp_error( $spec ) ) {
		// "task[0].params must be …" names a list item; this is one task.
		return $invalid( str_replace( 'task[0].', '', $spec->get_error_message() ) );
	}
	$spec  = $spec[0];
	$extra = array();
	$ints  = array(
		'delay_seconds'   => array( 0, 31536000 ),
		'max_attempts'    => array( 1, 100 ),
		'timeout_seconds' => array( 1, 86400 ),
	);
	foreach ( $ints as $name => $range ) {
		if ( ! array_key_exists( $name, $args ) ) {
			continue;
		}
		if ( ! is_int( $args[ $name ] ) || $args[ $name ] < $range[0] || $args[ $name ] > $range[1] ) {
			/* translators: 1: an argument name, 2: the smallest value, 3: the largest value. */
			return $invalid( sprintf( __( '%1$s must be an integer from %2$d to %3$d.', 'distributed-data-analysis' ), $name, $range[0], $range[1] ) );
		}
		$extra[ $name ] = $args[ $name ];
	}
	if ( array_key_exists( 'run_at', $args ) ) {
		if ( array_key_exists( 'delay_seconds', $args ) ) {
			return $invalid( __( 'Give run_at or delay_seconds, not both.', 'distributed-data-analysis' ) );
		}
		$run_at = dda_rfc3339_utc( $args['run_at'] );
		if ( null === $run_at ) {
			return $invalid( __( 'run_at must be a Unix timestamp, a DateTimeInterface or an RFC 3339 date and time with a time zone, such as 2026-12-01T08:00:00Z.', 'distributed-data-analysis' ) );
		}
		$extra['run_at'] = $run_at;
	}
	if ( array_key_exists( 'idempotency_key', $args ) ) {
		$key = $args['idempotency_key'];
		if ( ! is_string( $key ) || ! preg_match( '/^[\x21-\x7e]{1,' . DDA_Task_Batches::MAX_KEY_LENGTH . '}\z/', $key ) ) {
			return $invalid( __( 'idempotency_key must be 1 to 128 printable ASCII characters without spaces.', 'distributed-data-analysis' ) );
		}
		$extra['idempotency_key'] = $key;
	}
	// The client takes params as an object: an associative array becomes one (nested
	// arrays stay as they are: wp_json_encode() sends them as the JSON they are).
	$object = is_array( $spec['params'] ) ? (object) $spec['params'] : $spec['params'];
	return ( new DDA_API_Client() )->create_task( $spec['operation_code'], $object, $spec['priority'], $extra );
}

/**
 * Reads one task from the DDA API server (`GET /task/{id}`) with the plugin's stored settings.
 * It checks no capability (see dda_create_tasks()).
 *
 * @param string $task_id The task id (a UUID, as dda_create_task() answers it).
 * @return array|WP_Error The task object of the API (`task_id`, `operation_code`, `params`,
 *                        `status`, `priority`, `attempts`, `max_attempts`, `runner_id`,
 *                        `created_at`, `available_at`, `started_at`, `completed_at`,
 *                        `progress`, `result_data`, `error`, `events`, …), or a WP_Error:
 *                        `dda_invalid_task_id` (not a UUID; nothing was sent), `dda_not_found`
 *                        (unknown, or removed after the retention period), or another error
 *                        of the API client.
 */
function dda_get_task( $task_id ) {
	$id   = is_string( $task_id ) ? strtolower( trim( $task_id ) ) : '';
	$task = ( new DDA_API_Client() )->get_task( $id );
	if ( ! is_wp_error( $task ) && ( ! is_array( $task ) || ! isset( $task['task_id'] ) ) ) {
		return new WP_Error(
			'dda_bad_response',
			__( 'The API server sent an answer the plugin does not understand. Are the plugin and dda-server versions compatible?', 'distributed-data-analysis' ),
			array( 'status' => 502 )
		);
	}
	return $task;
}

/**
 * A time as the API takes `run_at`: RFC 3339 in UTC ("2026-12-01T07:00:00Z").
 *
 * @param mixed $value A Unix timestamp (int), a DateTimeInterface, or an RFC 3339 string with
 *                     a time zone (Z or ±hh:mm; fractions of a second are dropped).
 * @return string|null Null when it is none of these.
 */
function dda_rfc3339_utc( $value ): ?string {
	if ( is_int( $value ) ) {
		return gmdate( 'Y-m-d\TH:i:s\Z', $value );
	}
	if ( $value instanceof DateTimeInterface ) {
		return gmdate( 'Y-m-d\TH:i:s\Z', $value->getTimestamp() );
	}
	if ( ! is_string( $value ) || ! preg_match( '/^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})\z/', $value, $m ) ) {
		return null;
	}
	$zone = 'z' === strtolower( $m[3] ) ? '+00:00' : $m[3];
	$time = DateTimeImmutable::createFromFormat( '!Y-m-d H:i:sP', $m[1] . ' ' . $m[2] . $zone );
	$errs = DateTimeImmutable::getLastErrors();
	if ( false === $time || ( is_array( $errs ) && ( $errs['warning_count'] > 0 || $errs['error_count'] > 0 ) ) ) {
		return null; // Such as 2026-02-30: PHP would roll it over into March.
	}
	return gmdate( 'Y-m-d\TH:i:s\Z', $time->getTimestamp() );
}
