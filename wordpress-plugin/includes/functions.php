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
