<?php
/**
 * WP-CLI: `wp dda task create|get|list|cancel|retry`.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Creates, reads, lists, cancels and retries tasks on the DDA API server.
 *
 * ## EXAMPLES
 *
 *     $ wp dda task create 300 --params='{"values": [1, 2, 3]}'
 *     Success: Task 0f8fad5b-d9cb-469f-a165-70867728950e created.
 *
 *     $ wp dda task list --status=failed --format=ids | xargs wp dda task retry
 */
final class DDA_CLI_Task_Command {

	/** The columns `wp dda task list` prints by default. */
	public const LIST_FIELDS = array( 'task_id', 'operation_code', 'status', 'priority', 'attempts', 'runner', 'created_at', 'completed_at' );

	/**
	 * Creates a task.
	 *
	 * Prints the new task's id; `dda_task_created` fires.
	 *
	 * ## OPTIONS
	 *
	 * <operation_code>
	 * : The operation, 1…999999.
	 *
	 * [--params=<json>]
	 * : The parameters, a JSON object; {} when left out.
	 *
	 * [--priority=<priority>]
	 * : −100…100; higher runs first.
	 * ---
	 * default: 0
	 * ---
	 *
	 * [--run-at=<time>]
	 * : Not before this time: RFC 3339 with a time zone (2026-12-01T08:00:00+01:00) or a Unix timestamp.
	 *
	 * [--delay=<seconds>]
	 * : Not before this many seconds from now (0…31536000). Not with --run-at.
	 *
	 * [--max-attempts=<n>]
	 * : Leases before the task fails for good (1…100; the server's default is 3).
	 *
	 * [--timeout=<seconds>]
	 * : The lease: how long a runner may work on it without a heartbeat (1…86400).
	 *
	 * [--idempotency-key=<key>]
	 * : The same key again within 24 hours creates nothing and prints the first task's id.
	 *
	 * [--porcelain]
	 * : Print only the task id.
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda task create 100
	 *     $ wp dda task create 300 --params='{"values": [4, 8, 15]}' --priority=10 --delay=3600
	 *
	 * @param array $args       `<operation_code>`.
	 * @param array $assoc_args Options.
	 */
	public function create( $args, $assoc_args ): void {
		$code   = DDA_CLI::int_arg( $args[0] ?? '', 'The operation code', 1, 999999 );
		$params = DDA_REST_Controller::parse_params( (string) ( $assoc_args['params'] ?? '{}' ) );
		DDA_CLI::check( $params );
		$task_args = array( 'priority' => DDA_CLI::int_arg( $assoc_args['priority'] ?? '0', '--priority', -100, 100 ) );
		if ( isset( $assoc_args['run-at'] ) ) {
			$run_at              = trim( (string) $assoc_args['run-at'] );
			$task_args['run_at'] = preg_match( '/^\d{1,12}\z/', $run_at ) ? (int) $run_at : $run_at;
		}
		$ints = array(
			'delay'        => array( 'delay_seconds', 0, 31536000 ),
			'max-attempts' => array( 'max_attempts', 1, 100 ),
			'timeout'      => array( 'timeout_seconds', 1, 86400 ),
		);
		foreach ( $ints as $option => $spec ) {
			if ( isset( $assoc_args[ $option ] ) ) {
				$task_args[ $spec[0] ] = DDA_CLI::int_arg( $assoc_args[ $option ], '--' . $option, $spec[1], $spec[2] );
			}
		}
		if ( isset( $assoc_args['idempotency-key'] ) ) {
			$task_args['idempotency_key'] = (string) $assoc_args['idempotency-key'];
		}
		$created = DDA_CLI::check( dda_create_task( $code, $params, $task_args ) );
		$id      = (string) ( $created['task_id'] ?? '' );
		if ( ! empty( $assoc_args['porcelain'] ) ) {
			WP_CLI::line( $id );
			return;
		}
		WP_CLI::success( sprintf( 'Task %s created.', $id ) );
	}

	/**
	 * Shows one task with its parameters, result and event log.
	 *
	 * ## OPTIONS
	 *
	 * <task_id>
	 * : The task id.
	 *
	 * [--field=<field>]
	 * : Print only this field's value (status, result_data, …).
	 *
	 * [--fields=<fields>]
	 * : Only these fields, comma-separated.
	 *
	 * [--format=<format>]
	 * : How to print it (json and yaml print the task object).
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda task get 0f8fad5b-d9cb-469f-a165-70867728950e
	 *     $ wp dda task get 0f8fad5b-d9cb-469f-a165-70867728950e --field=result_data
	 *
	 * @param array $args       `<task_id>`.
	 * @param array $assoc_args Options.
	 */
	public function get( $args, $assoc_args ): void {
		$format = DDA_CLI::format( $assoc_args, DDA_CLI::ITEM_FORMATS );
		$task   = DDA_CLI::check( dda_get_task( (string) ( $args[0] ?? '' ) ) );
		DDA_CLI::print_item( $task, $format, $assoc_args );
	}

	/**
	 * Lists tasks, newest first.
	 *
	 * ## OPTIONS
	 *
	 * [--status=<status>]
	 * : Only tasks with this status.
	 * ---
	 * options:
	 *   - pending
	 *   - running
	 *   - completed
	 *   - failed
	 *   - cancelled
	 * ---
	 *
	 * [--operation=<code>]
	 * : Only tasks of this operation code.
	 *
	 * [--search=<id_prefix>]
	 * : Only tasks whose id starts with this (hex digits and dashes).
	 *
	 * [--before=<task_id>]
	 * : Only tasks created before this one (the next page: the last id of the previous).
	 *
	 * [--limit=<n>]
	 * : How many, 1…1000.
	 * ---
	 * default: 50
	 * ---
	 *
	 * [--fields=<fields>]
	 * : Columns, comma-separated: any field of a task (progress, available_at, error, …), and runner (the runner's name).
	 *
	 * [--format=<format>]
	 * : How to print them.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - csv
	 *   - json
	 *   - yaml
	 *   - ids
	 *   - count
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda task list --status=pending --operation=300
	 *     $ wp dda task list --format=json --limit=1000 > tasks.json
	 *
	 * @subcommand list
	 *
	 * @param array $args       Positional arguments (none).
	 * @param array $assoc_args Options.
	 */
	public function list_( $args, $assoc_args ): void {
		$format = DDA_CLI::format( $assoc_args, DDA_CLI::LIST_FORMATS );
		$status = (string) ( $assoc_args['status'] ?? '' );
		if ( '' !== $status && ! in_array( $status, DDA_Format::STATUSES, true ) ) {
			WP_CLI::error( sprintf( 'Invalid status "%s": use one of %s.', $status, implode( ', ', DDA_Format::STATUSES ) ) );
		}
		$code   = isset( $assoc_args['operation'] ) ? DDA_CLI::int_arg( $assoc_args['operation'], '--operation', 1, 999999 ) : 0;
		$limit  = DDA_CLI::int_arg( $assoc_args['limit'] ?? '50', '--limit', 1, 1000 );
		$prefix = strtolower( trim( (string) ( $assoc_args['search'] ?? '' ) ) );
		$before = strtolower( trim( (string) ( $assoc_args['before'] ?? '' ) ) );
		$client = new DDA_API_Client();
		$tasks  = array();
		// Pages of at most DDA_API_Client::MAX_PAGE, each after the last task of the one before.
		while ( count( $tasks ) < $limit ) {
			$want  = min( DDA_API_Client::MAX_PAGE, $limit - count( $tasks ) );
			$page  = DDA_CLI::check( $client->list_tasks( $status, $want, $before, $code, $prefix ) );
			$tasks = array_merge( $tasks, $page );
			$last  = end( $page );
			if ( count( $page ) < $want || ! is_array( $last ) || ! DDA_Format::is_task_id( $last['task_id'] ?? null ) ) {
				break;
			}
			$before = $last['task_id'];
		}
		$names  = array();
		$fields = DDA_CLI::fields( $assoc_args, self::LIST_FIELDS );
		if ( in_array( 'runner', $fields, true ) && in_array( $format, array( 'table', 'csv', 'json', 'yaml' ), true ) ) {
			$runners = ( new DDA_API_Client() )->list_runners();
			foreach ( is_wp_error( $runners ) ? array() : $runners as $runner ) {
				if ( is_array( $runner ) && isset( $runner['runner_id'], $runner['name'] ) ) {
					$names[ (string) $runner['runner_id'] ] = (string) $runner['name'];
				}
			}
		}
		$rows = array();
		foreach ( $tasks as $task ) {
			if ( ! is_array( $task ) ) {
				continue;
			}
			$runner_id      = (string) ( $task['runner_id'] ?? '' );
			$task['runner'] = '' === $runner_id ? '' : ( $names[ $runner_id ] ?? $runner_id );
			$rows[]         = $task;
		}
		DDA_CLI::print_list( $rows, $format, $fields, 'task_id' );
	}

	/**
	 * Cancels pending or running tasks.
	 *
	 * ## OPTIONS
	 *
	 * <task_id>...
	 * : One or more task ids.
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda task cancel 0f8fad5b-d9cb-469f-a165-70867728950e
	 *
	 * @param array $args       The task ids.
	 * @param array $assoc_args Options (none).
	 */
	public function cancel( $args, $assoc_args ): void {
		$client = new DDA_API_Client();
		DDA_CLI::each(
			$args,
			static function ( string $id ) use ( $client ) {
				$task = $client->cancel_task( strtolower( $id ) );
				return is_wp_error( $task ) ? $task : sprintf( 'Task %s cancelled.', $id );
			},
			'tasks'
		);
	}

	/**
	 * Sends failed or cancelled tasks back to pending (attempts reset).
	 *
	 * ## OPTIONS
	 *
	 * <task_id>...
	 * : One or more task ids.
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda task list --status=failed --format=ids | xargs wp dda task retry
	 *
	 * @param array $args       The task ids.
	 * @param array $assoc_args Options (none).
	 */
	public function retry( $args, $assoc_args ): void {
		$client = new DDA_API_Client();
		DDA_CLI::each(
			$args,
			static function ( string $id ) use ( $client ) {
				$task = $client->retry_task( strtolower( $id ) );
				return is_wp_error( $task ) ? $task : sprintf( 'Task %s is pending again.', $id );
			},
			'tasks'
		);
	}
}
