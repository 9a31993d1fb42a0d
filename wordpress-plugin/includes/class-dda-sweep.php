<?php
/**
 * The WP-Cron sweep that fires `dda_task_finished`.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Once a minute (WP-Cron), lists the tasks that finished since the last sweep and fires
 * `dda_task_finished` for each it has not fired for yet. At least once: a sweep that dies
 * half-way (a fatal error in a listener, a PHP time limit) fires the same tasks again on the
 * next run. The API lists tasks newest-created first, not by when they finished, so a sweep
 * looks in two places:
 *
 * 1. The head: `GET /tasks/all?status=completed` (then failed, cancelled), page after page
 *    with `before`, down to the newest task of that status the previous sweep saw. A burst
 *    longer than the page budget (PAGES) leaves a gap (a cursor and where to stop), worked
 *    off by the next sweeps with a budget of their own, newest gap first.
 * 2. The watch list: tasks older than those heads that were still pending or running at the
 *    previous sweep (a task created early and finishing late, such as a long task next to
 *    quick ones on another runner, or a retried one). A watched task no longer pending or
 *    running is read with `GET /task/{id}` and fired for when it finished.
 *
 * The first sweep on a site only records where the lists stand (it fires nothing for the
 * tasks that finished before). The record of what was fired is bounded (the last
 * FIRED_MAX tasks), per site; a task that is retried and finishes again fires again.
 * Everything is in the option `dda_sweep_state` (not autoloaded).
 */
final class DDA_Sweep {

	/** The WP-Cron event. */
	public const HOOK = 'dda_sweep';

	/** The WP-Cron schedule: every minute. */
	public const SCHEDULE = 'dda_every_minute';

	/** The option that keeps the heads, gaps, watch list and fired record. */
	public const OPTION = 'dda_sweep_state';

	/** The option that keeps two sweeps from running at once. */
	public const LOCK_OPTION = 'dda_sweep_lock';

	/** A lock older than this (seconds) belongs to a sweep that died. */
	public const LOCK_SECONDS = 300;

	/** The statuses a task ends in. */
	public const FINISHED = array( 'completed', 'failed', 'cancelled' );

	/** Tasks per page of `GET /tasks/all`. */
	public const PAGE = 100;

	/** Pages per status and sweep for the top of a list, and as many for its older gaps. */
	public const PAGES = 10;

	/** Most gaps kept per status; beyond that the oldest is given up. */
	public const MAX_GAPS = 20;

	/** Most tasks on the watch list. */
	public const WATCH_MAX = 1000;

	/** Pages of pending tasks read for the watch list per sweep. */
	public const WATCH_PAGES = 3;

	/** Most `GET /task/{id}` per sweep (the rest wait for the next). */
	public const READS = 50;

	/** Size of the record of fired tasks. */
	public const FIRED_MAX = 2000;

	/** Seconds a sweep may read lists and tasks; what is left waits for the next sweep. */
	public const SECONDS = 30;

	/**
	 * When this run stops reading more pages (microtime).
	 *
	 * @var float
	 */
	private float $deadline = 0.0;

	/**
	 * The page budget left in the current run, per status (tests lower it).
	 *
	 * @var int
	 */
	private int $pages = self::PAGES;

	/**
	 * Registers the hooks (on every request: WP-Cron runs in its own request).
	 */
	public static function hooks(): void {
		add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) ); // phpcs:ignore WordPress.WP.CronInterval -- every minute is the point.
		add_action( self::HOOK, array( __CLASS__, 'run_scheduled' ) );
	}

	/**
	 * `cron_schedules`: adds "every minute".
	 *
	 * @param mixed $schedules The schedules.
	 * @return array
	 */
	public static function cron_schedules( $schedules ): array {
		$schedules                   = is_array( $schedules ) ? $schedules : array();
		$schedules[ self::SCHEDULE ] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Every minute (Distributed Data Analysis)', 'distributed-data-analysis' ),
		);
		return $schedules;
	}

	/**
	 * Schedules the sweep on this site unless it is scheduled (activation, and in wp-admin
	 * and WP-Cron requests for sites that were not active when the plugin was activated).
	 */
	public static function schedule(): void {
		if ( ! wp_next_scheduled( self::HOOK ) ) {
			// The schedule must be known when the event is stored.
			add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) ); // phpcs:ignore WordPress.WP.CronInterval
			wp_schedule_event( time() + MINUTE_IN_SECONDS, self::SCHEDULE, self::HOOK );
		}
	}

	/**
	 * Removes the sweep's event from this site (deactivation, uninstall).
	 */
	public static function unschedule(): void {
		wp_clear_scheduled_hook( self::HOOK );
	}

	/**
	 * The WP-Cron callback.
	 */
	public static function run_scheduled(): void {
		/**
		 * Filters whether this site runs the sweep that fires `dda_task_finished`. On a
		 * multisite network every site where the plugin is active sweeps (each has its own
		 * listeners); return false where nothing listens, to save the requests.
		 *
		 * @param bool $enabled Default: true.
		 */
		if ( ! apply_filters( 'dda_sweep_enabled', true ) || ! DDA_Settings::is_configured() ) {
			return;
		}
		( new self() )->run();
	}

	/**
	 * @param int $pages Pages of `GET /tasks/all` per status and run (tests lower it).
	 */
	public function __construct( int $pages = self::PAGES ) {
		$this->pages = max( 1, $pages );
	}

	/**
	 * One sweep: fires `dda_task_finished` for every task that finished since the last one.
	 *
	 * @return int|WP_Error How many times the action fired, or the API error that stopped
	 *                      the sweep (what was fired before it is kept).
	 */
	public function run() {
		if ( ! self::lock() ) {
			return 0;
		}
		$this->deadline = microtime( true ) + self::SECONDS;
		try {
			return $this->sweep();
		} finally {
			delete_option( self::LOCK_OPTION );
		}
	}

	/**
	 * Takes the lock; false when another sweep holds it.
	 */
	private static function lock(): bool {
		if ( add_option( self::LOCK_OPTION, time(), '', 'no' ) ) {
			return true;
		}
		$since = (int) get_option( self::LOCK_OPTION, 0 );
		if ( $since > time() - self::LOCK_SECONDS ) {
			return false;
		}
		// Left by a sweep that died: take it over.
		delete_option( self::LOCK_OPTION );
		return add_option( self::LOCK_OPTION, time(), '', 'no' );
	}

	/**
	 * The state, with every part present.
	 *
	 * @return array{heads: array, gaps: array, watch: array, fired: array}
	 */
	public static function state(): array {
		$state = get_option( self::OPTION, array() );
		$state = is_array( $state ) ? $state : array();
		foreach ( array( 'heads', 'gaps', 'watch', 'fired' ) as $part ) {
			$state[ $part ] = isset( $state[ $part ] ) && is_array( $state[ $part ] ) ? $state[ $part ] : array();
		}
		return $state;
	}

	/**
	 * Stores the state (not autoloaded: it is needed by the sweep only).
	 *
	 * @param array $state The state.
	 */
	private static function save( array $state ): void {
		if ( false === get_option( self::OPTION ) ) {
			add_option( self::OPTION, $state, '', 'no' );
			return;
		}
		update_option( self::OPTION, $state, false );
	}

	/**
	 * The sweep itself (under the lock). In this order, so that no task slips between the
	 * two places it looks (see the class comment): where each finished list stands now;
	 * the tasks created before the newest of those that are still pending or running (the
	 * next watch list); the finished lists down to where the previous sweep's stood; the
	 * previous watch list.
	 *
	 * @return int|WP_Error
	 */
	private function sweep() {
		$client = new DDA_API_Client();
		$state  = self::state();
		$first  = ! isset( $state['started'] );

		$now = array();
		foreach ( self::FINISHED as $status ) {
			$page = $client->list_tasks( $status, 1 );
			if ( is_wp_error( $page ) ) {
				return $page;
			}
			$now[ $status ] = self::marker( $page[0] ?? null );
		}
		$unfinished = $this->unfinished( $client, $now );
		if ( is_wp_error( $unfinished ) ) {
			return $unfinished;
		}
		// Watched from now on, also should this sweep end before check_watch() (the heads
		// saved below move past them).
		$state['watch'] += $unfinished;

		$fired = 0;
		foreach ( self::FINISHED as $status ) {
			if ( $first || ! array_key_exists( $status, $state['heads'] ) ) {
				// Where the list stands; what finished before is not fired for.
				$state['heads'][ $status ] = $now[ $status ];
				$state['gaps'][ $status ]  = array();
				continue;
			}
			$fired_here = $this->scan( $client, $status, $state );
			if ( is_wp_error( $fired_here ) ) {
				self::save( $state );
				return $fired_here;
			}
			$fired                    += $fired_here;
			$state['heads'][ $status ] = $now[ $status ];
			if ( $fired_here > 0 ) {
				self::save( $state ); // What fired so far: a listener that dies later does not undo it.
			}
		}

		$watched = $this->check_watch( $client, $state, $unfinished, $first );
		if ( is_wp_error( $watched ) ) {
			self::save( $state );
			return $watched;
		}
		$fired           += $watched;
		$state['started'] = $state['started'] ?? gmdate( 'c' );
		self::save( $state );
		return $fired;
	}

	/**
	 * Reads a finished list from the top down to the previous sweep's head, then the gaps
	 * earlier sweeps left, newest first, within the page budget; what is not read becomes
	 * (or stays) a gap.
	 *
	 * @param DDA_API_Client $client The client.
	 * @param string         $status The finished status.
	 * @param array          $state  The state (gaps and the fired record are updated).
	 * @return int|WP_Error How many fired.
	 */
	private function scan( DDA_API_Client $client, string $status, array &$state ) {
		$gaps = $state['gaps'][ $status ] ?? array();
		array_unshift(
			$gaps,
			array(
				'before' => '',
				'stop'   => $state['heads'][ $status ],
			)
		);
		// The top and the older gaps have a budget each, so that gaps shrink however busy the top is.
		$top_budget = $this->pages;
		$gap_budget = $this->pages;
		$fired      = 0;
		$left       = array();
		foreach ( $gaps as $index => $gap ) {
			$budget = 0 === $index ? $top_budget : $gap_budget;
			if ( $budget <= 0 || ! is_array( $gap ) ) {
				$left[] = $gap;
				continue;
			}
			$result = $this->scan_gap( $client, $status, $gap, $budget, $state );
			if ( 0 === $index ) {
				$top_budget = $budget;
			} else {
				$gap_budget = $budget;
			}
			if ( is_wp_error( $result ) ) {
				// Nothing of this gap or the later ones is lost: they wait for the next sweep.
				$rest = array_merge( $left, array_slice( $gaps, $index ) );
				if ( '' === ( $rest[0]['before'] ?? null ) ) {
					array_shift( $rest ); // The top: the next sweep reads it from its head again.
				}
				$state['gaps'][ $status ] = array_slice( $rest, 0, self::MAX_GAPS );
				return $result;
			}
			$fired += $result['fired'];
			if ( null !== $result['gap'] ) {
				$left[] = $result['gap'];
			}
		}
		// Too many gaps: the oldest (the last) are given up.
		$state['gaps'][ $status ] = array_values( array_filter( array_slice( $left, 0, self::MAX_GAPS ), 'is_array' ) );
		return $fired;
	}

	/**
	 * Where a list stands: the id and creation time of its newest task (null for an empty list).
	 *
	 * @param mixed $task A task object.
	 * @return array{id: string, created_at: string}|null
	 */
	private static function marker( $task ): ?array {
		if ( ! is_array( $task ) || ! DDA_Format::is_task_id( $task['task_id'] ?? null ) ) {
			return null;
		}
		return array(
			'id'         => $task['task_id'],
			'created_at' => (string) ( $task['created_at'] ?? '' ),
		);
	}

	/**
	 * Reads a gap of a finished list, newest first, from its cursor down to its stop (the
	 * task where the previous sweep's view began, or for a gap without a stop, the end of
	 * the list), within the page budget.
	 *
	 * @param DDA_API_Client $client The client.
	 * @param string         $status The finished status.
	 * @param array          $gap    `{before: string, stop: ?array{id, created_at}}`.
	 * @param int            $budget Pages left (lowered here).
	 * @param array          $state  The state (the fired record is updated).
	 * @return array{fired: int, gap: ?array}|WP_Error `gap`: what is left of the gap, null when
	 *         it was read to its end.
	 */
	private function scan_gap( DDA_API_Client $client, string $status, array $gap, int &$budget, array &$state ) {
		$before = (string) ( $gap['before'] ?? '' );
		$stop   = is_array( $gap['stop'] ?? null ) ? $gap['stop'] : null;
		$fired  = 0;
		while ( $budget > 0 && microtime( true ) < $this->deadline ) {
			--$budget;
			$page = $client->list_tasks( $status, self::PAGE, $before );
			if ( is_wp_error( $page ) ) {
				if ( 'dda_not_found' === $page->get_error_code() && '' !== $before ) {
					// The cursor task was dropped (retention): the rest of this gap is gone too.
					return array(
						'fired' => $fired,
						'gap'   => null,
					);
				}
				return $page;
			}
			$found = array();
			$ended = count( $page ) < self::PAGE;
			foreach ( $page as $task ) {
				if ( ! is_array( $task ) || ! DDA_Format::is_task_id( $task['task_id'] ?? null ) ) {
					continue;
				}
				if ( null !== $stop && ( $task['task_id'] === $stop['id'] || self::older( $task, $stop ) ) ) {
					$ended = true;
					break;
				}
				$found[] = $task;
				$before  = $task['task_id'];
			}
			// Oldest first, as they (roughly) finished.
			foreach ( array_reverse( $found ) as $task ) {
				$fired += $this->fire( $task, $state );
			}
			if ( $ended ) {
				return array(
					'fired' => $fired,
					'gap'   => null,
				);
			}
		}
		return array(
			'fired' => $fired,
			'gap'   => array(
				'before' => $before,
				'stop'   => $stop,
			),
		);
	}

	/**
	 * Whether a task was created before a marker (strictly: tasks of the same millisecond
	 * are read once more, the fired record keeps them from firing twice).
	 *
	 * @param array $task   A task object.
	 * @param array $marker `{id, created_at}`.
	 */
	private static function older( array $task, array $marker ): bool {
		$a = self::ms( $task['created_at'] ?? null );
		$b = self::ms( $marker['created_at'] ?? null );
		return null !== $a && null !== $b && $a < $b;
	}

	/**
	 * Milliseconds since the epoch of an RFC 3339 time.
	 *
	 * @param mixed $time The time.
	 */
	private static function ms( $time ): ?float {
		if ( ! is_string( $time ) || '' === $time ) {
			return null;
		}
		try {
			$parsed = new DateTimeImmutable( $time );
		} catch ( Exception $e ) {
			return null;
		}
		return (float) $parsed->format( 'U.v' ) * 1000;
	}

	/**
	 * Fires `dda_task_finished` for a finished task unless it was fired for this finish.
	 *
	 * @param array $task  The task object.
	 * @param array $state The state (its fired record is updated).
	 * @return int 1 when it fired, else 0.
	 */
	private function fire( array $task, array &$state ): int {
		$id     = (string) $task['task_id'];
		$status = (string) ( $task['status'] ?? '' );
		if ( ! in_array( $status, self::FINISHED, true ) ) {
			return 0;
		}
		// The finish: a retried task that finishes again is a new one.
		$finish = $status . '@' . (string) ( $task['completed_at'] ?? '' );
		if ( ( $state['fired'][ $id ] ?? null ) === $finish ) {
			return 0;
		}
		unset( $state['watch'][ $id ] );
		/**
		 * Fires when the plugin's sweep (WP-Cron, every minute) sees that a task finished:
		 * completed, failed or cancelled. At least once: the same task may fire again (after
		 * a sweep that was cut short), so make the listener idempotent. A task that is retried
		 * and finishes again fires again. In `GET /tasks/all` (where most come from) params
		 * or result_data over 4 KiB are null with `params_truncated` / `result_truncated`
		 * set: dda_get_task() reads the whole task.
		 *
		 * @param string $task_id The task id.
		 * @param string $status  completed, failed or cancelled.
		 * @param array  $task    The task object as the API answered it.
		 */
		do_action( 'dda_task_finished', $id, $status, $task );
		unset( $state['fired'][ $id ] );
		$state['fired'][ $id ] = $finish;
		if ( count( $state['fired'] ) > self::FIRED_MAX ) {
			$state['fired'] = array_slice( $state['fired'], -self::FIRED_MAX, null, true );
		}
		return 1;
	}

	/**
	 * The tasks a later sweep must watch: every running task, and the pending tasks created
	 * before the newest of the finished lists' heads (WATCH_PAGES pages of them, the newest;
	 * the older ones of a long backlog are not watched).
	 *
	 * @param DDA_API_Client $client The client.
	 * @param array          $heads  Where each finished list stands now (status => marker or null).
	 * @return array<string, string>|WP_Error Task id => created_at.
	 */
	private function unfinished( DDA_API_Client $client, array $heads ) {
		$horizon = null;
		foreach ( $heads as $head ) {
			if ( is_array( $head ) && ( null === $horizon || self::older( $horizon, $head ) ) ) {
				$horizon = $head;
			}
		}
		$found = array();
		if ( null === $horizon ) {
			return $found; // Nothing finished yet: every later finish is at the top of its list.
		}
		foreach ( array( 'running' => '', 'pending' => $horizon['id'] ) as $status => $before ) {
			for ( $page_index = 0; $page_index < self::WATCH_PAGES; $page_index++ ) {
				$page = $client->list_tasks( $status, DDA_API_Client::MAX_PAGE, $before );
				if ( is_wp_error( $page ) ) {
					if ( 'dda_not_found' === $page->get_error_code() ) {
						break; // The cursor task is gone (retention or a race); the next sweep starts anew.
					}
					return $page;
				}
				foreach ( $page as $task ) {
					if ( is_array( $task ) && DDA_Format::is_task_id( $task['task_id'] ?? null ) ) {
						$found[ $task['task_id'] ] = (string) ( $task['created_at'] ?? '' );
						$before                    = $task['task_id'];
					}
				}
				if ( count( $page ) < DDA_API_Client::MAX_PAGE ) {
					break;
				}
			}
		}
		return $found;
	}

	/**
	 * Reads the watched tasks that are no longer pending or running, fires for those that
	 * finished, and makes the tasks found unfinished now the next watch list.
	 *
	 * @param DDA_API_Client $client     The client.
	 * @param array          $state      The state.
	 * @param array          $unfinished What unfinished() found in this sweep.
	 * @param bool           $first      Whether this is the first sweep (nothing fires).
	 * @return int|WP_Error How many fired.
	 */
	private function check_watch( DDA_API_Client $client, array &$state, array $unfinished, bool $first ) {
		$fired = 0;
		$reads = 0;
		$keep  = array();
		foreach ( $state['watch'] as $id => $created_at ) {
			$id = (string) $id;
			if ( $first || isset( $unfinished[ $id ] ) ) {
				continue; // Still unfinished: watched again below.
			}
			if ( $reads >= self::READS || microtime( true ) >= $this->deadline ) {
				$keep[ $id ] = $created_at; // Read on the next sweep.
				continue;
			}
			++$reads;
			$task = $client->get_task( $id );
			if ( is_wp_error( $task ) ) {
				if ( 'dda_not_found' !== $task->get_error_code() ) {
					$keep[ $id ] = $created_at; // Read again next time; a 404 is a dropped task.
				}
				continue;
			}
			if ( is_array( $task ) && in_array( $task['status'] ?? '', self::FINISHED, true ) ) {
				$fired += $this->fire( $task, $state );
			} elseif ( is_array( $task ) ) {
				$keep[ $id ] = $created_at; // Unfinished, beyond the pages unfinished() reads.
			}
		}
		$watch = $keep + $unfinished;
		if ( count( $watch ) > self::WATCH_MAX ) {
			// The newest stay: the oldest unfinished tasks are the likeliest to be stuck (no runner).
			arsort( $watch );
			$watch = array_slice( $watch, 0, self::WATCH_MAX, true );
		}
		$state['watch'] = $watch;
		return $fired;
	}
}
