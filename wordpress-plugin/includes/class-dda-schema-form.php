<?php
/**
 * Form fields from an operation's `params_schema`, and the check of what was entered.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The catalog (`GET /operations`, contract v1.1) gives each operation an optional
 * `params_schema`: a JSON Schema subset, `type: "object"` with `properties` of type number,
 * integer, string, boolean or array (items number, integer or string), `required`,
 * `minimum`, `maximum`, `enum`, `default`, `description`, `title`.
 * This class renders form fields for such a schema (number → number input with min and max,
 * string → text, boolean → checkbox, enum → select, array → one value per line) and turns
 * the posted values into params, checked against the same schema: the first problem is
 * refused with a message that names the field, and nothing is sent. admin.js checks the
 * same rules in the browser (it reads the schema from the fieldset's data-schema).
 */
final class DDA_Schema_Form {

	/** The property types a schema may use. */
	public const TYPES = array( 'number', 'integer', 'string', 'boolean', 'array' );

	/**
	 * The schema's properties when it is one the form can show, else null.
	 *
	 * @param mixed $schema A params_schema.
	 * @return array<string, array>|null name => property.
	 */
	public static function properties( $schema ): ?array {
		if ( ! is_array( $schema ) || 'object' !== ( $schema['type'] ?? null ) || ! isset( $schema['properties'] ) || ! is_array( $schema['properties'] ) || ! $schema['properties'] ) {
			return null;
		}
		$out = array();
		foreach ( $schema['properties'] as $name => $property ) {
			if ( '' === (string) $name || ! is_array( $property ) || ! in_array( $property['type'] ?? null, self::TYPES, true ) ) {
				return null;
			}
			$out[ (string) $name ] = $property;
		}
		return $out;
	}

	/**
	 * The names the schema requires.
	 *
	 * @param array $schema A params_schema.
	 * @return string[]
	 */
	public static function required( array $schema ): array {
		return array_values( array_map( 'strval', array_filter( is_array( $schema['required'] ?? null ) ? $schema['required'] : array(), 'is_scalar' ) ) );
	}

	/**
	 * The label of a field: its title, else its name.
	 *
	 * @param string $name     The property name.
	 * @param array  $property The property.
	 */
	public static function label( string $name, array $property ): string {
		return isset( $property['title'] ) && is_string( $property['title'] ) && '' !== $property['title'] ? $property['title'] : $name;
	}

	/**
	 * "“Values” (values)": how a message names a field.
	 *
	 * @param string $name     The property name.
	 * @param array  $property The property.
	 */
	public static function field_name( string $name, array $property ): string {
		$label = self::label( $name, $property );
		/* translators: 1: a field's label, 2: the parameter's name. */
		return $label === $name ? sprintf( __( '“%s”', 'distributed-data-analysis' ), $name ) : sprintf( __( '“%1$s” (%2$s)', 'distributed-data-analysis' ), $label, $name );
	}

	/**
	 * Params from posted field values, checked against the schema.
	 *
	 * @param array $schema A params_schema (properties() is not null for it).
	 * @param array $input  name => posted value: a string, or for a checkbox '1' or absent;
	 *                      an array is one value per line.
	 * @return stdClass|WP_Error The params, or the first problem, naming its field.
	 */
	public static function params_from_fields( array $schema, array $input ) {
		$properties = self::properties( $schema );
		if ( null === $properties ) {
			return new WP_Error( 'dda_invalid_params', __( 'This operation has no form fields: use the JSON box.', 'distributed-data-analysis' ) );
		}
		$params = new stdClass();
		foreach ( $properties as $name => $property ) {
			$raw  = $input[ $name ] ?? null;
			$type = $property['type'];
			if ( 'boolean' === $type ) {
				$params->$name = true === $raw || ( is_scalar( $raw ) && in_array( (string) $raw, array( '1', 'true', 'on' ), true ) );
				continue;
			}
			if ( is_array( $raw ) ) {
				$raw = implode( "\n", array_map( 'strval', array_filter( $raw, 'is_scalar' ) ) );
			}
			$text = is_scalar( $raw ) ? (string) $raw : '';
			if ( 'array' === $type ) {
				$lines = array();
				foreach ( preg_split( '/\r\n|\r|\n/', $text ) as $line ) {
					$line = trim( $line );
					if ( '' !== $line ) {
						$lines[] = $line;
					}
				}
				if ( ! $lines ) {
					continue; // Missing: required() is checked below.
				}
				$items = array();
				$item  = is_array( $property['items'] ?? null ) ? (string) ( $property['items']['type'] ?? '' ) : '';
				foreach ( $lines as $index => $line ) {
					$value = self::convert( $line, $item );
					if ( is_wp_error( $value ) ) {
						return new WP_Error(
							'dda_invalid_params',
							sprintf(
								/* translators: 1: a field's name, 2: a line number, 3: what is wrong. */
								__( 'The field %1$s, line %2$d: %3$s', 'distributed-data-analysis' ),
								self::field_name( $name, $property ),
								$index + 1,
								$value->get_error_message()
							),
							array( 'field' => $name )
						);
					}
					$items[] = $value;
				}
				$params->$name = $items;
				continue;
			}
			if ( 'string' !== $type ) {
				$text = trim( $text );
			}
			if ( '' === $text ) {
				continue; // Not given: the runner fills in the default; required() is checked below.
			}
			if ( isset( $property['enum'] ) && is_array( $property['enum'] ) ) {
				$match = self::enum_value( $text, $property['enum'] );
				if ( null === $match ) {
					/* translators: %s: the allowed values, comma-separated. */
					return self::field_error( $name, $property, sprintf( __( 'must be one of: %s.', 'distributed-data-analysis' ), implode( ', ', array_map( array( __CLASS__, 'value_text' ), $property['enum'] ) ) ) );
				}
				$params->$name = $match;
				continue;
			}
			$value = self::convert( $text, $type );
			if ( is_wp_error( $value ) ) {
				return self::field_error( $name, $property, $value->get_error_message() );
			}
			$params->$name = $value;
		}
		$checked = self::check( $params, $schema );
		return is_wp_error( $checked ) ? $checked : $params;
	}

	/**
	 * Checks params (from the fields or the JSON box) against the schema: required members,
	 * types, minimum, maximum, enum. Members the schema does not name are left alone.
	 *
	 * @param stdClass $params The params.
	 * @param array    $schema A params_schema.
	 * @return true|WP_Error
	 */
	public static function check( stdClass $params, array $schema ) {
		$properties = self::properties( $schema );
		if ( null === $properties ) {
			return true;
		}
		foreach ( self::required( $schema ) as $name ) {
			if ( ! property_exists( $params, $name ) || ( is_array( $params->$name ) && ! $params->$name && 'array' === ( $properties[ $name ]['type'] ?? '' ) ) ) {
				return self::field_error( $name, $properties[ $name ] ?? array(), __( 'is required.', 'distributed-data-analysis' ) );
			}
		}
		foreach ( $properties as $name => $property ) {
			if ( ! property_exists( $params, $name ) ) {
				continue;
			}
			$problem = self::value_problem( $params->$name, $property );
			if ( '' !== $problem ) {
				return self::field_error( $name, $property, $problem );
			}
		}
		return true;
	}

	/**
	 * What is wrong with a value for a property, '' when nothing.
	 *
	 * @param mixed $value    The value.
	 * @param array $property The property.
	 */
	private static function value_problem( $value, array $property ): string {
		$type = (string) $property['type'];
		if ( 'array' === $type ) {
			if ( ! is_array( $value ) || ( $value && ! array_is_list( $value ) ) ) {
				return __( 'must be a list.', 'distributed-data-analysis' );
			}
			$item = is_array( $property['items'] ?? null ) ? (string) ( $property['items']['type'] ?? '' ) : '';
			foreach ( $value as $index => $element ) {
				$ok = '' === $item ? ( is_string( $element ) || ( ( is_int( $element ) || is_float( $element ) ) ) ) : self::is_type( $element, $item );
				if ( ! $ok ) {
					/* translators: 1: position in the list, from 1, 2: a type such as "a number". */
					return sprintf( __( 'item %1$d must be %2$s.', 'distributed-data-analysis' ), $index + 1, self::type_word( '' === $item ? 'number or text' : $item ) );
				}
			}
			return '';
		}
		if ( ! self::is_type( $value, $type ) ) {
			/* translators: %s: a type such as "a number". */
			return sprintf( __( 'must be %s.', 'distributed-data-analysis' ), self::type_word( $type ) );
		}
		if ( isset( $property['enum'] ) && is_array( $property['enum'] ) && ! in_array( $value, $property['enum'], true ) && ! ( is_int( $value ) && in_array( (float) $value, $property['enum'], true ) ) && ! ( is_float( $value ) && floor( $value ) === $value && in_array( (int) $value, $property['enum'], true ) ) ) {
			/* translators: %s: the allowed values, comma-separated. */
			return sprintf( __( 'must be one of: %s.', 'distributed-data-analysis' ), implode( ', ', array_map( array( __CLASS__, 'value_text' ), $property['enum'] ) ) );
		}
		if ( in_array( $type, array( 'number', 'integer' ), true ) ) {
			if ( isset( $property['minimum'] ) && is_numeric( $property['minimum'] ) && $value < $property['minimum'] ) {
				/* translators: %s: the smallest value allowed. */
				return sprintf( __( 'must be at least %s.', 'distributed-data-analysis' ), self::value_text( $property['minimum'] ) );
			}
			if ( isset( $property['maximum'] ) && is_numeric( $property['maximum'] ) && $value > $property['maximum'] ) {
				/* translators: %s: the largest value allowed. */
				return sprintf( __( 'must be at most %s.', 'distributed-data-analysis' ), self::value_text( $property['maximum'] ) );
			}
		}
		return '';
	}

	/**
	 * Whether a JSON value is of a schema type.
	 *
	 * @param mixed  $value A decoded JSON value.
	 * @param string $type  number, integer, string or boolean.
	 */
	private static function is_type( $value, string $type ): bool {
		switch ( $type ) {
			case 'integer':
				return is_int( $value ) || ( is_float( $value ) && floor( $value ) === $value && abs( $value ) < 9007199254740992 );
			case 'number':
				return is_int( $value ) || is_float( $value );
			case 'string':
				return is_string( $value );
			case 'boolean':
				return is_bool( $value );
		}
		return false;
	}

	/**
	 * A word for a type, for messages.
	 *
	 * @param string $type A schema type.
	 */
	private static function type_word( string $type ): string {
		$words = array(
			'integer'        => __( 'a whole number', 'distributed-data-analysis' ),
			'number'         => __( 'a number', 'distributed-data-analysis' ),
			'string'         => __( 'text', 'distributed-data-analysis' ),
			'boolean'        => __( 'true or false', 'distributed-data-analysis' ),
			'number or text' => __( 'a number or text', 'distributed-data-analysis' ),
		);
		return $words[ $type ] ?? $type;
	}

	/**
	 * A typed value from text: integer, number, or string ('' type: a number when it reads
	 * as one, else the text).
	 *
	 * @param string $text The text.
	 * @param string $type integer, number, string or ''.
	 * @return mixed|WP_Error
	 */
	private static function convert( string $text, string $type ) {
		switch ( $type ) {
			case 'integer':
				if ( ! preg_match( '/^-?\d{1,15}$/', $text ) ) {
					return new WP_Error( 'dda_invalid_params', __( 'must be a whole number.', 'distributed-data-analysis' ) );
				}
				return (int) $text;
			case 'number':
				if ( ! is_numeric( $text ) || ! preg_match( '/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/', $text ) ) {
					return new WP_Error( 'dda_invalid_params', __( 'must be a number.', 'distributed-data-analysis' ) );
				}
				return preg_match( '/^-?\d{1,15}$/', $text ) ? (int) $text : (float) $text;
			case '':
				if ( preg_match( '/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/', $text ) ) {
					return preg_match( '/^-?\d{1,15}$/', $text ) ? (int) $text : (float) $text;
				}
				return $text;
		}
		return $text;
	}

	/**
	 * The enum member a posted text stands for (compared as text), else null.
	 *
	 * @param string $text The posted text.
	 * @param array  $enum The allowed values.
	 * @return mixed|null
	 */
	private static function enum_value( string $text, array $enum ) {
		foreach ( $enum as $member ) {
			if ( is_scalar( $member ) && self::value_text( $member ) === $text ) {
				return $member;
			}
		}
		return null;
	}

	/**
	 * A value as text (the form's option values; messages).
	 *
	 * @param mixed $value A scalar.
	 */
	public static function value_text( $value ): string {
		if ( is_bool( $value ) ) {
			return $value ? 'true' : 'false';
		}
		if ( is_float( $value ) && floor( $value ) === $value && abs( $value ) < 1e15 ) {
			return (string) (int) $value;
		}
		return is_scalar( $value ) ? (string) $value : '';
	}

	/**
	 * The error for a field.
	 *
	 * @param string $name     The property name.
	 * @param array  $property The property.
	 * @param string $problem  What is wrong ("must be at least 1.").
	 */
	private static function field_error( string $name, array $property, string $problem ): WP_Error {
		return new WP_Error(
			'dda_invalid_params',
			/* translators: 1: a field's name, 2: what is wrong, such as "must be at least 1." */
			sprintf( __( 'The field %1$s %2$s Nothing was sent.', 'distributed-data-analysis' ), self::field_name( $name, $property ), $problem ),
			array(
				'field'  => $name,
				'status' => 400,
			)
		);
	}

	/**
	 * The id of a field's input.
	 *
	 * @param int $code  The operation code.
	 * @param int $index The property's position.
	 */
	public static function field_id( int $code, int $index ): string {
		return 'dda-field-' . $code . '-' . $index;
	}

	/**
	 * The fields of one operation's schema: a fieldset (data-code, data-schema for admin.js)
	 * with one labelled input per property, named `dda_field[code][name]`.
	 *
	 * @param int   $code   The operation code.
	 * @param array $schema Its params_schema (properties() is not null for it).
	 * @param array $values Values to show instead of the defaults (after a failed post).
	 */
	public static function fields_html( int $code, array $schema, array $values = array() ): string {
		$properties = (array) self::properties( $schema );
		$required   = self::required( $schema );
		$schema_json = wp_json_encode( $schema, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		$html        = sprintf(
			'<fieldset class="dda-schema-fields" data-code="%1$d" data-schema="%2$s"><legend>%3$s</legend>',
			$code,
			esc_attr( false === $schema_json ? '{}' : $schema_json ),
			/* translators: %s: an operation label such as "300 — statistics". */
			esc_html( sprintf( __( 'Parameters of %s', 'distributed-data-analysis' ), DDA_Format::operation_label( $code ) ) )
		);
		if ( isset( $schema['description'] ) && is_string( $schema['description'] ) && '' !== $schema['description'] ) {
			$html .= '<p class="description">' . esc_html( $schema['description'] ) . '</p>';
		}
		$index = 0;
		foreach ( $properties as $name => $property ) {
			$html .= self::field_html( $code, $index, $name, $property, in_array( $name, $required, true ), $values[ $name ] ?? null );
			++$index;
		}
		return $html . '</fieldset>';
	}

	/**
	 * One field: label (with "required"), input, help and an error line.
	 *
	 * @param int    $code     The operation code.
	 * @param int    $index    The property's position.
	 * @param string $name     The property name.
	 * @param array  $property The property.
	 * @param bool   $required Whether it is required.
	 * @param mixed  $value    A value to show instead of the default, or null.
	 */
	private static function field_html( int $code, int $index, string $name, array $property, bool $required, $value ): string {
		$id       = self::field_id( $code, $index );
		$type     = (string) $property['type'];
		$field    = 'dda_field[' . $code . '][' . $name . ']';
		$default  = array_key_exists( 'default', $property ) ? $property['default'] : null;
		$value    = null !== $value ? $value : $default;
		$help     = array();
		$describe = $id . '-error';
		if ( isset( $property['description'] ) && is_string( $property['description'] ) && '' !== $property['description'] ) {
			$help[] = $property['description'];
		}
		$has_min = isset( $property['minimum'] ) && is_numeric( $property['minimum'] );
		$has_max = isset( $property['maximum'] ) && is_numeric( $property['maximum'] );
		if ( $has_min && $has_max ) {
			/* translators: 1: smallest value, 2: largest value. */
			$help[] = sprintf( __( 'From %1$s to %2$s.', 'distributed-data-analysis' ), self::value_text( $property['minimum'] ), self::value_text( $property['maximum'] ) );
		} elseif ( $has_min ) {
			/* translators: %s: smallest value. */
			$help[] = sprintf( __( 'At least %s.', 'distributed-data-analysis' ), self::value_text( $property['minimum'] ) );
		} elseif ( $has_max ) {
			/* translators: %s: largest value. */
			$help[] = sprintf( __( 'At most %s.', 'distributed-data-analysis' ), self::value_text( $property['maximum'] ) );
		}
		if ( 'array' === $type ) {
			$item = is_array( $property['items'] ?? null ) ? (string) ( $property['items']['type'] ?? '' ) : '';
			$help[] = 'integer' === $item
				? __( 'One whole number per line.', 'distributed-data-analysis' )
				: ( 'number' === $item ? __( 'One number per line.', 'distributed-data-analysis' ) : __( 'One value per line.', 'distributed-data-analysis' ) );
		}
		if ( $help ) {
			$describe .= ' ' . $id . '-help';
		}
		$attrs = sprintf(
			'id="%1$s" name="%2$s" data-name="%3$s" aria-describedby="%4$s"%5$s',
			esc_attr( $id ),
			esc_attr( $field ),
			esc_attr( $name ),
			esc_attr( $describe ),
			$required ? ' aria-required="true" data-required="1"' : ''
		);
		$label = sprintf(
			'<label for="%1$s">%2$s%3$s</label>',
			esc_attr( $id ),
			esc_html( self::label( $name, $property ) ),
			$required ? ' <span class="dda-required">' . esc_html__( '(required)', 'distributed-data-analysis' ) . '</span>' : ''
		);

		if ( 'boolean' === $type ) {
			$input = sprintf(
				'<input type="hidden" name="%1$s" value="0" /><input type="checkbox" value="1" %2$s%3$s /> %4$s',
				esc_attr( $field ),
				$attrs,
				true === $value || '1' === $value ? ' checked="checked"' : '',
				$label
			);
			$html = '<div class="dda-schema-field dda-schema-field--boolean">' . $input;
		} elseif ( isset( $property['enum'] ) && is_array( $property['enum'] ) ) {
			$options = $required && null === $default ? '<option value="">' . esc_html__( '— Choose —', 'distributed-data-analysis' ) . '</option>' : ( $required ? '' : '<option value="">' . esc_html__( '— Default —', 'distributed-data-analysis' ) . '</option>' );
			foreach ( $property['enum'] as $member ) {
				if ( ! is_scalar( $member ) ) {
					continue;
				}
				$text     = self::value_text( $member );
				$options .= sprintf( '<option value="%1$s"%2$s>%3$s</option>', esc_attr( $text ), null !== $value && self::value_text( $value ) === $text ? ' selected="selected"' : '', esc_html( $text ) );
			}
			$html = '<div class="dda-schema-field">' . $label . '<br /><select ' . $attrs . '>' . $options . '</select>';
		} elseif ( 'array' === $type ) {
			$lines = is_array( $value ) ? implode( "\n", array_map( array( __CLASS__, 'value_text' ), array_filter( $value, 'is_scalar' ) ) ) : ( is_string( $value ) ? $value : '' );
			$html  = '<div class="dda-schema-field">' . $label . '<br /><textarea rows="4" cols="30" class="code" data-type="array" ' . $attrs . '>' . esc_textarea( $lines ) . '</textarea>';
		} elseif ( 'string' === $type ) {
			$html = sprintf(
				'<div class="dda-schema-field">%1$s<br /><input type="text" class="regular-text" value="%2$s" %3$s />',
				$label,
				esc_attr( is_scalar( $value ) ? (string) $value : '' ),
				$attrs
			);
		} else {
			$html = sprintf(
				'<div class="dda-schema-field">%1$s<br /><input type="number" class="small-text dda-number" step="%2$s"%3$s%4$s value="%5$s" %6$s />',
				$label,
				'integer' === $type ? '1' : 'any',
				$has_min ? ' min="' . esc_attr( self::value_text( $property['minimum'] ) ) . '"' : '',
				$has_max ? ' max="' . esc_attr( self::value_text( $property['maximum'] ) ) . '"' : '',
				esc_attr( is_scalar( $value ) ? self::value_text( $value ) : '' ),
				$attrs
			);
		}
		if ( $help ) {
			$html .= '<p class="description" id="' . esc_attr( $id . '-help' ) . '">' . esc_html( implode( ' ', $help ) ) . '</p>';
		}
		$html .= '<p class="dda-field-error" id="' . esc_attr( $id . '-error' ) . '" hidden></p>';
		return $html . '</div>';
	}
}
