<?php
/**
 * The exception the WP-CLI stand-in (wp-cli-stub.php) throws where WP-CLI would exit.
 *
 * @package DistributedDataAnalysis
 */

/**
 * WP_CLI::error() (exit status 1) or a declined WP_CLI::confirm() (0) in a test.
 */
final class DDA_Test_CLI_Exit extends RuntimeException {
}
