<?php
/**
 * Many tasks at once: checks task specs, splits them into API batches and creates them.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Shared by the three ways to create many tasks: the REST route the tasks screen sends each
 * part of an uploaded file to, the same form posted without JavaScript, and
 * dda_create_tasks() for other plugins.
 *
 * A batch (`POST /tasks/batch`, contract v1.1) holds 1…MAX_ITEMS tasks and is created all or
 * nothing. Its body must stay below the API's body limit (1 MiB by default), so a batch is
 * also cut where its JSON would pass MAX_BYTES. Every batch carries an `Idempotency-Key`
 * derived from an upload id and the batch's index: sending the same batch again (a retry
 * after a timeout or an error) gets the ids of the first time back and creates nothing.
 */
final class DDA_Task_Batches {

	/** Most tasks in one `POST /tasks/batch` (the contract's limit). */
	public const MAX_ITEMS = 1000;

	/**
	 * Most bytes of one batch's JSON body: 900 KiB, below the API's default body limit of
	 * 1 MiB (and nginx's default client_max_body_size of 1 MiB, for the browser's request to
	 * WordPress, which is a few bytes longer).
	 */
	public const MAX_BYTES = 921600;

	/** Most bytes of one task's params (so a single task always fits a batch). */
	public const MAX_PARAMS_BYTES = self::MAX_BYTES - 1024;

	/**
	 * Deepest nesting of params: the API refuses bodies nested deeper than 64, and a batch
	 * body puts params at the fourth level ({"tasks": [{"params": {…}}]}).
	 */
	public const MAX_PARAMS_DEPTH = 61;

	/** Longest Idempotency-Key the API accepts. */
	public const MAX_KEY_LENGTH = 128;

	/** Longest key prefix: room for "-" and a batch index within MAX_KEY_LENGTH. */
	public const MAX_PREFIX_LENGTH = 100;

	/** The keys a task spec may have. */
	private const SPEC_KEYS = array( 'operation_code', 'params', 'priority' );

	/**
	 * Checks task specs and brings them into the form the API takes.
	 *
	 * A spec is an array (or object) with `operation_code` (int 1…999999), `params` (an
	 * object or associative array; missing means {}) and optionally `priority`
	 * (int −100…100, default 0). Nothing else: a float or a numeric string is not an
	 * integer, a list is not an object, other keys are refused.
	 *
	 * @param array  $specs The specs, in order.
	 * @param string $label How the message names the list ("tasks" gives "tasks[3].priority").
	 * @return array|WP_Error The specs as `array{operation_code: int, params: object|array, priority: int}`
	 *                        with consecutive keys, or the first problem (data: `status` 400, `index`).
	 */
	public static function normalize( array $specs, string $label = 'tasks' ) {
		$clean = array();
		$index = 0;
		foreach ( $specs as $spec ) {
			$item = self::normalize_one( $spec, $label . '[' . $index . ']' );
			if ( is_wp_error( $item ) ) {
				$item->add_data(
					array(
						'status' => 400,
						'index'  => $index,
					)
				);
				return $item;
			}
			$clean[] = $item;
			++$index;
		}
		return $clean;
	}

	/**
	 * One spec of normalize().
	 *
	 * @param mixed  $spec The spec.
	 * @param string $name Its name in messages, e.g. "tasks[3]".
	 * @return array|WP_Error
	 */
	private static function normalize_one( $spec, string $name ) {
		if ( $spec instanceof stdClass ) {
			$spec = get_object_vars( $spec );
		}
		if ( ! is_array( $spec ) ) {
			/* translators: %s: the item's name, such as tasks[3]. */
			return self::invalid( sprintf( __( '%s must be an object with operation_code, params and priority.', 'distributed-data-analysis' ), $name ) );
		}
		$unknown = array_diff( array_map( 'strval', array_keys( $spec ) ), self::SPEC_KEYS );
		if ( $unknown ) {
			return self::invalid(
				/* translators: 1: the item's name, such as tasks[3], 2: a key. */
				sprintf( __( '%1$s has an unknown key "%2$s" (allowed: operation_code, params, priority).', 'distributed-data-analysis' ), $name, reset( $unknown ) )
			);
		}
		$code = $spec['operation_code'] ?? null;
		if ( ! is_int( $code ) || $code < 1 || $code > 999999 ) {
			/* translators: %s: the item's name, such as tasks[3]. */
			return self::invalid( sprintf( __( '%s.operation_code must be an integer from 1 to 999999.', 'distributed-data-analysis' ), $name ) );
		}
		$priority = $spec['priority'] ?? 0;
		if ( ! is_int( $priority ) || $priority < -100 || $priority > 100 ) {
			/* translators: %s: the item's name, such as tasks[3]. */
			return self::invalid( sprintf( __( '%s.priority must be an integer from -100 to 100.', 'distributed-data-analysis' ), $name ) );
		}
		$params = array_key_exists( 'params', $spec ) ? $spec['params'] : new stdClass();
		if ( array() === $params ) {
			$params = new stdClass(); // An empty PHP array would be sent as [].
		}
		$json = is_array( $params ) || is_object( $params ) ? wp_json_encode( $params, DDA_API_Client::JSON_FLAGS, self::MAX_PARAMS_DEPTH ) : false;
		if ( false === $json || '{' !== $json[0] ) {
			return self::invalid(
				/* translators: %s: the item's name, such as tasks[3]. */
				sprintf( __( '%s.params must be a JSON object (an object or an associative array), not a list or a single value, with finite numbers and at most 61 levels of nesting.', 'distributed-data-analysis' ), $name )
			);
		}
		if ( strlen( $json ) > self::MAX_PARAMS_BYTES ) {
			return self::invalid(
				/* translators: 1: the item's name, such as tasks[3], 2: a size such as "899 KB". */
				sprintf( __( '%1$s.params is too large: one task\'s parameters may be at most %2$s of JSON.', 'distributed-data-analysis' ), $name, size_format( self::MAX_PARAMS_BYTES ) )
			);
		}
		return array(
			'operation_code' => $code,
			'params'         => $params,
			'priority'       => $priority,
		);
	}

	/**
	 * A validation error (nothing was sent).
	 *
	 * @param string $message What is wrong.
	 */
	private static function invalid( string $message ): WP_Error {
		return new WP_Error( 'dda_invalid_task_spec', $message, array( 'status' => 400 ) );
	}

	/**
	 * Splits normalized specs into batches of at most $max_items tasks whose JSON body
	 * (`{"tasks":[…]}`, encoded as the API client sends it) has at most $max_bytes.
	 *
	 * @param array $specs     Normalized specs (normalize()).
	 * @param int   $max_items Most tasks per batch.
	 * @param int   $max_bytes Most bytes per batch body.
	 * @return array<int, array> The batches, in order; each a list of specs.
	 */
	public static function chunk( array $specs, int $max_items = self::MAX_ITEMS, int $max_bytes = self::MAX_BYTES ): array {
		$batches = array();
		$current = array();
		$bytes   = strlen( '{"tasks":[]}' );
		foreach ( $specs as $spec ) {
			$size = strlen( (string) wp_json_encode( $spec, DDA_API_Client::JSON_FLAGS ) );
			// One task more: its JSON and the comma before it. A task that alone exceeds the
			// limit (normalize() refuses those) still goes into a batch of its own.
			if ( $current && ( count( $current ) >= $max_items || $bytes + 1 + $size > $max_bytes ) ) {
				$batches[] = $current;
				$current   = array();
				$bytes     = strlen( '{"tasks":[]}' );
			}
			$bytes    += ( $current ? 1 : 0 ) + $size;
			$current[] = $spec;
		}
		if ( $current ) {
			$batches[] = $current;
		}
		return $batches;
	}

	/**
	 * The Idempotency-Key of one batch: the upload's key prefix and the batch's index.
	 *
	 * @param string $prefix The upload's prefix (new_upload_id(), or a caller's key).
	 * @param int    $batch  The batch's index, from 0.
	 */
	public static function idempotency_key( string $prefix, int $batch ): string {
		return $prefix . '-' . $batch;
	}

	/**
	 * Creates the tasks, batch after batch, and stops at the first batch that fails.
	 *
	 * @param array  $specs     Task specs (checked here with normalize(); messages name them
	 *                          "tasks[3]", by position).
	 * @param string $upload_id Prefix of the Idempotency-Keys (at most MAX_PREFIX_LENGTH
	 *                          characters): batch i is sent with idempotency_key( $upload_id, i ).
	 *                          The same specs sent again with the same prefix create nothing
	 *                          twice (within the API's 24 hours).
	 * @return array|WP_Error The task ids in the order of the specs, or the error of the batch
	 *                        that failed, its data extended with `created` (how many tasks
	 *                        were created before it), `task_ids` (their ids), `batch` (its
	 *                        index, from 0), `batches` (how many there are), `first_index`
	 *                        (the index of its first spec) and `status`.
	 */
	public static function create( array $specs, string $upload_id ) {
		$clean = self::normalize( $specs );
		if ( is_wp_error( $clean ) ) {
			$clean->add_data(
				$clean->get_error_data() + array(
					'created'  => 0,
					'task_ids' => array(),
				)
			);
			return $clean;
		}
		$client  = new DDA_API_Client();
		$batches = self::chunk( $clean );
		$ids     = array();
		$first   = 0;
		foreach ( $batches as $index => $batch ) {
			$answer = $client->create_tasks( $batch, self::idempotency_key( $upload_id, $index ) );
			if ( is_wp_error( $answer ) ) {
				$answer->add_data(
					array_merge(
						array( 'status' => 502 ),
						(array) $answer->get_error_data(),
						array(
							'created'     => count( $ids ),
							'task_ids'    => $ids,
							'batch'       => $index,
							'batches'     => count( $batches ),
							'first_index' => $first,
						)
					)
				);
				return $answer;
			}
			$ids    = array_merge( $ids, $answer['task_ids'] );
			$first += count( $batch );
		}
		return $ids;
	}

	/**
	 * A new upload id (for the Idempotency-Keys of one upload).
	 */
	public static function new_upload_id(): string {
		return 'dda-wp-' . wp_generate_uuid4();
	}
}
