<?php
/**
 * WP-CLI: `wp dda runner list|pause|resume|remove`.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Lists the runners and pauses, resumes or removes them. A runner is named by its id or,
 * when no other runner has the same name, by its name.
 *
 * ## EXAMPLES
 *
 *     $ wp dda runner list
 *     $ wp dda runner pause gpu-box-1
 */
final class DDA_CLI_Runner_Command {

	/** The columns `wp dda runner list` prints by default. */
	public const LIST_FIELDS = array( 'runner_id', 'name', 'state', 'paused', 'version', 'labels', 'operation_codes', 'current_tasks', 'last_seen_at' );

	/**
	 * Lists the runners.
	 *
	 * ## OPTIONS
	 *
	 * [--fields=<fields>]
	 * : Columns, comma-separated (also registered_at).
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
	 *     $ wp dda runner list --format=json
	 *
	 * @subcommand list
	 *
	 * @param array $args       Positional arguments (none).
	 * @param array $assoc_args Options.
	 */
	public function list_( $args, $assoc_args ): void {
		$format  = DDA_CLI::format( $assoc_args, DDA_CLI::LIST_FORMATS );
		$runners = DDA_CLI::check( ( new DDA_API_Client() )->list_runners() );
		DDA_CLI::print_list( array_values( array_filter( $runners, 'is_array' ) ), $format, DDA_CLI::fields( $assoc_args, self::LIST_FIELDS ), 'runner_id' );
	}

	/**
	 * Pauses runners: they finish the tasks they hold and take no new ones.
	 *
	 * ## OPTIONS
	 *
	 * <runner>...
	 * : Runner ids or names.
	 *
	 * @param array $args       The runners.
	 * @param array $assoc_args Options (none).
	 */
	public function pause( $args, $assoc_args ): void {
		$this->set_paused( $args, true );
	}

	/**
	 * Resumes paused runners.
	 *
	 * ## OPTIONS
	 *
	 * <runner>...
	 * : Runner ids or names.
	 *
	 * @param array $args       The runners.
	 * @param array $assoc_args Options (none).
	 */
	public function resume( $args, $assoc_args ): void {
		$this->set_paused( $args, false );
	}

	/**
	 * Removes runners: the server forgets them, their running tasks go back to pending at
	 * once, their tokens stop working (a machine that still has the registration token can
	 * register anew).
	 *
	 * ## OPTIONS
	 *
	 * <runner>...
	 * : Runner ids or names.
	 *
	 * [--yes]
	 * : Do not ask for confirmation.
	 *
	 * ## EXAMPLES
	 *
	 *     $ wp dda runner remove old-box --yes
	 *
	 * @param array $args       The runners.
	 * @param array $assoc_args Options.
	 */
	public function remove( $args, $assoc_args ): void {
		$client = new DDA_API_Client();
		$ids    = $this->resolve( $client, $args );
		WP_CLI::confirm( sprintf( 'Remove %d runner(s)? Their running tasks go back to pending.', count( $ids ) ), $assoc_args );
		DDA_CLI::each(
			array_keys( $ids ),
			static function ( string $id ) use ( $client, $ids ) {
				$removed = $client->delete_runner( $id );
				if ( is_wp_error( $removed ) ) {
					return $removed;
				}
				$released = is_array( $removed ) && isset( $removed['released_tasks'] ) && is_array( $removed['released_tasks'] ) ? count( $removed['released_tasks'] ) : 0;
				return sprintf( 'Runner %s (%s) removed; %d running task(s) went back to pending.', $ids[ $id ], $id, $released );
			},
			'runners'
		);
	}

	/**
	 * Pauses or resumes runners.
	 *
	 * @param array $args   Runner ids or names.
	 * @param bool  $paused Pause (true) or resume.
	 */
	private function set_paused( array $args, bool $paused ): void {
		$client = new DDA_API_Client();
		$ids    = $this->resolve( $client, $args );
		DDA_CLI::each(
			array_keys( $ids ),
			static function ( string $id ) use ( $client, $ids, $paused ) {
				$runner = $client->set_runner_paused( $id, $paused );
				if ( is_wp_error( $runner ) ) {
					return $runner;
				}
				return sprintf( $paused ? 'Runner %s (%s) paused.' : 'Runner %s (%s) resumed.', $ids[ $id ], $id );
			},
			'runners'
		);
	}

	/**
	 * Turns runner ids or names into ids; ends with an error for a name that no runner or
	 * several runners have.
	 *
	 * @param DDA_API_Client $client The client.
	 * @param array          $args   Ids or names.
	 * @return array<string, string> Runner id => name.
	 */
	private function resolve( DDA_API_Client $client, array $args ): array {
		if ( ! $args ) {
			WP_CLI::error( 'Name at least one runner (its id or name).' );
		}
		$runners = DDA_CLI::check( $client->list_runners() );
		$ids     = array();
		foreach ( $args as $arg ) {
			$arg     = (string) $arg;
			$matches = array();
			foreach ( $runners as $runner ) {
				if ( ! is_array( $runner ) || ! isset( $runner['runner_id'] ) ) {
					continue;
				}
				if ( strtolower( $arg ) === $runner['runner_id'] || ( $runner['name'] ?? null ) === $arg ) {
					$matches[ (string) $runner['runner_id'] ] = (string) ( $runner['name'] ?? '' );
				}
			}
			if ( ! $matches ) {
				WP_CLI::error( sprintf( 'No runner has the id or name "%s".', $arg ) );
			}
			if ( count( $matches ) > 1 ) {
				WP_CLI::error( sprintf( 'Several runners are named "%s": use the id (%s).', $arg, implode( ', ', array_keys( $matches ) ) ) );
			}
			$ids += $matches;
		}
		return $ids;
	}
}
