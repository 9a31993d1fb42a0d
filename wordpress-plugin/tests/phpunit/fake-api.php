<?php
/**
 * A misbehaving "API server" for PHP's built-in server (php -S 127.0.0.1:PORT fake-api.php),
 * started by DDA_Test_Case::start_fake_api():
 *   /ok/…        answers like dda-server (GET / and GET /runners)
 *   /redirect/…  302 to the same path under /ok/ (a client that followed it would succeed)
 *   /big/        a well-formed dda-server answer of 5 MiB (over the plugin's 4 MiB limit)
 *   /batch/tasks/batch  POST /tasks/batch as contract v1.1 describes it: 1…1000 tasks, all or
 *                nothing, 422 naming the item ("tasks[3].operation_code"), 413 over 1 MiB,
 *                the same Idempotency-Key answers the first ids again (200). A task whose
 *                params have "fake_fail": N makes the batch answer 503 the first N times it
 *                is sent with its Idempotency-Key. Every request is logged (one JSON line:
 *                key, count, bytes, status, api_key) to requests.jsonl in the state directory
 *                ($DDA_FAKE_API_STATE), which DDA_Test_Case::fake_api_requests() reads.
 *
 * @package DistributedDataAnalysis
 */

$dda_path = (string) parse_url( $_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH );
header( 'Content-Type: application/json' );

if ( '/batch/tasks/batch' === $dda_path ) {
	dda_fake_batch( (string) getenv( 'DDA_FAKE_API_STATE' ) );
	return;
}

if ( 0 === strpos( $dda_path, '/redirect/' ) ) {
	header( 'Location: http://' . $_SERVER['HTTP_HOST'] . '/ok/' . substr( $dda_path, strlen( '/redirect/' ) ), true, 302 );
	echo '{}';
	return;
}
if ( '/big/' === $dda_path ) {
	echo '{"name": "dda-server", "version": "big", "padding": "' . str_repeat( 'x', 5 * 1024 * 1024 ) . '"}';
	return;
}
if ( '/ok/runners' === $dda_path ) {
	echo '[]';
	return;
}
if ( '/ok/' === $dda_path ) {
	echo '{"name": "dda-server", "version": "fake", "api": "v1"}';
	return;
}
http_response_code( 404 );
echo '{"error": {"code": "not_found", "message": "no such route"}}';

/**
 * Answers with a status and a JSON body, and logs the request.
 *
 * @param string $state  The state directory.
 * @param array  $entry  The log entry so far.
 * @param int    $status The HTTP status.
 * @param mixed  $body   The answer.
 */
function dda_fake_answer( string $state, array $entry, int $status, $body ): void {
	$entry['status'] = $status;
	file_put_contents( $state . '/requests.jsonl', json_encode( $entry ) . "\n", FILE_APPEND | LOCK_EX );
	http_response_code( $status );
	echo json_encode( $body );
}

/**
 * An error answer of the contract's shape.
 *
 * @param string $code    The error code.
 * @param string $message The message.
 */
function dda_fake_error( string $code, string $message ): array {
	return array(
		'error' => array(
			'code'    => $code,
			'message' => $message,
		),
	);
}

/**
 * POST /tasks/batch.
 *
 * @param string $state The state directory.
 */
function dda_fake_batch( string $state ): void {
	$raw   = (string) file_get_contents( 'php://input' );
	$key   = (string) ( $_SERVER['HTTP_IDEMPOTENCY_KEY'] ?? '' );
	$entry = array(
		'key'     => $key,
		'bytes'   => strlen( $raw ),
		'count'   => 0,
		'api_key' => (string) ( $_SERVER['HTTP_X_API_KEY'] ?? '' ),
		'type'    => (string) ( $_SERVER['CONTENT_TYPE'] ?? '' ),
	);
	if ( 'POST' !== ( $_SERVER['REQUEST_METHOD'] ?? '' ) ) {
		dda_fake_answer( $state, $entry, 405, dda_fake_error( 'method_not_allowed', 'Use POST.' ) );
		return;
	}
	if ( strlen( $raw ) > 1048576 ) {
		dda_fake_answer( $state, $entry, 413, dda_fake_error( 'payload_too_large', 'The body is larger than 1 MiB.' ) );
		return;
	}
	$body = json_decode( $raw, false, 64 );
	if ( ! $body instanceof stdClass ) {
		dda_fake_answer( $state, $entry, 400, dda_fake_error( 'invalid_json', 'The body is not a JSON object.' ) );
		return;
	}
	$tasks = $body->tasks ?? null;
	if ( ! is_array( $tasks ) || count( $tasks ) < 1 || count( $tasks ) > 1000 ) {
		dda_fake_answer( $state, $entry, 422, dda_fake_error( 'validation_failed', '`tasks` must be an array of 1 to 1000 task specs.' ) );
		return;
	}
	$entry['count'] = count( $tasks );
	$fail           = 0;
	foreach ( $tasks as $index => $task ) {
		$code     = $task->operation_code ?? null;
		$priority = $task->priority ?? 0;
		$params   = $task->params ?? new stdClass();
		if ( ! is_int( $code ) || $code < 1 || $code > 999999 ) {
			dda_fake_answer( $state, $entry, 422, dda_fake_error( 'validation_failed', "tasks[$index].operation_code must be an integer from 1 to 999999." ) );
			return;
		}
		if ( ! is_int( $priority ) || $priority < -100 || $priority > 100 ) {
			dda_fake_answer( $state, $entry, 422, dda_fake_error( 'validation_failed', "tasks[$index].priority must be an integer from -100 to 100." ) );
			return;
		}
		if ( ! $params instanceof stdClass ) {
			dda_fake_answer( $state, $entry, 422, dda_fake_error( 'validation_failed', "tasks[$index].params must be a JSON object." ) );
			return;
		}
		$fail = max( $fail, (int) ( $params->fake_fail ?? 0 ) );
	}
	$key_file = $state . '/key-' . md5( $key ) . '.json';
	if ( '' !== $key && is_file( $key_file ) ) {
		$ids = json_decode( (string) file_get_contents( $key_file ), true );
		dda_fake_answer( $state, $entry + array( 'replayed' => true ), 200, array( 'task_ids' => $ids, 'count' => count( $ids ) ) );
		return;
	}
	if ( $fail > 0 ) {
		$count_file = $state . '/fail-' . md5( $key ) . '.txt';
		$seen       = is_file( $count_file ) ? (int) file_get_contents( $count_file ) : 0;
		if ( $seen < $fail ) {
			file_put_contents( $count_file, (string) ( $seen + 1 ) );
			dda_fake_answer( $state, $entry, 503, dda_fake_error( 'unavailable', 'The queue is at its configured capacity (fake).' ) );
			return;
		}
	}
	$ids    = array();
	$params = '';
	foreach ( $tasks as $task ) {
		$hex       = bin2hex( random_bytes( 16 ) );
		$hex[12]   = '4';
		$hex[16]   = '89ab'[ random_int( 0, 3 ) ];
		$ids[]     = substr( $hex, 0, 8 ) . '-' . substr( $hex, 8, 4 ) . '-' . substr( $hex, 12, 4 ) . '-' . substr( $hex, 16, 4 ) . '-' . substr( $hex, 20 );
		$params   .= json_encode( $task->params ?? new stdClass(), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) . "\n";
	}
	if ( '' !== $key ) {
		file_put_contents( $key_file, json_encode( $ids ) );
	}
	// The params of the created tasks as the server received them, one JSON line each.
	file_put_contents( $state . '/params.jsonl', $params, FILE_APPEND | LOCK_EX );
	dda_fake_answer( $state, $entry, 201, array( 'task_ids' => $ids, 'count' => count( $ids ) ) );
}
