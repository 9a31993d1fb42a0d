<?php
/**
 * Stand-ins for the multisite functions uninstall.php calls, for the single-site test
 * WordPress (which does not load wp-includes/ms-blogs.php). They record their calls in
 * $GLOBALS['dda_test_multisite_stubs'] ('sites' = how many sites the fake network has,
 * 'args' = get_sites() arguments, 'switched' = site ids switched to). get_sites() keeps
 * core's default of 100 sites when `number` is not given.
 *
 * @package DistributedDataAnalysis
 */

// Conditional declarations: PHP would bind unconditional ones when it compiles the file,
// before any check could return. A real multisite has them already: nothing to stand in for.
if ( ! function_exists( 'get_sites' ) ) {
	$GLOBALS['dda_test_multisite_stubs'] = array(
		'sites'    => 0,
		'args'     => array(),
		'switched' => array(),
	);

	/**
	 * @param array $args Query arguments.
	 * @return int[] Site ids 1…N.
	 */
	function get_sites( $args = array() ) {
		$GLOBALS['dda_test_multisite_stubs']['args'][] = $args;
		$number = isset( $args['number'] ) ? (int) $args['number'] : 100; // Core's default.
		$ids    = $GLOBALS['dda_test_multisite_stubs']['sites'] > 0 ? range( 1, $GLOBALS['dda_test_multisite_stubs']['sites'] ) : array();
		return $number > 0 ? array_slice( $ids, 0, $number ) : $ids;
	}

	/**
	 * Records the switch; the test site stays the current one.
	 *
	 * @param int $site_id Site id.
	 */
	function switch_to_blog( $site_id ) {
		$GLOBALS['dda_test_multisite_stubs']['switched'][] = $site_id;
		return true;
	}

	/**
	 * No-op counterpart of switch_to_blog().
	 */
	function restore_current_blog() {
		return true;
	}
}
