<?php
/**
 * The exception wp_die() throws in a test (DDA_Test_Case::catch_wp_die()).
 *
 * @package DistributedDataAnalysis
 */

/**
 * wp_die() in a test: thrown instead of printing a page and exiting.
 */
final class DDA_Test_Die extends RuntimeException {
}
