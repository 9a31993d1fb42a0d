<?php
/**
 * Plugin Name:       Distributed Data Analysis
 * Plugin URI:        https://example.invalid/dda
 * Description:       Create analysis tasks on a DDA API server, watch runners execute them and read the results — from wp-admin.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            DDA
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       distributed-data-analysis
 * Domain Path:       /languages
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'DDA_VERSION', '1.0.0' );
define( 'DDA_PLUGIN_FILE', __FILE__ );
define( 'DDA_PLUGIN_DIR', plugin_dir_path( __FILE__ ) );
define( 'DDA_PLUGIN_URL', plugin_dir_url( __FILE__ ) );

require_once DDA_PLUGIN_DIR . 'includes/class-dda-settings.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-api-client.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-task-batches.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-task-file.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-format.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-views.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-rest-controller.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-admin.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-sweep.php';
require_once DDA_PLUGIN_DIR . 'includes/class-dda-plugin.php';
require_once DDA_PLUGIN_DIR . 'includes/functions.php';

register_activation_hook( __FILE__, array( 'DDA_Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'DDA_Plugin', 'deactivate' ) );

DDA_Plugin::boot();
