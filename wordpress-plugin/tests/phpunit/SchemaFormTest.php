<?php
/**
 * The create form from the catalog: fields from an operation's params_schema, the values
 * checked in PHP against the same schema (refused naming the field, nothing sent), the JSON
 * box checked too, and "Run at" in the site's time zone sent as UTC.
 *
 * @package DistributedDataAnalysis
 */

require_once __DIR__ . '/trait-dda-fake-routes.php';

final class SchemaFormTest extends DDA_Test_Case {
	use DDA_Fake_Routes;

	private const CODE = 4711;

	protected function setUp(): void {
		parent::setUp();
		$this->as_admin();
		DDA_Admin::forget_catalog();
	}

	protected function tearDown(): void {
		$this->stop_routing();
		DDA_Admin::forget_catalog();
		update_option( 'timezone_string', '' );
		update_option( 'gmt_offset', 0 );
		parent::tearDown();
	}

	/**
	 * A schema with a number with minimum and maximum, an enum, arrays and a boolean.
	 */
	private static function schema(): array {
		return array(
			'type'       => 'object',
			'properties' => array(
				'count'   => array(
					'type'    => 'integer',
					'minimum' => 1,
					'maximum' => 10,
					'title'   => 'Count',
				),
				'ratio'   => array(
					'type'    => 'number',
					'minimum' => 0,
					'maximum' => 1,
				),
				'mode'    => array(
					'type' => 'string',
					'enum' => array( 'fast', 'exact' ),
				),
				'level'   => array(
					'type' => 'integer',
					'enum' => array( 1, 2, 3 ),
				),
				'words'   => array(
					'type'  => 'array',
					'items' => array( 'type' => 'string' ),
				),
				'values'  => array(
					'type'  => 'array',
					'items' => array( 'type' => 'number' ),
				),
				'verbose' => array( 'type' => 'boolean' ),
				'note'    => array( 'type' => 'string' ),
			),
			'required'   => array( 'count', 'mode' ),
		);
	}

	/**
	 * The API answers GET /operations with one code with the schema; POST /task creates.
	 */
	private function fake_catalog(): void {
		$this->use_settings( 'https://dda.example.com', self::api_key() );
		$this->route_requests(
			array(
				'GET /operations' => array(
					200,
					array(
						array(
							'code'           => self::CODE,
							'name'           => 'Word tool',
							'description'    => 'Counts words.',
							'params_schema'  => self::schema(),
							'runners_online' => 1,
						),
					),
				),
				'POST /task'      => array(
					201,
					array(
						'task_id' => '0f8fad5b-d9cb-469f-a165-70867728950e',
						'status'  => 'pending',
						'message' => 'Task created.',
					),
				),
			)
		);
	}

	public function test_fields_become_typed_params(): void {
		$params = DDA_Schema_Form::params_from_fields(
			self::schema(),
			array(
				'count'   => ' 3 ',
				'ratio'   => '0.25',
				'mode'    => 'exact',
				'level'   => '2',
				'words'   => "alpha\r\n\r\n  beta  \n",
				'values'  => "1\n2.5\n-3e2",
				'verbose' => '1',
				'note'    => '',
			)
		);
		$this->assertInstanceOf( stdClass::class, $params );
		$this->assertSame(
			'{"count":3,"ratio":0.25,"mode":"exact","level":2,"words":["alpha","beta"],"values":[1,2.5,-300.0],"verbose":true}',
			wp_json_encode( $params, JSON_PRESERVE_ZERO_FRACTION )
		);
		$unchecked = DDA_Schema_Form::params_from_fields(
			self::schema(),
			array(
				'count' => '10',
				'mode'  => 'fast',
			)
		);
		$this->assertSame( '{"count":10,"mode":"fast","verbose":false}', wp_json_encode( $unchecked ) );
	}

	public function test_values_outside_the_schema_are_refused_naming_the_field(): void {
		$cases = array(
			'count over the maximum'  => array( array( 'count' => '11', 'mode' => 'fast' ), 'The field “Count” (count) must be at most 10.' ),
			'count under the minimum' => array( array( 'count' => '0', 'mode' => 'fast' ), 'The field “Count” (count) must be at least 1.' ),
			'count not whole'         => array( array( 'count' => '2.5', 'mode' => 'fast' ), 'The field “Count” (count) must be a whole number.' ),
			'ratio not a number'      => array( array( 'count' => '2', 'mode' => 'fast', 'ratio' => 'half' ), 'The field “ratio” must be a number.' ),
			'mode not listed'         => array( array( 'count' => '2', 'mode' => 'slow' ), 'The field “mode” must be one of: fast, exact.' ),
			'mode missing'            => array( array( 'count' => '2' ), 'The field “mode” is required.' ),
			'count missing'           => array( array( 'mode' => 'fast' ), 'The field “Count” (count) is required.' ),
			'a value not a number'    => array( array( 'count' => '2', 'mode' => 'fast', 'values' => "1\nx" ), 'The field “values”, line 2: must be a number.' ),
		);
		foreach ( $cases as $name => $case ) {
			$error = DDA_Schema_Form::params_from_fields( self::schema(), $case[0] );
			$this->assertInstanceOf( WP_Error::class, $error, $name );
			$this->assertStringStartsWith( $case[1], $error->get_error_message(), $name );
		}
	}

	public function test_params_from_the_json_box_are_checked_against_the_schema(): void {
		$this->assertTrue( DDA_Schema_Form::check( (object) array( 'count' => 4, 'mode' => 'fast', 'other' => array( 1 ) ), self::schema() ) );
		$this->assertTrue( DDA_Schema_Form::check( (object) array( 'count' => 4.0, 'mode' => 'fast', 'level' => 3 ), self::schema() ) );
		$cases = array(
			array( array( 'count' => 11, 'mode' => 'fast' ), 'The field “Count” (count) must be at most 10.' ),
			array( array( 'count' => '4', 'mode' => 'fast' ), 'The field “Count” (count) must be a whole number.' ),
			array( array( 'count' => 4, 'mode' => 'slow' ), 'The field “mode” must be one of: fast, exact.' ),
			array( array( 'count' => 4, 'mode' => 'fast', 'words' => array( 'a', 2 ) ), 'The field “words” item 2 must be text.' ),
			array( array( 'count' => 4, 'mode' => 'fast', 'verbose' => 'yes' ), 'The field “verbose” must be true or false.' ),
			array( array( 'mode' => 'fast' ), 'The field “Count” (count) is required.' ),
		);
		foreach ( $cases as $case ) {
			$error = DDA_Schema_Form::check( json_decode( wp_json_encode( $case[0] ) ), self::schema() );
			$this->assertInstanceOf( WP_Error::class, $error, $case[1] );
			$this->assertStringStartsWith( $case[1], $error->get_error_message() );
		}
	}

	public function test_the_create_form_refuses_bad_fields_in_php_and_sends_nothing(): void {
		$this->fake_catalog();
		$error = DDA_Admin::create_from_form(
			(string) self::CODE,
			'{}',
			'0',
			array(
				'fields' => array(
					'count' => '11',
					'mode'  => 'fast',
				),
			)
		);
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertSame( 'The field “Count” (count) must be at most 10. Nothing was sent.', $error->get_error_message() );
		$this->assertSame( array( 'GET /operations' ), $this->routed );

		// The JSON box ("Advanced") is checked against the same schema.
		$error = DDA_Admin::create_from_form( (string) self::CODE, '{"count": 3}', '0', array( 'mode' => 'json' ) );
		$this->assertInstanceOf( WP_Error::class, $error );
		$this->assertStringContainsString( '“mode” is required', $error->get_error_message() );
		$this->assertNotContains( 'POST /task', $this->routed );

		// The REST route the JavaScript uses refuses the same way, with 400.
		$response = $this->rest(
			'POST',
			'/dda/v1/tasks',
			array(
				'operation_code' => self::CODE,
				'fields'         => array(
					'count' => '0',
					'mode'  => 'fast',
				),
			)
		);
		$this->assertSame( 400, $response->get_status() );
		$this->assertStringContainsString( 'must be at least 1', $response->get_data()['message'] );
		$this->assertNotContains( 'POST /task', $this->routed );
	}

	public function test_the_create_form_sends_the_typed_params_and_run_at_in_utc(): void {
		update_option( 'timezone_string', 'Europe/Berlin' );
		$this->fake_catalog();
		$sent = array();
		$peek = static function ( $preempt, $args, $url ) use ( &$sent ) {
			if ( 'POST' === $args['method'] ) {
				$sent[] = json_decode( $args['body'], true );
			}
			return $preempt;
		};
		add_filter( 'pre_http_request', $peek, 5, 3 );
		// A day a month ahead, 14:30 in Berlin (in UTC 13:30 or, in summer time, 12:30).
		$day   = gmdate( 'Y-m-d', time() + 30 * DAY_IN_SECONDS );
		$utc   = ( new DateTimeImmutable( $day . ' 14:30', new DateTimeZone( 'Europe/Berlin' ) ) )->setTimezone( new DateTimeZone( 'UTC' ) )->format( 'Y-m-d\TH:i:s\Z' );
		try {
			$message = DDA_Admin::create_from_form(
				(string) self::CODE,
				'{"ignored": true}',
				'5',
				array(
					'fields' => array(
						'count'  => '3',
						'mode'   => 'exact',
						'words'  => "a\nb",
						'values' => '',
					),
					'run_at' => $day . 'T14:30',
				)
			);
		} finally {
			remove_filter( 'pre_http_request', $peek, 5 );
		}
		$this->assertIsString( $message );
		$this->assertSame( 'Task 0f8fad5b (4711 — Word tool) created. It runs at ' . $day . ' 14:30:00 (Europe/Berlin).', $message );
		$this->assertSame(
			array(
				'operation_code' => self::CODE,
				'params'         => array(
					'count'   => 3,
					'mode'    => 'exact',
					'words'   => array( 'a', 'b' ),
					'verbose' => false,
				),
				'priority'       => 5,
				'run_at'         => $utc,
			),
			$sent[0]
		);
	}

	public function test_run_at_is_read_in_the_site_time_zone(): void {
		update_option( 'timezone_string', 'America/New_York' );
		$day  = gmdate( 'Y-m-d', time() + 60 * DAY_IN_SECONDS );
		$year = (int) gmdate( 'Y' ) + 1;
		$utc  = ( new DateTimeImmutable( $day . ' 09:05', new DateTimeZone( 'America/New_York' ) ) )->setTimezone( new DateTimeZone( 'UTC' ) );
		$this->assertContains( (int) $utc->format( 'G' ), array( 13, 14 ) ); // EDT or EST.
		$this->assertSame( $utc->format( 'Y-m-d\TH:i:s\Z' ), DDA_Admin::parse_run_at( $day . 'T09:05' ) );
		$this->assertSame( $utc->format( 'Y-m-d\TH:i:s\Z' ), DDA_Admin::parse_run_at( $day . 'T09:05:00' ) );
		$this->assertSame( '', DDA_Admin::parse_run_at( '' ) );
		$this->assertStringContainsString( 'in the past', DDA_Admin::parse_run_at( '2001-01-01T00:00' )->get_error_message() );
		$this->assertStringContainsString( 'such as', DDA_Admin::parse_run_at( $year . '-02-31T10:00' )->get_error_message() );
		$this->assertStringContainsString( 'such as', DDA_Admin::parse_run_at( 'tomorrow' )->get_error_message() );
		$this->assertStringContainsString( 'a year ahead', DDA_Admin::parse_run_at( ( $year + 2 ) . '-01-01T00:00' )->get_error_message() );
	}

	public function test_the_fields_render_as_the_schema_says(): void {
		$html = DDA_Schema_Form::fields_html( self::CODE, self::schema() );
		$this->assertStringContainsString( '<fieldset class="dda-schema-fields" data-code="4711" data-schema="', $html );
		$this->assertMatchesRegularExpression( '/<input type="number" class="small-text dda-number" step="1" min="1" max="10" value="" id="dda-field-4711-0" name="dda_field\[4711\]\[count\]" data-name="count" aria-describedby="dda-field-4711-0-error dda-field-4711-0-help" aria-required="true" data-required="1" \/>/', $html );
		$this->assertStringContainsString( 'step="any" min="0" max="1"', $html );
		$this->assertMatchesRegularExpression( '/<select id="dda-field-4711-2" name="dda_field\[4711\]\[mode\]"[^>]*><option value="">— Choose —<\/option><option value="fast">fast<\/option><option value="exact">exact<\/option><\/select>/', $html );
		$this->assertMatchesRegularExpression( '/<textarea rows="4" cols="30" class="code" data-type="array" id="dda-field-4711-4" name="dda_field\[4711\]\[words\]"/', $html );
		$this->assertStringContainsString( 'One number per line.', $html );
		$this->assertMatchesRegularExpression( '/<input type="checkbox" value="1" id="dda-field-4711-6" name="dda_field\[4711\]\[verbose\]"/', $html );
		$this->assertSame( 2, substr_count( $html, '(required)' ) );
		$this->assertStringContainsString( 'From 1 to 10.', $html );
	}

	public function test_the_create_form_lists_the_catalog_with_runners_online_and_fields(): void {
		$this->fake_catalog();
		ob_start();
		DDA_Admin::render_tasks_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( '>4711 — Word tool (1 runner online)</option>', $html );
		$this->assertStringContainsString( 'data-description="Counts words."', $html );
		$this->assertStringContainsString( 'data-code="4711"', $html );
		$this->assertStringContainsString( 'name="dda_params_mode" value="json"', $html );
		$this->assertStringContainsString( '<input type="datetime-local" id="dda-run-at" name="dda_run_at"', $html );
		$this->assertStringContainsString( 'site&#039;s time zone (UTC;', $html );
	}
}
