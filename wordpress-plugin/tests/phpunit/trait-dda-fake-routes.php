<?php
/**
 * Answers the plugin's API requests from a table of routes, in-process (pre_http_request).
 *
 * @package DistributedDataAnalysis
 */

/**
 * route_requests( array( 'GET /operations' => array( 200, $body ), … ) ): each request the
 * plugin sends is recorded in $routed ("METHOD /path") and answered with the route's status
 * and JSON body; an unknown route answers the API's 404. stop_routing() in tearDown.
 */
trait DDA_Fake_Routes {

	/**
	 * The requests answered: "METHOD /path" each, oldest first.
	 *
	 * @var string[]
	 */
	protected array $routed = array();

	/**
	 * The pre_http_request filter, if any.
	 *
	 * @var callable|null
	 */
	private $router = null;

	/**
	 * Starts answering requests from $routes.
	 *
	 * @param array $routes "METHOD /path" => array( status, body ).
	 */
	protected function route_requests( array $routes ): void {
		$this->stop_routing();
		$this->routed = array();
		$this->router = function ( $preempt, $args, $url ) use ( $routes ) {
			$key            = strtoupper( (string) ( $args['method'] ?? 'GET' ) ) . ' ' . (string) wp_parse_url( $url, PHP_URL_PATH );
			$this->routed[] = $key;
			$answer         = $routes[ $key ] ?? array(
				404,
				array(
					'error' => array(
						'code'    => 'not_found',
						'message' => 'no such route',
					),
				),
			);
			return array(
				'headers'  => array( 'content-type' => 'application/json' ),
				'body'     => (string) wp_json_encode( $answer[1] ),
				'response' => array(
					'code'    => $answer[0],
					'message' => '',
				),
				'cookies'  => array(),
				'filename' => null,
			);
		};
		add_filter( 'pre_http_request', $this->router, 10, 3 );
	}

	/**
	 * Stops answering (requests go out again).
	 */
	protected function stop_routing(): void {
		if ( null !== $this->router ) {
			remove_filter( 'pre_http_request', $this->router, 10 );
			$this->router = null;
		}
	}
}
