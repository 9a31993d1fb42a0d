<?php
/**
 * The overview: GET /stats drawn as an inline SVG chart (series told apart by colour,
 * pattern and marker, an accessible name) with a real table of every hour, the numbers at
 * a glance, the Dashboard widget, and the one-minute cache.
 *
 * @package DistributedDataAnalysis
 */

require_once __DIR__ . '/trait-dda-fake-routes.php';

final class OverviewTest extends DDA_Test_Case {
	use DDA_Fake_Routes;

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
	}

	protected function tearDown(): void {
		$this->stop_routing();
		unset( $_GET['tab'] );
		parent::tearDown();
	}

	/**
	 * An answer of /stats: 24 hours, tasks in three of them.
	 */
	private static function stats(): array {
		$start   = (int) floor( time() / HOUR_IN_SECONDS ) * HOUR_IN_SECONDS - 23 * HOUR_IN_SECONDS;
		$buckets = array();
		for ( $i = 0; $i < 24; $i++ ) {
			$buckets[] = array(
				'start'     => gmdate( 'Y-m-d\TH:i:s.000\Z', $start + $i * HOUR_IN_SECONDS ),
				'created'   => array( 20 => 12, 21 => 30, 23 => 5 )[ $i ] ?? 0,
				'completed' => array( 20 => 10, 21 => 27, 23 => 1 )[ $i ] ?? 0,
				'failed'    => array( 21 => 2 )[ $i ] ?? 0,
			);
		}
		return array(
			'now'                        => gmdate( 'Y-m-d\TH:i:s.000\Z' ),
			'pending'                    => 1234,
			'running'                    => 3,
			'oldest_pending_age_seconds' => 125.5,
			'runners_online'             => 2,
			'bucket_seconds'             => 3600,
			'buckets'                    => $buckets,
		);
	}

	public function test_the_chart_draws_the_three_series_with_an_accessible_name(): void {
		$svg = DDA_Overview::chart_svg( self::stats(), 'chart-x' );
		$this->assertStringStartsWith( '<svg class="dda-chart" role="img" aria-labelledby="chart-x-title chart-x-desc"', $svg );
		$this->assertStringContainsString( 'data-points="24" data-created="47" data-completed="38" data-failed="2"', $svg );
		$this->assertStringContainsString( '<title id="chart-x-title">Tasks per hour, last 24 hours</title>', $svg );
		$this->assertStringContainsString( '47 tasks created, 38 completed, 2 failed', $svg );
		$this->assertSame( 3, substr_count( $svg, '<polyline' ) );
		// Told apart without colour: a solid, a dashed and a dotted line, three marker shapes.
		$this->assertStringContainsString( 'data-series="created"', $svg );
		$this->assertStringContainsString( 'stroke-dasharray="8 4"', $svg );
		$this->assertStringContainsString( 'stroke-dasharray="2 3"', $svg );
		$this->assertGreaterThan( 0, substr_count( $svg, '<circle class="dda-chart__marker"' ) );
		$this->assertGreaterThan( 0, substr_count( $svg, '<rect class="dda-chart__marker"' ) );
		$this->assertGreaterThan( 0, substr_count( $svg, '<polygon class="dda-chart__marker"' ) );
		// A marker per point that is not zero (3 + 3 + 1), plus one per series in the legend.
		$this->assertSame( 7 + 3, substr_count( $svg, 'class="dda-chart__marker"' ) );
		$this->assertStringContainsString( '>Created (47)</text>', $svg );
		$this->assertStringContainsString( '>Failed (2)</text>', $svg );
		// The y axis ends at a round number above the busiest hour (30).
		$this->assertStringContainsString( '>40</text>', $svg );
		$this->assertSame( 40, DDA_Overview::nice_max( 30 ) );
		$this->assertSame( 4, DDA_Overview::nice_max( 0 ) );
		$this->assertSame( 100, DDA_Overview::nice_max( 99 ) );
		$this->assertSame( 2000, DDA_Overview::nice_max( 1234 ) );
	}

	public function test_the_colours_have_enough_contrast_against_white(): void {
		foreach ( DDA_Overview::series() as $key => $series ) {
			$this->assertGreaterThanOrEqual( 4.5, self::contrast( $series['color'], '#ffffff' ), $key );
		}
		$this->assertCount( 3, array_unique( array_column( DDA_Overview::series(), 'dash' ) ) );
		$this->assertCount( 3, array_unique( array_column( DDA_Overview::series(), 'marker' ) ) );
	}

	/**
	 * WCAG 2.1 contrast ratio of two #rrggbb colours.
	 */
	private static function contrast( string $a, string $b ): float {
		$luminance = static function ( string $hex ): float {
			$sum = 0.0;
			foreach ( array( 0.2126, 0.7152, 0.0722 ) as $i => $weight ) {
				$c    = hexdec( substr( $hex, 1 + 2 * $i, 2 ) ) / 255;
				$sum += $weight * ( $c <= 0.03928 ? $c / 12.92 : ( ( $c + 0.055 ) / 1.055 ) ** 2.4 );
			}
			return $sum;
		};
		$la = $luminance( $a );
		$lb = $luminance( $b );
		return ( max( $la, $lb ) + 0.05 ) / ( min( $la, $lb ) + 0.05 );
	}

	public function test_the_overview_has_the_numbers_the_chart_and_its_table(): void {
		$html = DDA_Views::capture(
			'overview',
			array(
				'stats'   => self::stats(),
				'compact' => false,
			)
		);
		$this->assertStringContainsString( '<svg class="dda-chart"', $html );
		$this->assertMatchesRegularExpression( '/data-stat="pending">\s*<span class="dda-stats__value">1,234<\/span>\s*<span class="dda-stats__label">pending<\/span>/', $html );
		$this->assertMatchesRegularExpression( '/data-stat="oldest">\s*<span class="dda-stats__value">2 mins<\/span>/', $html );
		$this->assertMatchesRegularExpression( '/data-stat="runners">\s*<span class="dda-stats__value">2<\/span>\s*<span class="dda-stats__label">runners online<\/span>/', $html );
		// The table: a caption, a header per series, 24 hours, the totals.
		$this->assertMatchesRegularExpression( '/<table class="widefat striped dda-stats-table" id="dda-overview-chart-table">\s*<caption/', $html );
		$this->assertSame( 24, preg_match_all( '/<th scope="row">\s*<time datetime=/', $html ) );
		$this->assertStringContainsString( '<td class="num" data-total="created">47</td>', $html );
		$this->assertStringContainsString( '<td class="num" data-total="failed">2</td>', $html );
		$this->assertStringContainsString( '<th scope="col" class="num">Completed</th>', $html );
	}

	public function test_an_empty_day_still_draws_the_axes_and_says_nothing_waits(): void {
		$stats = self::stats();
		foreach ( $stats['buckets'] as &$bucket ) {
			$bucket['created']   = 0;
			$bucket['completed'] = 0;
			$bucket['failed']    = 0;
		}
		unset( $bucket );
		$stats['oldest_pending_age_seconds'] = null;
		$html                                = DDA_Views::capture(
			'overview',
			array(
				'stats'   => $stats,
				'compact' => true,
			)
		);
		$this->assertStringContainsString( 'data-created="0"', $html );
		$this->assertSame( 3, substr_count( $html, 'class="dda-chart__marker"' ) ); // The legend's only.
		$this->assertStringContainsString( 'no task is waiting for a runner', $html );
		$this->assertStringContainsString( 'id="dda-widget-chart-table"', $html );
	}

	public function test_stats_are_cached_for_a_minute(): void {
		$this->use_settings( 'https://dda-cache.example.com', self::api_key() );
		delete_transient( 'dda_stats_' . substr( md5( 'https://dda-cache.example.com' ), 0, 12 ) );
		$this->route_requests( array( 'GET /stats' => array( 200, self::stats() ) ) );
		$first = DDA_Overview::stats();
		$again = DDA_Overview::stats();
		$this->assertSame( 1234, $first['pending'] );
		$this->assertSame( $first, $again );
		$this->assertSame( array( 'GET /stats' ), $this->routed );
		DDA_Overview::stats( true );
		$this->assertSame( array( 'GET /stats', 'GET /stats' ), $this->routed );
		// A failure is kept briefly too, so a server that is down does not slow every load.
		delete_transient( 'dda_stats_' . substr( md5( 'https://dda-cache.example.com' ), 0, 12 ) );
		$this->route_requests( array() );
		$this->assertInstanceOf( WP_Error::class, DDA_Overview::stats() );
		$this->assertInstanceOf( WP_Error::class, DDA_Overview::stats() );
		$this->assertSame( array( 'GET /stats' ), $this->routed );
		delete_transient( 'dda_stats_' . substr( md5( 'https://dda-cache.example.com' ), 0, 12 ) );
	}

	public function test_the_overview_tab_draws_the_real_servers_stats(): void {
		( new DDA_API_Client() )->create_task( 100, new stdClass() );
		$_GET['tab'] = 'overview';
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'aria-current="page">Overview</a>', $html );
		$this->assertMatchesRegularExpression( '/<svg class="dda-chart" role="img"[^>]* data-points="24" data-created="[1-9]\d*"/', $html );
		$this->assertStringContainsString( 'dda-stats-table', $html );
		$this->assertStringNotContainsString( 'notice-error', $html );
	}

	public function test_the_dashboard_widget_is_there_for_users_with_the_capability(): void {
		require_once ABSPATH . 'wp-admin/includes/dashboard.php';
		DDA_Views::load_list_tables(); // WP_Screen and set_current_screen().
		set_current_screen( 'dashboard' );
		DDA_Overview::add_widget();
		$this->assertArrayHasKey( DDA_Overview::WIDGET, $GLOBALS['wp_meta_boxes']['dashboard']['normal']['core'] ?? array() );
		unset( $GLOBALS['wp_meta_boxes']['dashboard'] );

		wp_set_current_user( self::user( 'editor' ) );
		DDA_Overview::add_widget();
		$this->assertArrayNotHasKey( DDA_Overview::WIDGET, $GLOBALS['wp_meta_boxes']['dashboard']['normal']['core'] ?? array() );

		$this->as_admin();
		$this->use_settings( 'http://127.0.0.1:' . self::closed_port(), self::api_key() );
		ob_start();
		DDA_Overview::render_widget();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( 'notice-error inline dda-overview-error', $html );
		$this->assertStringContainsString( 'Cannot reach the API server', $html );
	}
}
