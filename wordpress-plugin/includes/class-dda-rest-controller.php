<?php
/**
 * The plugin's own REST routes under /wp-json/dda/v1/: the browser's only way to the API.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Proxies the admin screens' requests to the API server. Every route requires
 * `manage_dda` (DDA_Admin::CAPABILITY); with cookie authentication WordPress core also requires the REST nonce
 * (`X-WP-Nonce`), so a logged-in browser without it is treated as anonymous and refused.
 * The API key stays on the server: answers carry task and runner data only.
 */
final class DDA_REST_Controller {

	public const NAMESPACE = 'dda/v1';

	/** Largest accepted params text (the API's default body limit, less room for the rest). */
	public const MAX_PARAMS_BYTES = 1040384;

	/**
	 * Registers the routes (on `rest_api_init`).
	 */
	public static function register_routes(): void {
		$id_arg = array(
			'task_id' => array(
				'description'       => __( 'Task id (UUID).', 'distributed-data-analysis' ),
				'type'              => 'string',
				'required'          => true,
				'validate_callback' => array( __CLASS__, 'validate_task_id' ),
				'sanitize_callback' => static function ( $value ) {
					return strtolower( sanitize_text_field( (string) $value ) );
				},
			),
		);
		$task_path = '/tasks/(?P<task_id>' . DDA_Format::UUID_PATTERN . ')';
		$can       = array( __CLASS__, 'permissions_check' );

		register_rest_route(
			self::NAMESPACE,
			'/tasks',
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( __CLASS__, 'list_tasks' ),
					'permission_callback' => $can,
					'args'                => array(
						'status' => array(
							'description'       => __( 'Only tasks with this status; empty for all.', 'distributed-data-analysis' ),
							'type'              => 'string',
							'enum'              => array_merge( array( '' ), DDA_Format::STATUSES ),
							'default'           => '',
							'validate_callback' => 'rest_validate_request_arg',
							'sanitize_callback' => 'sanitize_key',
						),
						'limit'  => array(
							'description'       => __( 'How many of the newest tasks.', 'distributed-data-analysis' ),
							'type'              => 'integer',
							'minimum'           => 1,
							'maximum'           => DDA_API_Client::MAX_PAGE,
							'default'           => DDA_Admin::PER_PAGE,
							'validate_callback' => 'rest_validate_request_arg',
							'sanitize_callback' => 'absint',
						),
						'before' => array(
							'description'       => __( 'Only tasks created before this task.', 'distributed-data-analysis' ),
							'type'              => 'string',
							'default'           => '',
							'validate_callback' => static function ( $value ) {
								return '' === $value || DDA_Format::is_uuid( $value );
							},
							'sanitize_callback' => static function ( $value ) {
								return strtolower( sanitize_text_field( (string) $value ) );
							},
						),
						'newer'          => array(
							'description'       => __( 'The cursors of the newer pages, comma-separated (for the paging links).', 'distributed-data-analysis' ),
							'type'              => 'string',
							'default'           => '',
							'sanitize_callback' => static function ( $value ) {
								return strtolower( sanitize_text_field( (string) $value ) );
							},
						),
						'operation_code' => array(
							'description'       => __( 'Only tasks of this operation; 0 for all.', 'distributed-data-analysis' ),
							'type'              => 'integer',
							'default'           => 0,
							'minimum'           => 0,
							'maximum'           => 999999,
							'validate_callback' => 'rest_validate_request_arg',
							'sanitize_callback' => 'absint',
						),
						'id_prefix'      => array(
							'description'       => __( 'Only tasks whose id starts with this (hex digits and dashes).', 'distributed-data-analysis' ),
							'type'              => 'string',
							'default'           => '',
							'validate_callback' => static function ( $value ) {
								return is_string( $value ) && null !== DDA_Admin::id_prefix( $value )
									? true
									: new WP_Error( 'rest_invalid_param', __( 'Search by the start of a task id: hex digits (0-9, a-f) and dashes.', 'distributed-data-analysis' ), array( 'status' => 400 ) );
							},
							'sanitize_callback' => static function ( $value ) {
								return (string) DDA_Admin::id_prefix( (string) $value );
							},
						),
					),
				),
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => array( __CLASS__, 'create_task' ),
					'permission_callback' => $can,
					'args'                => array(
						'operation_code' => array(
							'description'       => __( 'Operation code, 1…999999.', 'distributed-data-analysis' ),
							'type'              => 'integer',
							'required'          => true,
							'minimum'           => 1,
							'maximum'           => 999999,
							'validate_callback' => 'rest_validate_request_arg',
							'sanitize_callback' => 'rest_sanitize_request_arg',
						),
						'params'         => array(
							'description'       => __( 'Parameters as the text of a JSON object.', 'distributed-data-analysis' ),
							'type'              => 'string',
							'default'           => '{}',
							'validate_callback' => array( __CLASS__, 'validate_params' ),
						),
						'priority'       => array(
							'description'       => __( 'Priority, −100…100; higher runs first.', 'distributed-data-analysis' ),
							'type'              => 'integer',
							'default'           => 0,
							'minimum'           => -100,
							'maximum'           => 100,
							'validate_callback' => 'rest_validate_request_arg',
							'sanitize_callback' => 'rest_sanitize_request_arg',
						),
						'fields'         => array(
							'description' => __( 'The values of the operation\'s form fields (its params_schema), name => text, true/false for a checkbox, one value per line for a list; used instead of params unless mode is json.', 'distributed-data-analysis' ),
							'type'        => 'object',
						),
						'mode'           => array(
							'description' => __( 'json: use params even when the operation has form fields.', 'distributed-data-analysis' ),
							'type'        => 'string',
							'enum'        => array( '', 'fields', 'json' ),
							'default'     => '',
						),
						'run_at'         => array(
							'description'       => __( 'When to run it: a date and time in the site\'s time zone (2026-12-01T14:30); empty for now.', 'distributed-data-analysis' ),
							'type'              => 'string',
							'default'           => '',
							'sanitize_callback' => 'sanitize_text_field',
						),
					),
				),
			)
		);

		register_rest_route(
			self::NAMESPACE,
			'/tasks/batch',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'create_tasks' ),
				'permission_callback' => $can,
				'args'                => array(
					'upload_id' => array(
						'description'       => __( 'The id (UUID) the browser chose for the whole upload; with the batch index it makes the Idempotency-Key.', 'distributed-data-analysis' ),
						'type'              => 'string',
						'required'          => true,
						'validate_callback' => static function ( $value ) {
							return DDA_Format::is_uuid( $value )
								? true
								: new WP_Error( 'rest_invalid_param', __( 'The upload id must be a UUID.', 'distributed-data-analysis' ), array( 'status' => 400 ) );
						},
						'sanitize_callback' => static function ( $value ) {
							return strtolower( sanitize_text_field( (string) $value ) );
						},
					),
					'batch'     => array(
						'description'       => __( 'The index of this batch in the upload, from 0.', 'distributed-data-analysis' ),
						'type'              => 'integer',
						'required'          => true,
						'minimum'           => 0,
						'maximum'           => 999999,
						'validate_callback' => 'rest_validate_request_arg',
						'sanitize_callback' => 'rest_sanitize_request_arg',
					),
					'tasks'     => array(
						'description'       => __( 'The tasks: {operation_code, params (a JSON object), priority} each.', 'distributed-data-analysis' ),
						'type'              => 'array',
						'required'          => true,
						'minItems'          => 1,
						'maxItems'          => DDA_Task_Batches::MAX_ITEMS,
						'validate_callback' => 'rest_validate_request_arg',
					),
				),
			)
		);

		register_rest_route(
			self::NAMESPACE,
			$task_path,
			array(
				array(
					'methods'             => WP_REST_Server::READABLE,
					'callback'            => array( __CLASS__, 'get_task' ),
					'permission_callback' => $can,
					'args'                => $id_arg,
				),
				array(
					'methods'             => WP_REST_Server::DELETABLE,
					'callback'            => array( __CLASS__, 'cancel_task' ),
					'permission_callback' => $can,
					'args'                => $id_arg,
				),
			)
		);

		register_rest_route(
			self::NAMESPACE,
			$task_path . '/retry',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'retry_task' ),
				'permission_callback' => $can,
				'args'                => $id_arg,
			)
		);

		register_rest_route(
			self::NAMESPACE,
			'/runners',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => array( __CLASS__, 'list_runners' ),
				'permission_callback' => $can,
			)
		);

		register_rest_route(
			self::NAMESPACE,
			'/connection-test',
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => array( __CLASS__, 'connection_test' ),
				'permission_callback' => $can,
			)
		);
	}

	/**
	 * Only users with the plugin's capability (`manage_dda`, DDA_Admin::CAPABILITY: every
	 * administrator, and whom else a site grants it to).
	 *
	 * @return true|WP_Error
	 */
	public static function permissions_check() {
		if ( current_user_can( DDA_Admin::CAPABILITY ) ) {
			return true;
		}
		return new WP_Error(
			'rest_forbidden',
			__( 'Sorry, you are not allowed to manage analysis tasks.', 'distributed-data-analysis' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}

	/**
	 * @param mixed $value A task id.
	 * @return true|WP_Error
	 */
	public static function validate_task_id( $value ) {
		if ( DDA_Format::is_uuid( $value ) ) {
			return true;
		}
		return new WP_Error( 'rest_invalid_param', __( 'The task id must be a UUID.', 'distributed-data-analysis' ), array( 'status' => 400 ) );
	}

	/**
	 * @param mixed $value The params text.
	 * @return true|WP_Error
	 */
	public static function validate_params( $value ) {
		$parsed = self::parse_params( $value );
		return is_wp_error( $parsed ) ? $parsed : true;
	}

	/**
	 * Parses the params text of the create form: it must be a JSON object (empty means `{}`).
	 *
	 * @param mixed $text The JSON text.
	 * @return stdClass|WP_Error The object, or an error that says what is wrong.
	 */
	public static function parse_params( $text ) {
		if ( ! is_string( $text ) ) {
			return new WP_Error( 'dda_invalid_params', __( 'Parameters must be the text of a JSON object.', 'distributed-data-analysis' ), array( 'status' => 400 ) );
		}
		$text = trim( $text );
		if ( '' === $text ) {
			return new stdClass();
		}
		if ( strlen( $text ) > self::MAX_PARAMS_BYTES ) {
			return new WP_Error( 'dda_invalid_params', __( 'Parameters are too large (at most about 1 MB).', 'distributed-data-analysis' ), array( 'status' => 400 ) );
		}
		$decoded = json_decode( $text, false, 64 );
		if ( JSON_ERROR_NONE !== json_last_error() ) {
			return new WP_Error(
				'dda_invalid_params',
				/* translators: %s: the JSON parser's error message. */
				sprintf( __( 'Parameters are not valid JSON: %s.', 'distributed-data-analysis' ), json_last_error_msg() ),
				array( 'status' => 400 )
			);
		}
		if ( ! $decoded instanceof stdClass ) {
			return new WP_Error( 'dda_invalid_params', __( 'Parameters must be a JSON object such as {"values": [1, 2, 3]}, not a list or a single value.', 'distributed-data-analysis' ), array( 'status' => 400 ) );
		}
		return $decoded;
	}

	/**
	 * runner_id => name of a runner list.
	 *
	 * @param array $runners Runner objects.
	 * @return array<string, string>
	 */
	public static function runner_names( array $runners ): array {
		$names = array();
		foreach ( $runners as $runner ) {
			if ( is_array( $runner ) && isset( $runner['runner_id'], $runner['name'] ) && is_string( $runner['runner_id'] ) && is_scalar( $runner['name'] ) ) {
				$names[ $runner['runner_id'] ] = (string) $runner['name'];
			}
		}
		return $names;
	}

	/**
	 * One page of the task list: the tasks of a view, at most $per_page, newest first, and
	 * whether older ones exist (one more is asked for).
	 *
	 * @param array               $view     A view (DDA_Admin::normalize_view()).
	 * @param int                 $per_page Tasks per page.
	 * @param DDA_API_Client|null $client   The client to use.
	 * @return array{tasks: array, has_older: bool}|WP_Error
	 */
	public static function load_page( array $view, int $per_page, ?DDA_API_Client $client = null ) {
		$view     = DDA_Admin::normalize_view( $view );
		$per_page = max( 1, min( DDA_Admin::MAX_PER_PAGE, $per_page ) );
		$tasks    = ( $client ?? new DDA_API_Client() )->list_tasks( $view['status'], $per_page + 1, $view['before'], $view['operation'], $view['search'] );
		if ( is_wp_error( $tasks ) ) {
			return $tasks;
		}
		$tasks = array_values( array_filter( $tasks, 'is_array' ) );
		return array(
			'tasks'     => array_slice( $tasks, 0, $per_page ),
			'has_older' => count( $tasks ) > $per_page,
		);
	}

	/**
	 * Tasks, newest first, plus runner names; shared by the page load and the refresh.
	 *
	 * @param string $status '' or a status.
	 * @param int    $limit  Page size.
	 * @param string $before '' or a task id.
	 * @return array{tasks: array, runner_names: array}|WP_Error
	 */
	public static function load_tasks( string $status, int $limit, string $before = '' ) {
		$client = new DDA_API_Client();
		$tasks  = $client->list_tasks( $status, $limit, $before );
		if ( is_wp_error( $tasks ) ) {
			return $tasks;
		}
		$names   = array();
		$runners = $client->list_runners();
		if ( ! is_wp_error( $runners ) ) {
			foreach ( $runners as $runner ) {
				if ( is_array( $runner ) && isset( $runner['runner_id'], $runner['name'] ) ) {
					$names[ (string) $runner['runner_id'] ] = (string) $runner['name'];
				}
			}
		}
		return array(
			'tasks'        => $tasks,
			'runner_names' => $names,
		);
	}

	/**
	 * GET /tasks — the task list and its rendered rows.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function list_tasks( WP_REST_Request $request ) {
		$view   = DDA_Admin::normalize_view(
			array(
				'status'    => (string) $request['status'],
				'operation' => (int) $request['operation_code'],
				'search'    => (string) $request['id_prefix'],
				'before'    => (string) $request['before'],
				'newer'     => (string) $request['newer'],
			)
		);
		$client = new DDA_API_Client();
		$data   = self::load_page( $view, min( DDA_Admin::MAX_PER_PAGE, (int) $request['limit'] ), $client );
		if ( is_wp_error( $data ) ) {
			return $data;
		}
		$runners = $client->list_runners();
		$names   = is_wp_error( $runners ) ? array() : self::runner_names( $runners );
		// Names from the catalog label the operations (a failure leaves the codes).
		DDA_Admin::catalog();
		$table = DDA_Views::tasks_table( $data['tasks'], $names, $view, null, $data['has_older'] );
		return self::no_store(
			array(
				'tasks'      => $data['tasks'],
				'rows'       => DDA_Views::rows_html( $table ),
				'pagination' => $table->pagination_html(),
				'count'      => count( $data['tasks'] ),
				'has_older'  => $data['has_older'],
				'fetched_at' => gmdate( 'c' ),
			)
		);
	}

	/**
	 * POST /tasks — create a task.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function create_task( WP_REST_Request $request ) {
		$fields   = $request['fields'];
		$prepared = DDA_Admin::prepare_task(
			(string) (int) $request['operation_code'],
			is_string( $request['params'] ) ? $request['params'] : '{}',
			(string) (int) $request['priority'],
			array(
				'fields' => is_array( $fields ) ? $fields : null,
				'mode'   => (string) $request['mode'],
				'run_at' => (string) $request['run_at'],
			)
		);
		if ( is_wp_error( $prepared ) ) {
			$data = (array) $prepared->get_error_data();
			if ( ! isset( $data['status'] ) ) {
				$prepared->add_data( $data + array( 'status' => 400 ) );
			}
			return $prepared;
		}
		$client  = new DDA_API_Client();
		$created = $client->create_task( (int) $request['operation_code'], $prepared['params'], (int) $request['priority'], $prepared['extra'] );
		if ( is_wp_error( $created ) ) {
			return $created;
		}
		$id = $created['task_id'] ?? '';
		if ( ! DDA_Format::is_task_id( $id ) ) {
			// The browser builds /tasks/{id} paths from it: only an id the API issues.
			return new WP_Error( 'dda_bad_response', __( 'The API server sent an answer the plugin does not understand.', 'distributed-data-analysis' ), array( 'status' => 502 ) );
		}
		$response = self::no_store(
			array(
				'task_id' => $id,
				'status'  => (string) ( $created['status'] ?? '' ),
				'message' => DDA_Admin::created_message( $id, (int) $request['operation_code'], $prepared['extra'] ),
			)
		);
		$response->set_status( 201 );
		return $response;
	}

	/**
	 * POST /tasks/batch — creates up to DDA_Task_Batches::MAX_ITEMS tasks (one part of an
	 * uploaded file), all or nothing, with `POST /tasks/batch` on the API. The browser keeps
	 * the part below 900 KiB; should PHP's JSON of it still be longer, it is sent in several
	 * API batches. Their Idempotency-Keys are derived from the upload id and the batch index,
	 * so the browser's retry of a failed part creates nothing twice.
	 *
	 * @param WP_REST_Request $request The request (a JSON body).
	 * @return WP_REST_Response|WP_Error 201 `{count, task_ids, message}`; an error's data has
	 *                                   `created` (tasks of this part created before the
	 *                                   failure) and `first_index` (the failed API batch's
	 *                                   first task in this part).
	 */
	public static function create_tasks( WP_REST_Request $request ) {
		// Decoded again, objects as objects: WordPress decodes the body into PHP arrays, in
		// which {} and [] are the same, and params must reach the API as the objects they are.
		$body  = json_decode( $request->get_body(), false, 512 );
		$tasks = $body instanceof stdClass && isset( $body->tasks ) && is_array( $body->tasks ) ? $body->tasks : null;
		if ( null === $tasks ) {
			return new WP_Error(
				'dda_invalid_body',
				__( 'Send the tasks as a JSON body: {"upload_id": "…", "batch": 0, "tasks": [{"operation_code": 100, "params": {}, "priority": 0}]}.', 'distributed-data-analysis' ),
				array( 'status' => 400 )
			);
		}
		$prefix = DDA_Task_Batches::idempotency_key( 'dda-wp-' . $request['upload_id'], (int) $request['batch'] );
		$ids    = DDA_Task_Batches::create( $tasks, $prefix );
		if ( is_wp_error( $ids ) ) {
			return $ids;
		}
		$response = self::no_store(
			array(
				'count'    => count( $ids ),
				'task_ids' => $ids,
				'message'  => sprintf(
					/* translators: %s: a number of tasks. */
					_n( '%s task created.', '%s tasks created.', count( $ids ), 'distributed-data-analysis' ),
					number_format_i18n( count( $ids ) )
				),
			)
		);
		$response->set_status( 201 );
		return $response;
	}

	/**
	 * GET /tasks/{id} — the task with its event log, and the rendered details.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function get_task( WP_REST_Request $request ) {
		$client = new DDA_API_Client();
		$task   = $client->get_task( (string) $request['task_id'] );
		if ( is_wp_error( $task ) ) {
			return $task;
		}
		if ( ! is_array( $task ) ) {
			return new WP_Error( 'dda_bad_response', __( 'The API server sent an answer the plugin does not understand.', 'distributed-data-analysis' ), array( 'status' => 502 ) );
		}
		// Runners are shown by name (the id only for one the API no longer lists).
		$runners = $client->list_runners();
		DDA_Admin::catalog();
		return self::no_store(
			array(
				'task' => $task,
				'html' => DDA_Views::capture(
					'task-details',
					array(
						'task'         => $task,
						'runner_names' => is_wp_error( $runners ) ? array() : self::runner_names( $runners ),
					)
				),
			)
		);
	}

	/**
	 * DELETE /tasks/{id} — cancel.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function cancel_task( WP_REST_Request $request ) {
		$id   = (string) $request['task_id'];
		$task = ( new DDA_API_Client() )->cancel_task( $id );
		if ( is_wp_error( $task ) ) {
			return $task;
		}
		return self::no_store(
			array(
				'task'    => $task,
				/* translators: %s: short task id. */
				'message' => sprintf( __( 'Task %s cancelled.', 'distributed-data-analysis' ), DDA_Format::short_id( $id ) ),
			)
		);
	}

	/**
	 * POST /tasks/{id}/retry.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function retry_task( WP_REST_Request $request ) {
		$id   = (string) $request['task_id'];
		$task = ( new DDA_API_Client() )->retry_task( $id );
		if ( is_wp_error( $task ) ) {
			return $task;
		}
		return self::no_store(
			array(
				'task'    => $task,
				/* translators: %s: short task id. */
				'message' => sprintf( __( 'Task %s is pending again.', 'distributed-data-analysis' ), DDA_Format::short_id( $id ) ),
			)
		);
	}

	/**
	 * GET /runners — the runners and the rendered rows.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public static function list_runners() {
		$runners = ( new DDA_API_Client() )->list_runners();
		if ( is_wp_error( $runners ) ) {
			return $runners;
		}
		DDA_Admin::catalog(); // Names for the operation codes.
		$table = DDA_Views::runners_table( $runners );
		return self::no_store(
			array(
				'runners'    => $runners,
				'rows'       => DDA_Views::rows_html( $table ),
				'count'      => count( $runners ),
				'fetched_at' => gmdate( 'c' ),
			)
		);
	}

	/**
	 * POST /connection-test — tests the saved settings.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public static function connection_test() {
		$result = ( new DDA_API_Client() )->test_connection();
		// The settings screen shows the last result with its time (DDA_Admin::CONNECTION_OPTION).
		$stored = DDA_Admin::store_connection_test( $result );
		if ( is_wp_error( $result ) ) {
			$result->add_data( array_merge( (array) $result->get_error_data(), array( 'tested_at' => DDA_Format::datetime( gmdate( 'c', $stored['at'] ) ) ) ) );
			return $result;
		}
		return self::no_store( array( 'ok' => true, 'tested_at' => DDA_Format::datetime( gmdate( 'c', $stored['at'] ) ) ) + $result );
	}

	/**
	 * A response that browsers and proxies must not cache.
	 *
	 * @param array $data The body.
	 */
	private static function no_store( array $data ): WP_REST_Response {
		$response = new WP_REST_Response( $data );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}
}
