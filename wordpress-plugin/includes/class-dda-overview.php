<?php
/**
 * The queue at a glance: the Overview tab and the Dashboard widget.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Reads `GET /stats?hours=24` (cached for a minute, so the Dashboard does not ask the API on
 * every load) and draws it as an inline SVG line chart, in PHP: no script, no library, no
 * CDN. Each series has its own colour (WCAG 2.1 AA contrast against the background), line
 * pattern and marker shape, and is named in the legend, so the chart reads without colour;
 * every number is also in a real <table> next to it (for screen readers, and to open).
 */
final class DDA_Overview {

	/** How long an answer of /stats is kept (seconds). */
	public const CACHE_SECONDS = 60;

	/** How long a failure is kept, so a server that is down does not slow every Dashboard load. */
	public const ERROR_CACHE_SECONDS = 30;

	/** Hours the chart covers. */
	public const HOURS = 24;

	/** The dashboard widget's id. */
	public const WIDGET = 'dda_overview';

	/**
	 * Registers the Dashboard widget.
	 */
	public static function init(): void {
		add_action( 'wp_dashboard_setup', array( __CLASS__, 'add_widget' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue_dashboard' ) );
	}

	/**
	 * `wp_dashboard_setup`: the widget, for users who may see DDA.
	 */
	public static function add_widget(): void {
		if ( ! current_user_can( DDA_Admin::CAPABILITY ) ) {
			return;
		}
		wp_add_dashboard_widget( self::WIDGET, __( 'Data Analysis', 'distributed-data-analysis' ), array( __CLASS__, 'render_widget' ) );
	}

	/**
	 * The plugin's styles on the Dashboard (the widget's chart and numbers).
	 *
	 * @param string $hook_suffix The current screen's hook.
	 */
	public static function enqueue_dashboard( string $hook_suffix ): void {
		if ( 'index.php' === $hook_suffix && current_user_can( DDA_Admin::CAPABILITY ) ) {
			wp_enqueue_style( 'dda-admin', DDA_PLUGIN_URL . 'css/admin.css', array(), DDA_VERSION );
		}
	}

	/**
	 * The widget's content.
	 */
	public static function render_widget(): void {
		if ( ! DDA_Settings::is_configured() ) {
			DDA_Views::render(
				'overview',
				array(
					'stats'   => new WP_Error( 'dda_not_configured', __( 'The plugin is not connected yet: enter the API server URL and key on the Settings screen.', 'distributed-data-analysis' ) ),
					'compact' => true,
				)
			);
			return;
		}
		DDA_Views::render(
			'overview',
			array(
				'stats'   => self::stats(),
				'compact' => true,
			)
		);
	}

	/**
	 * The cache key: per site and per API URL (another server's numbers are not shown).
	 */
	private static function cache_key(): string {
		$settings = DDA_Settings::get();
		return 'dda_stats_' . substr( md5( (string) ( $settings['api_url'] ?? '' ) ), 0, 12 );
	}

	/**
	 * The last 24 hours of `GET /stats`, from the cache when it is younger than a minute.
	 *
	 * @param bool $fresh Ask the API even when the cache has an answer.
	 * @return array|WP_Error The answer, with `fetched_at` (Unix time) added.
	 */
	public static function stats( bool $fresh = false ) {
		$key = self::cache_key();
		if ( ! $fresh ) {
			$cached = get_transient( $key );
			if ( is_array( $cached ) && isset( $cached['error'] ) && is_array( $cached['error'] ) ) {
				return new WP_Error( (string) ( $cached['error'][0] ?? 'dda_unavailable' ), (string) ( $cached['error'][1] ?? '' ) );
			}
			if ( is_array( $cached ) && isset( $cached['buckets'] ) ) {
				return $cached;
			}
		}
		$stats = ( new DDA_API_Client() )->stats( self::HOURS );
		if ( is_wp_error( $stats ) ) {
			set_transient( $key, array( 'error' => array( $stats->get_error_code(), $stats->get_error_message() ) ), self::ERROR_CACHE_SECONDS );
			return $stats;
		}
		$stats['fetched_at'] = time();
		set_transient( $key, $stats, self::CACHE_SECONDS );
		return $stats;
	}

	/**
	 * The buckets of an answer as plain rows: start (Unix time) and the three counts.
	 *
	 * @param array $stats An answer of /stats.
	 * @return array<int, array{start: int, created: int, completed: int, failed: int}>
	 */
	public static function rows( array $stats ): array {
		$rows = array();
		foreach ( is_array( $stats['buckets'] ?? null ) ? $stats['buckets'] : array() as $bucket ) {
			if ( ! is_array( $bucket ) ) {
				continue;
			}
			$start = DDA_Format::timestamp( $bucket['start'] ?? null );
			if ( null === $start ) {
				continue;
			}
			$rows[] = array(
				'start'     => $start,
				'created'   => max( 0, (int) ( $bucket['created'] ?? 0 ) ),
				'completed' => max( 0, (int) ( $bucket['completed'] ?? 0 ) ),
				'failed'    => max( 0, (int) ( $bucket['failed'] ?? 0 ) ),
			);
		}
		return $rows;
	}

	/**
	 * The three series: key => label, colour, line pattern, marker.
	 *
	 * @return array<string, array{label: string, color: string, dash: string, marker: string}>
	 */
	public static function series(): array {
		// Colours from the wp-admin palette, each at least 5:1 against white (WCAG 2.1 AA
		// asks 3:1 for graphics, 4.5:1 for text); told apart by pattern and marker too.
		return array(
			'created'   => array(
				'label'  => __( 'Created', 'distributed-data-analysis' ),
				'color'  => '#2271b1',
				'dash'   => '',
				'marker' => 'circle',
			),
			'completed' => array(
				'label'  => __( 'Completed', 'distributed-data-analysis' ),
				'color'  => '#007017',
				'dash'   => '8 4',
				'marker' => 'square',
			),
			'failed'    => array(
				'label'  => __( 'Failed', 'distributed-data-analysis' ),
				'color'  => '#b32d2e',
				'dash'   => '2 3',
				'marker' => 'triangle',
			),
		);
	}

	/**
	 * The top of the y axis: four times a "nice" step (1, 2, 2.5 or 5 times a power of ten), at
	 * or above $max, so that the four grid lines fall on whole, round numbers.
	 *
	 * @param int $max The largest value.
	 */
	public static function nice_max( int $max ): int {
		$quarter = max( 1, (int) ceil( $max / 4 ) );
		$power   = (int) pow( 10, (int) floor( log10( $quarter ) ) );
		foreach ( array( 1, 2, 2.5, 5, 10 ) as $step ) {
			$candidate = $step * $power;
			if ( $candidate >= $quarter && floor( $candidate ) === (float) $candidate ) {
				return 4 * (int) $candidate;
			}
		}
		return 40 * $power;
	}

	/**
	 * The chart as SVG markup (escaped here).
	 *
	 * @param array  $stats  An answer of /stats.
	 * @param string $id     Prefix of the element ids (title, desc).
	 * @param int    $width  Width of the drawing in SVG units (it scales to its box).
	 * @param int    $height Height in SVG units.
	 */
	public static function chart_svg( array $stats, string $id = 'dda-chart', int $width = 720, int $height = 280 ): string {
		$rows   = self::rows( $stats );
		$series = self::series();
		$totals = array_fill_keys( array_keys( $series ), 0 );
		$max    = 0;
		foreach ( $rows as $row ) {
			foreach ( $series as $key => $unused ) {
				$totals[ $key ] += $row[ $key ];
				$max             = max( $max, $row[ $key ] );
			}
		}
		$top    = self::nice_max( $max );
		$left   = 44;
		$right  = 20;
		$upper  = 40;
		$lower  = 34;
		$plot_w = $width - $left - $right;
		$plot_h = $height - $upper - $lower;
		$count  = max( 1, count( $rows ) );
		$step   = $count > 1 ? $plot_w / ( $count - 1 ) : 0;
		$x      = static function ( int $i ) use ( $left, $step, $count, $plot_w ): float {
			return round( $count > 1 ? $left + $i * $step : $left + $plot_w / 2, 1 );
		};
		$y      = static function ( int $value ) use ( $upper, $plot_h, $top ): float {
			return round( $upper + $plot_h - ( $value / $top ) * $plot_h, 1 );
		};

		$title = __( 'Tasks per hour, last 24 hours', 'distributed-data-analysis' );
		$desc  = sprintf(
			/* translators: 1: tasks created, 2: tasks completed, 3: tasks failed. */
			__( 'Line chart. In the last 24 hours: %1$s tasks created, %2$s completed, %3$s failed. The table below the chart has the numbers of every hour.', 'distributed-data-analysis' ),
			number_format_i18n( $totals['created'] ),
			number_format_i18n( $totals['completed'] ),
			number_format_i18n( $totals['failed'] )
		);

		$svg = sprintf(
			'<svg class="dda-chart" role="img" aria-labelledby="%1$s-title %1$s-desc" viewBox="0 0 %2$d %3$d" preserveAspectRatio="xMidYMid meet" data-points="%4$d" data-created="%5$d" data-completed="%6$d" data-failed="%7$d" xmlns="http://www.w3.org/2000/svg">',
			esc_attr( $id ),
			$width,
			$height,
			count( $rows ),
			$totals['created'],
			$totals['completed'],
			$totals['failed']
		);
		$svg .= sprintf( '<title id="%1$s-title">%2$s</title><desc id="%1$s-desc">%3$s</desc>', esc_attr( $id ), esc_html( $title ), esc_html( $desc ) );

		// Grid and y axis: 0, ¼, ½, ¾ and the top.
		$svg .= '<g class="dda-chart__grid" aria-hidden="true">';
		for ( $i = 0; $i <= 4; $i++ ) {
			$value = (int) round( $top * $i / 4 );
			$gy    = $y( $value );
			$svg  .= sprintf( '<line x1="%1$d" x2="%2$d" y1="%3$s" y2="%3$s" stroke="%4$s" stroke-width="1" />', $left, $width - $right, esc_attr( (string) $gy ), 0 === $i ? '#50575e' : '#dcdcde' );
			$svg  .= sprintf( '<text x="%1$d" y="%2$s" text-anchor="end" font-size="12" fill="#50575e">%3$s</text>', $left - 6, esc_attr( (string) ( $gy + 4 ) ), esc_html( number_format_i18n( $value ) ) );
		}
		// x axis: the hour (site time) every few buckets, and the last one.
		$every = $width >= 600 ? 3 : 6;
		foreach ( $rows as $i => $row ) {
			if ( 0 !== ( $count - 1 - $i ) % $every ) {
				continue;
			}
			$svg .= sprintf(
				'<text x="%1$s" y="%2$d" text-anchor="%4$s" font-size="12" fill="#50575e">%3$s</text>',
				esc_attr( (string) ( $count - 1 === $i ? $width - 2 : $x( $i ) ) ),
				$height - $lower + 18,
				esc_html( (string) wp_date( 'H:i', $row['start'] ) ),
				$count - 1 === $i ? 'end' : 'middle'
			);
		}
		$svg .= '</g>';

		// Legend: a sample of each line with its marker, the name and the total.
		$svg .= '<g class="dda-chart__legend" aria-hidden="true">';
		$lx   = $width >= 600 ? $left : 4;
		foreach ( $series as $key => $one ) {
			/* translators: 1: series name such as "Created", 2: its total. */
			$text = sprintf( __( '%1$s (%2$s)', 'distributed-data-analysis' ), $one['label'], number_format_i18n( $totals[ $key ] ) );
			$svg .= sprintf(
				'<line x1="%1$d" x2="%2$d" y1="14" y2="14" stroke="%3$s" stroke-width="2.5"%4$s />',
				$lx,
				$lx + 28,
				esc_attr( $one['color'] ),
				'' !== $one['dash'] ? ' stroke-dasharray="' . esc_attr( $one['dash'] ) . '"' : ''
			);
			$svg .= self::marker( $one['marker'], $lx + 14, 14, $one['color'] );
			$svg .= sprintf( '<text x="%1$d" y="18" font-size="12" fill="#1d2327">%2$s</text>', $lx + 34, esc_html( $text ) );
			// About 7 units per character at this size, then a gap.
			$lx += 34 + 7 * mb_strlen( $text ) + ( $width >= 600 ? 40 : 14 );
		}
		$svg .= '</g>';

		// The lines, each with a marker on every point that is not zero.
		foreach ( $series as $key => $one ) {
			$points = array();
			foreach ( $rows as $i => $row ) {
				$points[] = $x( $i ) . ',' . $y( $row[ $key ] );
			}
			$svg .= sprintf( '<g class="dda-chart__series dda-chart__series--%1$s" data-series="%1$s" aria-hidden="true">', esc_attr( $key ) );
			if ( $points ) {
				$svg .= sprintf(
					'<polyline fill="none" stroke="%1$s" stroke-width="2.5" stroke-linejoin="round"%2$s points="%3$s" />',
					esc_attr( $one['color'] ),
					'' !== $one['dash'] ? ' stroke-dasharray="' . esc_attr( $one['dash'] ) . '"' : '',
					esc_attr( implode( ' ', $points ) )
				);
			}
			foreach ( $rows as $i => $row ) {
				if ( $row[ $key ] > 0 ) {
					$svg .= self::marker( $one['marker'], $x( $i ), $y( $row[ $key ] ), $one['color'] );
				}
			}
			$svg .= '</g>';
		}
		return $svg . '</svg>';
	}

	/**
	 * A marker: circle, square or triangle, white-filled with a coloured outline.
	 *
	 * @param string $shape circle, square or triangle.
	 * @param float  $cx    Centre x.
	 * @param float  $cy    Centre y.
	 * @param string $color Outline colour.
	 */
	private static function marker( string $shape, float $cx, float $cy, string $color ): string {
		$style = sprintf( 'fill="#ffffff" stroke="%s" stroke-width="2"', esc_attr( $color ) );
		switch ( $shape ) {
			case 'square':
				return sprintf( '<rect class="dda-chart__marker" x="%1$s" y="%2$s" width="8" height="8" %3$s />', esc_attr( (string) ( $cx - 4 ) ), esc_attr( (string) ( $cy - 4 ) ), $style );
			case 'triangle':
				return sprintf(
					'<polygon class="dda-chart__marker" points="%1$s,%2$s %3$s,%4$s %5$s,%4$s" %6$s />',
					esc_attr( (string) $cx ),
					esc_attr( (string) ( $cy - 5 ) ),
					esc_attr( (string) ( $cx - 5 ) ),
					esc_attr( (string) ( $cy + 4 ) ),
					esc_attr( (string) ( $cx + 5 ) ),
					$style
				);
		}
		return sprintf( '<circle class="dda-chart__marker" cx="%1$s" cy="%2$s" r="4" %3$s />', esc_attr( (string) $cx ), esc_attr( (string) $cy ), $style );
	}
}
