<?php
/**
 * The client of the DDA HTTP API (contract v1). The only place that talks to the API server.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Calls the API server with `wp_remote_request` and turns every failure into a `WP_Error`
 * whose message says in plain words what is wrong. Error codes:
 * `dda_not_configured`, `dda_invalid_url`, `dda_no_key`, `dda_invalid_task_id`, `dda_blocked`,
 * `dda_no_batches`,
 * `dda_unreachable`, `dda_timeout`, `dda_tls`, `dda_transport`, `dda_redirect`,
 * `dda_too_large`, `dda_key_refused`, `dda_forbidden`, `dda_not_found`, `dda_conflict`,
 * `dda_invalid`, `dda_rate_limited`, `dda_unavailable`, `dda_server_error`,
 * `dda_bad_response`, `dda_not_dda`. The data of each carries `status` (the HTTP status the
 * plugin's REST route answers with) and, when the server answered, `api_status`.
 * Messages never contain the API key.
 */
class DDA_API_Client {

	/**
	 * The largest page of `GET /tasks/all` the plugin asks for (the API allows 1000):
	 * 200 tasks of at most 2 × 4 KiB params and result_data (the rest of a task is a few
	 * hundred bytes) stay below MAX_RESPONSE_BYTES.
	 */
	public const MAX_PAGE = 200;

	/**
	 * The most of an answer the plugin reads (`limit_response_size`), so a broken or hostile
	 * server cannot make PHP read an endless body into memory. The server's answers are
	 * bounded well below it: a task (`GET /task/{id}`) carries params and result_data of at
	 * most the body limit each (1 MiB by default) plus its event log, and a list page of
	 * `GET /tasks/all` replaces params and result_data over 4 KiB by null (contract v1.1), so
	 * a page of MAX_PAGE tasks stays below too. A longer answer is refused (`dda_too_large`).
	 */
	public const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

	/**
	 * How request bodies are encoded: UTF-8 as it is and "/" unescaped, so a body is as long
	 * as the JSON the browser measured (DDA_Task_Batches keeps batches below the API's
	 * body limit) and not up to six times longer with \uXXXX escapes.
	 */
	public const JSON_FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES;

	/**
	 * The settings the client uses.
	 *
	 * @var array{api_url: string, api_key: string, timeout: int}
	 */
	private array $settings;

	/**
	 * @param array|null $settings Settings to use instead of the stored ones (tests, Test connection).
	 */
	public function __construct( ?array $settings = null ) {
		$this->settings = array_merge( DDA_Settings::defaults(), $settings ?? DDA_Settings::get() );
	}

	/**
	 * `GET /` — who the server is. No credential.
	 *
	 * @return array|WP_Error
	 */
	public function service_info() {
		$info = $this->request( 'GET', '/', array(), null, false );
		if ( is_wp_error( $info ) ) {
			return $info;
		}
		if ( ! is_array( $info ) || ( $info['name'] ?? '' ) !== 'dda-server' ) {
			return $this->not_dda_error();
		}
		return $info;
	}

	/**
	 * `POST /task`.
	 *
	 * @param int      $operation_code 1…999999.
	 * @param stdClass $params         A JSON object.
	 * @param int      $priority       −100…100.
	 * @return array|WP_Error `{task_id, status, message}`.
	 */
	public function create_task( int $operation_code, stdClass $params, int $priority = 0, array $extra = array() ) {
		$body = array(
			'operation_code' => $operation_code,
			'params'         => $params,
			'priority'       => $priority,
		);
		// Contract v1.1 and v1 fields the caller may add: run_at (RFC 3339 UTC), delay_seconds,
		// max_attempts, timeout_seconds. Nothing else is sent.
		foreach ( array( 'run_at', 'delay_seconds', 'max_attempts', 'timeout_seconds' ) as $name ) {
			if ( array_key_exists( $name, $extra ) ) {
				$body[ $name ] = $extra[ $name ];
			}
		}
		// $extra['idempotency_key'] (checked by the caller, dda_create_task()): the header.
		$headers = isset( $extra['idempotency_key'] ) ? array( 'Idempotency-Key' => (string) $extra['idempotency_key'] ) : array();
		$created = $this->request( 'POST', '/task', array(), $body, true, $headers );
		if ( is_array( $created ) && DDA_Format::is_task_id( $created['task_id'] ?? null ) ) {
			self::task_created( $created['task_id'], $body );
		}
		return $created;
	}

	/**
	 * Fires `dda_task_created` for a task the API created (or, for a repeated
	 * Idempotency-Key, created before and answered again).
	 *
	 * @param string $task_id The new task's id.
	 * @param array  $spec    What was sent: operation_code, params, priority and any of
	 *                        run_at, delay_seconds, max_attempts, timeout_seconds.
	 */
	private static function task_created( string $task_id, array $spec ): void {
		/**
		 * Fires after a task was created through the plugin, whichever way: the create form,
		 * a file (each task of each batch), the REST routes, dda_create_task(),
		 * dda_create_tasks() or WP-CLI. A request repeated with the same Idempotency-Key
		 * answers the task of the first time and fires again.
		 *
		 * @param string $task_id The task id.
		 * @param array  $spec    The task as sent: `operation_code` (int), `params` (object
		 *                        or associative array), `priority` (int) and, when given,
		 *                        `run_at`, `delay_seconds`, `max_attempts`, `timeout_seconds`.
		 */
		do_action( 'dda_task_created', $task_id, $spec );
	}

	/**
	 * `POST /tasks/batch` (contract v1.1): 1…DDA_Task_Batches::MAX_ITEMS tasks, created all or
	 * nothing. Callers check the specs first (DDA_Task_Batches::normalize()) and keep the body
	 * below the API's body limit (DDA_Task_Batches::chunk()).
	 *
	 * @param array  $specs           Tasks: `array{operation_code: int, params: object|array, priority?: int}` each.
	 * @param string $idempotency_key '' for none; else at most 128 printable ASCII characters.
	 *                                The same key again (within 24 h) answers the first
	 *                                batch's ids and creates nothing.
	 * @return array|WP_Error `{task_ids: string[], count: int}`, the ids in the order of $specs.
	 */
	public function create_tasks( array $specs, string $idempotency_key = '' ) {
		if ( ! $specs || count( $specs ) > DDA_Task_Batches::MAX_ITEMS ) {
			return new WP_Error(
				'dda_invalid',
				/* translators: %d: the most tasks in one batch. */
				sprintf( __( 'A batch holds 1 to %d tasks. Nothing was sent to the API server.', 'distributed-data-analysis' ), DDA_Task_Batches::MAX_ITEMS ),
				array( 'status' => 400 )
			);
		}
		$headers = array();
		if ( '' !== $idempotency_key ) {
			if ( ! preg_match( '/^[\x21-\x7e]{1,' . DDA_Task_Batches::MAX_KEY_LENGTH . '}\z/', $idempotency_key ) ) {
				return new WP_Error(
					'dda_invalid',
					__( 'An Idempotency-Key is 1 to 128 printable ASCII characters without spaces. Nothing was sent to the API server.', 'distributed-data-analysis' ),
					array( 'status' => 400 )
				);
			}
			$headers['Idempotency-Key'] = $idempotency_key;
		}
		$answer = $this->request( 'POST', '/tasks/batch', array(), array( 'tasks' => array_values( $specs ) ), true, $headers );
		if ( is_wp_error( $answer ) ) {
			$api_status = $answer->get_error_data()['api_status'] ?? 0;
			if ( 404 === $api_status || 405 === $api_status ) {
				// The route is missing: a server older than contract v1.1.
				return new WP_Error(
					'dda_no_batches',
					__( 'The API server does not create tasks in batches (POST /tasks/batch, API contract v1.1). Update dda-server; nothing was created.', 'distributed-data-analysis' ),
					array(
						'status'     => 502,
						'api_status' => $api_status,
					)
				);
			}
			return $answer;
		}
		$ids = is_array( $answer ) && isset( $answer['task_ids'] ) && is_array( $answer['task_ids'] ) ? $answer['task_ids'] : null;
		if ( null === $ids || count( $ids ) !== count( $specs ) || ! array_is_list( $ids ) ) {
			return $this->bad_response_error( 200 );
		}
		foreach ( $ids as $id ) {
			if ( ! DDA_Format::is_task_id( $id ) ) {
				return $this->bad_response_error( 200 );
			}
		}
		foreach ( array_values( $specs ) as $index => $spec ) {
			self::task_created( $ids[ $index ], (array) $spec );
		}
		return array(
			'task_ids' => $ids,
			'count'    => count( $ids ),
		);
	}

	/**
	 * `GET /tasks/all`, newest first.
	 *
	 * @param string $status '' for all, else a task status.
	 * @param int    $limit  1…MAX_PAGE.
	 * @param string $before '' or the task id to page after.
	 * @param int    $operation_code 0 for all, else only tasks of this code (contract v1.1 addition).
	 * @param string $id_prefix      '' for all, else only tasks whose id starts with these
	 *                               lower-case hex digits and dashes (1…36 characters).
	 * @return array|WP_Error A list of task objects.
	 */
	public function list_tasks( string $status = '', int $limit = 100, string $before = '', int $operation_code = 0, string $id_prefix = '' ) {
		$query = array( 'limit' => max( 1, min( self::MAX_PAGE, $limit ) ) );
		if ( '' !== $status ) {
			$query['status'] = $status;
		}
		if ( $operation_code > 0 ) {
			$query['operation_code'] = $operation_code;
		}
		if ( '' !== $id_prefix ) {
			if ( ! preg_match( '/^[0-9a-f-]{1,36}\z/', $id_prefix ) ) {
				return new WP_Error(
					'dda_invalid',
					__( 'Search by the start of a task id: hex digits (0-9, a-f) and dashes. Nothing was sent to the API server.', 'distributed-data-analysis' ),
					array( 'status' => 400 )
				);
			}
			$query['id_prefix'] = $id_prefix;
		}
		if ( '' !== $before ) {
			if ( ! DDA_Format::is_task_id( $before ) ) {
				return $this->invalid_task_id_error();
			}
			$query['before'] = $before;
		}
		$tasks = $this->request( 'GET', '/tasks/all', $query );
		if ( ! is_wp_error( $tasks ) && ! is_array( $tasks ) ) {
			return $this->bad_response_error( 200 );
		}
		return $tasks;
	}

	/**
	 * `GET /task/{id}` — the task with its event log.
	 *
	 * @param string $task_id A UUID.
	 * @return array|WP_Error
	 */
	public function get_task( string $task_id ) {
		$path = $this->task_path( $task_id );
		return is_wp_error( $path ) ? $path : $this->request( 'GET', $path );
	}

	/**
	 * `DELETE /task/{id}` — cancel.
	 *
	 * @param string $task_id A UUID.
	 * @return array|WP_Error The task.
	 */
	public function cancel_task( string $task_id ) {
		$path = $this->task_path( $task_id );
		return is_wp_error( $path ) ? $path : $this->request( 'DELETE', $path );
	}

	/**
	 * `POST /task/{id}/retry`.
	 *
	 * @param string $task_id A UUID.
	 * @return array|WP_Error The task.
	 */
	public function retry_task( string $task_id ) {
		$path = $this->task_path( $task_id );
		return is_wp_error( $path ) ? $path : $this->request( 'POST', $path . '/retry' );
	}

	/**
	 * `/task/{id}` for a valid task id only (a lower-case UUID v4, as the API issues them);
	 * anything else is refused here and never sent.
	 *
	 * @param string $task_id The task id.
	 * @return string|WP_Error The path, or `dda_invalid_task_id`.
	 */
	private function task_path( string $task_id ) {
		if ( ! DDA_Format::is_task_id( $task_id ) ) {
			return $this->invalid_task_id_error();
		}
		return '/task/' . $task_id;
	}

	/**
	 * The error for a task id that is not a lower-case UUID v4.
	 */
	private function invalid_task_id_error(): WP_Error {
		return new WP_Error(
			'dda_invalid_task_id',
			__( 'This is not a valid task id (a lower-case UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e). Nothing was sent to the API server.', 'distributed-data-analysis' ),
			array( 'status' => 400 )
		);
	}

	/**
	 * `GET /runners`.
	 *
	 * @return array|WP_Error A list of runners.
	 */
	public function list_runners() {
		$runners = $this->request( 'GET', '/runners' );
		if ( ! is_wp_error( $runners ) && ! is_array( $runners ) ) {
			return $this->bad_response_error( 200 );
		}
		return $runners;
	}

	/**
	 * `GET /operations` (contract v1.1): the catalog, `[{code, name, description,
	 * params_schema, runners_online}]` sorted by code.
	 *
	 * @return array|WP_Error
	 */
	public function list_operations() {
		$operations = $this->request( 'GET', '/operations' );
		if ( ! is_wp_error( $operations ) && ! is_array( $operations ) ) {
			return $this->bad_response_error( 200 );
		}
		return $operations;
	}

	/**
	 * `GET /stats?hours=H` (contract v1.1): `{now, pending, running, oldest_pending_age_seconds,
	 * runners_online, bucket_seconds, buckets: [{start, created, completed, failed}]}`.
	 *
	 * @param int $hours 1…168.
	 * @return array|WP_Error
	 */
	public function stats( int $hours = 24 ) {
		$stats = $this->request( 'GET', '/stats', array( 'hours' => max( 1, min( 168, $hours ) ) ) );
		if ( ! is_wp_error( $stats ) && ( ! is_array( $stats ) || ! isset( $stats['buckets'] ) || ! is_array( $stats['buckets'] ) ) ) {
			return $this->bad_response_error( 200 );
		}
		return $stats;
	}

	/**
	 * `POST /runners/{id}/pause` or `/resume` (contract v1.1).
	 *
	 * @param string $runner_id A UUID.
	 * @param bool   $paused    True to pause, false to resume.
	 * @return array|WP_Error The runner.
	 */
	public function set_runner_paused( string $runner_id, bool $paused ) {
		if ( ! DDA_Format::is_task_id( $runner_id ) ) {
			return $this->invalid_runner_id_error();
		}
		return $this->request( 'POST', '/runners/' . $runner_id . ( $paused ? '/pause' : '/resume' ) );
	}

	/**
	 * `DELETE /runners/{id}` (contract v1.1): the runner is forgotten, its running tasks go
	 * back to pending.
	 *
	 * @param string $runner_id A UUID.
	 * @return array|WP_Error `{runner_id, name, released_tasks, message}`.
	 */
	public function delete_runner( string $runner_id ) {
		if ( ! DDA_Format::is_task_id( $runner_id ) ) {
			return $this->invalid_runner_id_error();
		}
		return $this->request( 'DELETE', '/runners/' . $runner_id );
	}

	/**
	 * The error for a runner id that is not a lower-case UUID v4.
	 */
	private function invalid_runner_id_error(): WP_Error {
		return new WP_Error(
			'dda_invalid_runner_id',
			__( 'This is not a valid runner id (a lower-case UUID). Nothing was sent to the API server.', 'distributed-data-analysis' ),
			array( 'status' => 400 )
		);
	}

	/**
	 * Test connection: `GET /` (reachable, TLS fine, really dda-server) and `GET /runners`
	 * (the key is accepted).
	 *
	 * @return array|WP_Error `{message, version, runners, online}` on success.
	 */
	public function test_connection() {
		$info = $this->service_info();
		if ( is_wp_error( $info ) ) {
			return $info;
		}
		$runners = $this->list_runners();
		if ( is_wp_error( $runners ) ) {
			return $runners;
		}
		$online = count(
			array_filter(
				$runners,
				static function ( $runner ) {
					return is_array( $runner ) && ( $runner['state'] ?? '' ) !== 'offline';
				}
			)
		);
		$version = isset( $info['version'] ) && is_string( $info['version'] ) ? $info['version'] : '?';
		return array(
			'message' => sprintf(
				/* translators: 1: server version, 2: number of runners, 3: number of runners online. */
				_n(
					'Connected to dda-server %1$s. The API key was accepted. %2$d runner is registered, %3$d online.',
					'Connected to dda-server %1$s. The API key was accepted. %2$d runners are registered, %3$d online.',
					count( $runners ),
					'distributed-data-analysis'
				),
				$version,
				count( $runners ),
				$online
			),
			'version' => $version,
			'runners' => count( $runners ),
			'online'  => $online,
		);
	}

	/**
	 * Sends one request and decodes the JSON answer.
	 *
	 * @param string     $method        HTTP method.
	 * @param string     $path          Path below the API URL, starting with `/`.
	 * @param array      $query         Query parameters.
	 * @param array|null $body          JSON body, or null for none.
	 * @param bool       $authenticated Whether to send the API key.
	 * @param array      $headers       More request headers (name => value).
	 * @return mixed|WP_Error The decoded JSON (arrays for objects), or an error.
	 */
	public function request( string $method, string $path, array $query = array(), ?array $body = null, bool $authenticated = true, array $headers = array() ) {
		$base = $this->settings['api_url'];
		if ( '' === $base ) {
			return new WP_Error(
				'dda_not_configured',
				__( 'The API server URL is not set. Enter it under Data Analysis → Settings.', 'distributed-data-analysis' ),
				array( 'status' => 503 )
			);
		}
		// The stored URL is checked on every request too, not only when the form saves it: a
		// value written by other code, an older version or a database edit must not send the
		// key to a file:// or gopher:// URL, or to one with credentials in it.
		$base = DDA_Settings::normalize_url( $base );
		if ( is_wp_error( $base ) ) {
			return new WP_Error(
				'dda_invalid_url',
				__( 'The stored API server URL is not a valid http:// or https:// address, so no request was sent. Enter it again under Data Analysis → Settings.', 'distributed-data-analysis' ),
				array( 'status' => 503 )
			);
		}
		$key = $this->settings['api_key'];
		if ( $authenticated && '' === $key ) {
			return new WP_Error(
				'dda_no_key',
				__( 'No API key is stored. Enter one under Data Analysis → Settings.', 'distributed-data-analysis' ),
				array( 'status' => 503 )
			);
		}

		$url = $base . $path;
		if ( $query ) {
			$url = add_query_arg( array_map( 'rawurlencode', $query ), $url );
		}
		$headers = array_merge( $headers, array( 'Accept' => 'application/json' ) );
		if ( $authenticated ) {
			$headers['X-API-Key'] = $key;
		}
		$args = array(
			'method'              => $method,
			'timeout'             => max( DDA_Settings::MIN_TIMEOUT, (int) $this->settings['timeout'] ),
			// Never follow a redirect: the X-API-Key header would go along to wherever the
			// Location points, past the URL checks above. A 3xx answer becomes dda_redirect.
			'redirection'         => 0,
			// wp_safe_remote_request() (reject_unsafe_urls) refuses loopback and private
			// addresses, and the usual set-up is the API on this host (http://127.0.0.1:8080).
			// So: wp_remote_request with reject_unsafe_urls off, and the URL validated by the
			// plugin (DDA_Settings::normalize_url above: http or https, a host, no credentials).
			// Only an administrator sets it: on multisite only a network administrator.
			'reject_unsafe_urls'  => false,
			'limit_response_size' => self::MAX_RESPONSE_BYTES,
			'headers'             => $headers,
			'user-agent'          => 'DDA-WordPress/' . DDA_VERSION . '; ' . home_url( '/' ),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body, self::JSON_FLAGS );
		}
		/**
		 * Filters the timeout (seconds) of one request to the API server; by default the
		 * stored setting. At least 1.
		 *
		 * @param int    $timeout Seconds.
		 * @param string $method  HTTP method.
		 * @param string $path    Path below the API URL, such as /task or /tasks/all.
		 */
		$args['timeout'] = max( 1, (int) apply_filters( 'dda_api_timeout', $args['timeout'], $method, $path ) );
		/**
		 * Filters the arguments of one request to the API server as they go to
		 * wp_remote_request() (headers, timeout, sslverify, user-agent, …). The headers hold
		 * the API key. `redirection` (0) and `limit_response_size` stay as the plugin sets them.
		 *
		 * @param array  $args   The arguments.
		 * @param string $method HTTP method.
		 * @param string $path   Path below the API URL.
		 * @param string $url    The full URL.
		 */
		$args = array_merge(
			(array) apply_filters( 'dda_api_request_args', $args, $method, $path, $url ),
			array(
				'redirection'         => 0,
				'limit_response_size' => self::MAX_RESPONSE_BYTES,
			)
		);

		$response = wp_remote_request( $url, $args );
		if ( is_wp_error( $response ) ) {
			return $this->transport_error( $response );
		}

		$status = (int) wp_remote_retrieve_response_code( $response );
		$raw    = (string) wp_remote_retrieve_body( $response );
		if ( strlen( $raw ) >= self::MAX_RESPONSE_BYTES ) {
			// The transport stopped reading at the limit: the body is cut off.
			return new WP_Error(
				'dda_too_large',
				sprintf(
					/* translators: 1: API URL, 2: size such as "4 MB". */
					__( 'The answer of the API server at %1$s is larger than %2$s, more than any DDA answer the plugin asks for; it was not read. Check the URL and the server.', 'distributed-data-analysis' ),
					$base,
					size_format( self::MAX_RESPONSE_BYTES )
				),
				array(
					'status'     => 502,
					'api_status' => $status,
				)
			);
		}
		if ( $status >= 300 && $status < 400 ) {
			return new WP_Error(
				'dda_redirect',
				sprintf(
					/* translators: 1: API URL, 2: HTTP status code, 3: the redirect target. */
					__( 'The API server at %1$s answered with a redirect (HTTP %2$d to %3$s). The plugin does not follow redirects, so that the API key goes nowhere else: enter the final address as the API server URL.', 'distributed-data-analysis' ),
					$base,
					$status,
					(string) wp_remote_retrieve_header( $response, 'location' )
				),
				array(
					'status'     => 502,
					'api_status' => $status,
				)
			);
		}
		$decoded = '' === $raw ? null : json_decode( $raw, true );
		$is_json = '' === $raw || JSON_ERROR_NONE === json_last_error();

		if ( $status >= 200 && $status < 300 ) {
			if ( ! $is_json ) {
				return $this->not_dda_error( $status );
			}
			return $decoded;
		}
		return $this->api_error( $status, $is_json && is_array( $decoded ) ? $decoded : null, $authenticated );
	}

	/**
	 * Maps a transport failure (no HTTP answer) to an error.
	 *
	 * @param WP_Error $error From wp_remote_request.
	 * @return WP_Error
	 */
	private function transport_error( WP_Error $error ): WP_Error {
		$url    = $this->settings['api_url'];
		$detail = $error->get_error_message();
		if ( 'http_request_not_executed' === $error->get_error_code() ) {
			return new WP_Error(
				'dda_blocked',
				sprintf(
					/* translators: 1: API URL, 2: host name. */
					__( 'WordPress blocked the request to %1$s: outgoing HTTP requests are blocked (WP_HTTP_BLOCK_EXTERNAL). Add %2$s to WP_ACCESSIBLE_HOSTS in wp-config.php, or use localhost in the URL.', 'distributed-data-analysis' ),
					$url,
					(string) wp_parse_url( $url, PHP_URL_HOST )
				),
				array( 'status' => 502 )
			);
		}
		$curl = 0;
		if ( preg_match( '/cURL error (\d+)/', $detail, $m ) ) {
			$curl = (int) $m[1];
		}
		$is_tls = in_array( $curl, array( 35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91 ), true )
			|| (bool) preg_match( '/\b(SSL|TLS|certificate)\b/i', $detail );
		if ( 28 === $curl || (bool) preg_match( '/timed out/i', $detail ) ) {
			return new WP_Error(
				'dda_timeout',
				sprintf(
					/* translators: 1: API URL, 2: seconds. */
					__( 'The API server at %1$s did not answer within %2$d seconds. It may be overloaded, or a firewall drops the connection; raise the timeout or check the server.', 'distributed-data-analysis' ),
					$url,
					(int) $this->settings['timeout']
				),
				array(
					'status' => 504,
					'detail' => $detail,
				)
			);
		}
		if ( $is_tls ) {
			return new WP_Error(
				'dda_tls',
				sprintf(
					/* translators: 1: API URL, 2: technical detail from cURL. */
					__( 'A secure (TLS) connection to %1$s failed: the certificate is not trusted or the server does not speak HTTPS on that port. Check the certificate, or whether the URL should start with http://. Detail: %2$s', 'distributed-data-analysis' ),
					$url,
					$detail
				),
				array( 'status' => 502 )
			);
		}
		if ( in_array( $curl, array( 5, 6, 7 ), true ) || (bool) preg_match( '/(refused|resolve|connect)/i', $detail ) ) {
			return new WP_Error(
				'dda_unreachable',
				sprintf(
					/* translators: 1: API URL, 2: technical detail from cURL. */
					__( 'Cannot reach the API server at %1$s: nothing answers there. Check the URL and that nginx and dda-server are running. Detail: %2$s', 'distributed-data-analysis' ),
					$url,
					$detail
				),
				array( 'status' => 502 )
			);
		}
		return new WP_Error(
			'dda_transport',
			sprintf(
				/* translators: 1: API URL, 2: technical detail. */
				__( 'The request to the API server at %1$s failed: %2$s', 'distributed-data-analysis' ),
				$url,
				$detail
			),
			array( 'status' => 502 )
		);
	}

	/**
	 * Maps an HTTP error answer of the API server to an error.
	 *
	 * @param int        $status        The HTTP status.
	 * @param array|null $body          The decoded error body, if JSON.
	 * @param bool       $authenticated Whether the key was sent.
	 * @return WP_Error
	 */
	private function api_error( int $status, ?array $body, bool $authenticated ): WP_Error {
		$api_message = '';
		if ( isset( $body['error']['message'] ) && is_string( $body['error']['message'] ) ) {
			$api_message = $body['error']['message'];
		}
		if ( null === $body || ! isset( $body['error'] ) ) {
			// Not the contract's error shape: another web server answers at this URL.
			return $this->not_dda_error( $status );
		}
		$data = array( 'api_status' => $status );
		switch ( $status ) {
			case 401:
				return new WP_Error(
					'dda_key_refused',
					$authenticated
						? __( 'The API server refused the API key. Check that the key under Data Analysis → Settings is one of the server\'s DDA_API_KEYS.', 'distributed-data-analysis' )
						: __( 'The API server asks for credentials.', 'distributed-data-analysis' ),
					$data + array( 'status' => 502 )
				);
			case 403:
				return new WP_Error( 'dda_forbidden', __( 'The API server refused this request for this key.', 'distributed-data-analysis' ), $data + array( 'status' => 502 ) );
			case 404:
				return new WP_Error(
					'dda_not_found',
					__( 'The API server does not know this task (it may have been removed after the retention period).', 'distributed-data-analysis' ),
					$data + array( 'status' => 404 )
				);
			case 409:
				return new WP_Error(
					'dda_conflict',
					/* translators: %s: the API server's explanation. */
					sprintf( __( 'Not possible in the task\'s current state: %s', 'distributed-data-analysis' ), $api_message ),
					$data + array( 'status' => 409 )
				);
			case 400:
			case 413:
			case 422:
				return new WP_Error(
					'dda_invalid',
					/* translators: %s: the API server's explanation. */
					sprintf( __( 'The API server refused the request: %s', 'distributed-data-analysis' ), $api_message ),
					$data + array( 'status' => 400 )
				);
			case 429:
				return new WP_Error( 'dda_rate_limited', __( 'The API server is rate limiting requests. Wait a few seconds and try again.', 'distributed-data-analysis' ), $data + array( 'status' => 429 ) );
			case 502:
			case 503:
			case 504:
				return new WP_Error(
					'dda_unavailable',
					/* translators: %s: the API server's explanation. */
					sprintf( __( 'The API server is unavailable right now (nginx cannot reach dda-server, or the queue is full): %s', 'distributed-data-analysis' ), $api_message ),
					$data + array( 'status' => 503 )
				);
		}
		return new WP_Error(
			'dda_server_error',
			/* translators: 1: HTTP status code, 2: the API server's explanation. */
			sprintf( __( 'The API server answered with an error (HTTP %1$d): %2$s', 'distributed-data-analysis' ), $status, $api_message ),
			$data + array( 'status' => 502 )
		);
	}

	/**
	 * Something answered, but not like dda-server.
	 *
	 * @param int $status The HTTP status seen, 0 if not relevant.
	 * @return WP_Error
	 */
	private function not_dda_error( int $status = 0 ): WP_Error {
		return new WP_Error(
			'dda_not_dda',
			sprintf(
				/* translators: 1: API URL, 2: HTTP status code. */
				__( 'A web server answers at %1$s (HTTP %2$d), but it is not a DDA API server. Check the URL.', 'distributed-data-analysis' ),
				$this->settings['api_url'],
				$status ? $status : 200
			),
			array(
				'status'     => 502,
				'api_status' => $status,
			)
		);
	}

	/**
	 * The server answered 2xx with an unexpected body.
	 *
	 * @param int $status The HTTP status.
	 * @return WP_Error
	 */
	private function bad_response_error( int $status ): WP_Error {
		return new WP_Error(
			'dda_bad_response',
			__( 'The API server sent an answer the plugin does not understand. Are the plugin and dda-server versions compatible?', 'distributed-data-analysis' ),
			array(
				'status'     => 502,
				'api_status' => $status,
			)
		);
	}
}
