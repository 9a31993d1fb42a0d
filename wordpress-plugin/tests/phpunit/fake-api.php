<?php
/**
 * A misbehaving "API server" for PHP's built-in server (php -S 127.0.0.1:PORT fake-api.php),
 * started by DDA_Test_Case::start_fake_api():
 *   /ok/…        answers like dda-server (GET / and GET /runners)
 *   /redirect/…  302 to the same path under /ok/ (a client that followed it would succeed)
 *   /big/        a well-formed dda-server answer of 5 MiB (over the plugin's 4 MiB limit)
 *
 * @package DistributedDataAnalysis
 */

$dda_path = (string) parse_url( $_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH );
header( 'Content-Type: application/json' );

if ( 0 === strpos( $dda_path, '/redirect/' ) ) {
	header( 'Location: http://' . $_SERVER['HTTP_HOST'] . '/ok/' . substr( $dda_path, strlen( '/redirect/' ) ), true, 302 );
	echo '{}';
	return;
}
if ( '/big/' === $dda_path ) {
	echo '{"name": "dda-server", "version": "big", "padding": "' . str_repeat( 'x', 5 * 1024 * 1024 ) . '"}';
	return;
}
if ( '/ok/runners' === $dda_path ) {
	echo '[]';
	return;
}
if ( '/ok/' === $dda_path ) {
	echo '{"name": "dda-server", "version": "fake", "api": "v1"}';
	return;
}
http_response_code( 404 );
echo '{"error": {"code": "not_found", "message": "no such route"}}';
