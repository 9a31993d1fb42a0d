<?php
/**
 * Reading files of task parameters (DDA_Task_File): CSV with a header row and JSON Lines,
 * the typing of CSV cells, problems reported by line, the limits.
 *
 * @package DistributedDataAnalysis
 */

final class TaskFileTest extends DDA_Test_Case {

	protected function tearDown(): void {
		remove_all_filters( 'dda_task_file_max_rows' );
		remove_all_filters( 'dda_task_file_max_bytes' );
		parent::tearDown();
	}

	/**
	 * The rows as `line => params JSON` (how the API receives them).
	 *
	 * @param array|WP_Error $rows What parse() returned.
	 */
	private static function as_json( $rows ): array {
		if ( is_wp_error( $rows ) ) {
			throw new RuntimeException( $rows->get_error_message() );
		}
		$out = array();
		foreach ( $rows as $row ) {
			$out[ $row['line'] ] = wp_json_encode( $row['params'], DDA_API_Client::JSON_FLAGS );
		}
		return $out;
	}

	/**
	 * The problems of a failed parse as `array{line, message}` pairs.
	 *
	 * @param array|WP_Error $result What parse() returned.
	 */
	private function problems( $result ): array {
		$this->assertInstanceOf( WP_Error::class, $result );
		$this->assertSame( 'dda_file_invalid', $result->get_error_code() );
		$this->assertSame( 400, $result->get_error_data()['status'] );
		$this->assertStringContainsString( 'nothing was created', $result->get_error_message() );
		return array_map(
			static function ( $problem ) {
				return array( $problem['line'], $problem['message'] );
			},
			$result->get_error_data()['errors']
		);
	}

	/**
	 * Cells and what they become: JSON numbers, true/false/null, arrays and objects are
	 * JSON values; everything else is the string as written.
	 */
	public function cells(): array {
		return array(
			'integer'              => array( '42', 42 ),
			'negative'             => array( '-7', -7 ),
			'float'                => array( '1.5', 1.5 ),
			'exponent'             => array( '2e3', 2000.0 ),
			'spaces around number' => array( ' 3 ', 3 ),
			'true'                 => array( 'true', true ),
			'false'                => array( 'false', false ),
			'null'                 => array( 'null', null ),
			'array'                => array( '[1, 2, 3]', array( 1, 2, 3 ) ),
			'empty cell'           => array( '', '' ),
			'text'                 => array( 'hello', 'hello' ),
			'text with spaces'     => array( ' two words ', ' two words ' ),
			'leading zero'         => array( '007', '007' ),
			'plus sign'            => array( '+1', '+1' ),
			'capital True'         => array( 'True', 'True' ),
			'NULL'                 => array( 'NULL', 'NULL' ),
			'hex'                  => array( '0x1F', '0x1F' ),
			'not JSON array'       => array( '[draft]', '[draft]' ),
			'JSON string'          => array( '"quoted"', '"quoted"' ),
			'largest safe integer' => array( '9007199254740991', 9007199254740991 ),
			'beyond safe integers' => array( '9007199254740993', '9007199254740993' ),
			'20 digits'            => array( '12345678901234567890', '12345678901234567890' ),
			'infinite'             => array( '1e999', '1e999' ),
			'trailing dot'         => array( '1.', '1.' ),
		);
	}

	/**
	 * @dataProvider cells
	 */
	public function test_csv_cell_typing( string $cell, $expected ): void {
		$this->assertSame( $expected, DDA_Task_File::typed_cell( $cell ) );
	}

	public function test_csv_object_cells_stay_objects(): void {
		$value = DDA_Task_File::typed_cell( '{"a": {}, "b": []}' );
		$this->assertInstanceOf( stdClass::class, $value );
		$this->assertSame( '{"a":{},"b":[]}', wp_json_encode( $value ) );
	}

	public function test_csv_with_header_quotes_and_typing(): void {
		$csv  = "name,n,flag,values,options,note\n";
		$csv .= "alpha,1,true,\"[1, 2, 3]\",\"{\"\"mode\"\": \"\"fast\"\"}\",\"a, b\"\n";
		$csv .= "beta,2.5,null,[],{},\"say \"\"hi\"\"\"\n";
		$this->assertSame(
			array(
				2 => '{"name":"alpha","n":1,"flag":true,"values":[1,2,3],"options":{"mode":"fast"},"note":"a, b"}',
				3 => '{"name":"beta","n":2.5,"flag":null,"values":[],"options":{},"note":"say \"hi\""}',
			),
			self::as_json( DDA_Task_File::parse( $csv, 'csv' ) )
		);
	}

	public function test_crlf_bom_and_a_cell_across_lines(): void {
		$csv = "\xEF\xBB\xBFid,text\r\n1,\"first\r\nsecond\"\r\n2,plain\r\n";
		$this->assertSame(
			array(
				2 => "{\"id\":1,\"text\":\"first\\r\\nsecond\"}",
				4 => '{"id":2,"text":"plain"}',
			),
			self::as_json( DDA_Task_File::parse( $csv, 'csv' ) ),
			'the BOM is not part of the first column name; the row after the two-line cell starts on line 4'
		);
		$this->assertSame( array( 2 => '{"a":1}', 3 => '{"a":2}' ), self::as_json( DDA_Task_File::parse( "a\r1\r2", 'csv' ) ), 'CR alone ends lines too' );
	}

	public function test_csv_skips_empty_lines_and_rows_of_empty_cells(): void {
		$csv = "\n\na,b\n\n1,2\n,\n\n3,4\n\n";
		$this->assertSame( array( 5 => '{"a":1,"b":2}', 8 => '{"a":3,"b":4}' ), self::as_json( DDA_Task_File::parse( $csv, 'csv' ) ) );
	}

	public function test_csv_header_names_are_trimmed(): void {
		$this->assertSame( array( 2 => '{"a":1,"b c":2}' ), self::as_json( DDA_Task_File::parse( " a , b c \n1,2", 'csv' ) ) );
	}

	public function test_csv_problems_are_reported_by_line(): void {
		$csv      = "a,b\n1,2\n3\n4,5,6\n7,8\n";
		$problems = $this->problems( DDA_Task_File::parse( $csv, 'csv' ) );
		$this->assertSame(
			array(
				array( 3, '1 cell, but the header row has 2 columns.' ),
				array( 4, '3 cells, but the header row has 2 columns.' ),
			),
			$problems
		);
		$message = DDA_Task_File::parse( $csv, 'csv' )->get_error_message();
		$this->assertStringContainsString( 'Line 3: 1 cell', $message );
		$this->assertStringContainsString( 'Line 4: 3 cells', $message );
	}

	public function test_csv_quoting_errors_name_their_line(): void {
		$this->assertSame( 3, $this->problems( DDA_Task_File::parse( "a,b\n1,2\n\"open,1\n2,3\n", 'csv' ) )[0][0], 'an unclosed quote: the line it opens on' );
		$problems = $this->problems( DDA_Task_File::parse( "a,b\n1,2\n\"x\"y,1\n", 'csv' ) );
		$this->assertSame( 3, $problems[0][0] );
		$this->assertStringContainsString( 'text follows the closing quote', $problems[0][1] );
		// A quote inside an unquoted cell is an ordinary character.
		$this->assertSame( array( 2 => '{"size":"5\" screen"}' ), self::as_json( DDA_Task_File::parse( "size\n5\" screen\n", 'csv' ) ) );
	}

	public function test_csv_header_problems(): void {
		$this->assertSame( array( array( 1, 'column 2 of the header row has no name. The header row names the parameters.' ) ), $this->problems( DDA_Task_File::parse( "a,,c\n1,2,3", 'csv' ) ) );
		$this->assertSame( array( array( 1, 'the column name "a" appears twice in the header row.' ) ), $this->problems( DDA_Task_File::parse( "a, a\n1,2", 'csv' ) ) );
	}

	public function test_at_most_ten_problems_are_listed(): void {
		$csv = "a,b\n" . str_repeat( "1\n", 50 );
		$this->assertCount( DDA_Task_File::MAX_ERRORS, $this->problems( DDA_Task_File::parse( $csv, 'csv' ) ) );
	}

	public function test_jsonl(): void {
		$jsonl = "{\"values\": [1, 2]}\r\n\r\n  {\"nested\": {\"a\": {}}, \"list\": []}  \n{}\n{\"id\": 12345678901234567}\n";
		$this->assertSame(
			array(
				1 => '{"values":[1,2]}',
				3 => '{"nested":{"a":{}},"list":[]}',
				4 => '{}',
				5 => '{"id":12345678901234567}',
			),
			self::as_json( DDA_Task_File::parse( "\xEF\xBB\xBF" . $jsonl, 'jsonl' ) )
		);
	}

	public function test_jsonl_problems_are_reported_by_line(): void {
		$jsonl    = "{\"ok\": 1}\n[1, 2]\n{broken\n\n\"text\"\n{\"s\": \"\\ud800\"}\n{\"ok\": 2}\n";
		$problems = $this->problems( DDA_Task_File::parse( $jsonl, 'jsonl' ) );
		$this->assertSame( array( 2, 3, 5, 6 ), array_column( $problems, 0 ) );
		$this->assertStringContainsString( 'not a JSON object', $problems[0][1] );
		$this->assertStringContainsString( 'not valid JSON', $problems[1][1] );
		$this->assertStringContainsString( 'not a JSON object', $problems[2][1] );
		$this->assertStringContainsString( 'surrogate', $problems[3][1] );
		$this->assertStringContainsString( 'looks like a JSON array', $this->problems( DDA_Task_File::parse( "[\n{\"a\": 1}\n]", 'jsonl' ) )[0][1] );
	}

	public function test_jsonl_nesting_is_limited_as_the_api_limits_bodies(): void {
		$ok   = str_repeat( '{"a":', DDA_Task_Batches::MAX_PARAMS_DEPTH - 1 ) . '{}' . str_repeat( '}', DDA_Task_Batches::MAX_PARAMS_DEPTH - 1 );
		$deep = '{"a":' . $ok . '}';
		$this->assertCount( 1, DDA_Task_File::parse( $ok, 'jsonl' ) );
		$problems = $this->problems( DDA_Task_File::parse( $deep, 'jsonl' ) );
		$this->assertStringContainsString( 'nested deeper than 61 levels', $problems[0][1] );
	}

	public function test_empty_files(): void {
		foreach ( array( '', "\xEF\xBB\xBF", "\n\r\n", "a,b\n", "a,b\n,\n" ) as $text ) {
			$problems = $this->problems( DDA_Task_File::parse( $text, 'csv' ) );
			$this->assertSame( 0, $problems[0][0] );
			$this->assertStringContainsString( 'has no tasks', $problems[0][1] );
		}
		$this->assertStringContainsString( 'has no tasks', $this->problems( DDA_Task_File::parse( "\n  \n", 'jsonl' ) )[0][1] );
	}

	public function test_text_that_is_not_utf8_is_refused(): void {
		$this->assertStringContainsString( 'not UTF-8', $this->problems( DDA_Task_File::parse( "name\nd\xE9j\xE0 vu\n", 'csv' ) )[0][1] );
	}

	public function test_the_row_limit_is_filterable(): void {
		$this->assertSame( 100000, DDA_Task_File::max_rows() );
		add_filter(
			'dda_task_file_max_rows',
			static function () {
				return 3;
			}
		);
		$this->assertCount( 3, DDA_Task_File::parse( "a\n1\n2\n3\n", 'csv' ) );
		$problems = $this->problems( DDA_Task_File::parse( "a\n1\n2\n3\n4\n", 'csv' ) );
		$this->assertSame( array( array( 0, 'The file has more than 3 tasks, the most one file may create. Split it into smaller files.' ) ), $problems );
		$this->assertCount( 1, $this->problems( DDA_Task_File::parse( "{}\n{}\n{}\n{}\n", 'jsonl' ) ) );
	}

	public function test_the_size_limit_is_filterable(): void {
		$this->assertSame( 64 * 1024 * 1024, DDA_Task_File::max_bytes() );
		add_filter(
			'dda_task_file_max_bytes',
			static function () {
				return 10;
			}
		);
		$this->assertStringContainsString( 'larger than', $this->problems( DDA_Task_File::parse( "a\n1234567890\n", 'csv' ) )[0][1] );
	}

	public function test_parameters_too_large_for_one_task(): void {
		$big      = str_repeat( 'x', DDA_Task_Batches::MAX_PARAMS_BYTES );
		$problems = $this->problems( DDA_Task_File::parse( "a\nsmall\n" . $big . "\n", 'csv' ) );
		$this->assertSame( 3, $problems[0][0] );
		$this->assertStringContainsString( 'too large', $problems[0][1] );
	}

	public function test_format_detection(): void {
		$this->assertSame( 'csv', DDA_Task_File::detect_format( 'auto', 'data.CSV', '{"a": 1}' ) );
		$this->assertSame( 'jsonl', DDA_Task_File::detect_format( 'auto', 'data.jsonl', 'a,b' ) );
		$this->assertSame( 'jsonl', DDA_Task_File::detect_format( 'auto', 'data.ndjson', 'a,b' ) );
		$this->assertSame( 'jsonl', DDA_Task_File::detect_format( 'auto', 'data.txt', "\xEF\xBB\xBF  {\"a\": 1}" ) );
		$this->assertSame( 'csv', DDA_Task_File::detect_format( 'auto', 'data.txt', 'a,b' ) );
		$this->assertSame( 'csv', DDA_Task_File::detect_format( 'csv', 'data.jsonl', '{}' ) );
		$this->assertSame( 'jsonl', DDA_Task_File::detect_format( 'jsonl', 'data.csv', 'a' ) );
	}

	public function test_a_large_csv_is_read_in_reasonable_time(): void {
		$csv = "id,name,values\n";
		for ( $i = 1; $i <= 20000; $i++ ) {
			$csv .= $i . ',item-' . $i . ",\"[1, 2, 3]\"\n";
		}
		$started = microtime( true );
		$rows    = DDA_Task_File::parse( $csv, 'csv' );
		$this->assertCount( 20000, $rows );
		$this->assertSame( 20001, $rows[19999]['line'] );
		$this->assertLessThan( 10.0, microtime( true ) - $started );
	}
}
