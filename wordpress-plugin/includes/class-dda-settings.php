<?php
/**
 * The plugin's settings: one array option, registered through the Settings API.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Reads, validates and registers the `dda_settings` option:
 * `api_url` (string), `api_key` (string, never printed back), `timeout` (seconds).
 */
final class DDA_Settings {

	public const OPTION = 'dda_settings';
	public const GROUP  = 'dda_settings';
	public const PAGE   = 'dda-settings';

	public const DEFAULT_TIMEOUT = 10;
	public const MIN_TIMEOUT     = 1;
	public const MAX_TIMEOUT     = 60;

	/** The server refuses shorter API keys (contract: at least 16 characters). */
	public const MIN_KEY_LENGTH = 16;

	/**
	 * Default values, written on activation.
	 *
	 * @return array{api_url: string, api_key: string, timeout: int}
	 */
	public static function defaults(): array {
		return array(
			'api_url' => '',
			'api_key' => '',
			'timeout' => self::DEFAULT_TIMEOUT,
		);
	}

	/**
	 * The stored settings with defaults filled in.
	 *
	 * @return array{api_url: string, api_key: string, timeout: int}
	 */
	public static function get(): array {
		$stored = get_option( self::OPTION, array() );
		if ( ! is_array( $stored ) ) {
			$stored = array();
		}
		$settings            = array_merge( self::defaults(), array_intersect_key( $stored, self::defaults() ) );
		$settings['api_url'] = (string) $settings['api_url'];
		$settings['api_key'] = (string) $settings['api_key'];
		$settings['timeout'] = (int) $settings['timeout'];
		return $settings;
	}

	/**
	 * Whether both URL and key are set.
	 */
	public static function is_configured(): bool {
		$settings = self::get();
		return '' !== $settings['api_url'] && '' !== $settings['api_key'];
	}

	/**
	 * Registers the setting, its section and fields (on `admin_init`).
	 */
	public static function register(): void {
		register_setting(
			self::GROUP,
			self::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'default'           => self::defaults(),
				'show_in_rest'      => false,
			)
		);

		add_settings_section(
			'dda_connection',
			__( 'API server', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_section' ),
			self::PAGE
		);
		add_settings_field(
			'dda_api_url',
			__( 'API server URL', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_url_field' ),
			self::PAGE,
			'dda_connection',
			array( 'label_for' => 'dda_api_url' )
		);
		add_settings_field(
			'dda_api_key',
			__( 'API key', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_key_field' ),
			self::PAGE,
			'dda_connection',
			array( 'label_for' => 'dda_api_key' )
		);
		add_settings_field(
			'dda_timeout',
			__( 'Request timeout', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_timeout_field' ),
			self::PAGE,
			'dda_connection',
			array( 'label_for' => 'dda_timeout' )
		);
	}

	/**
	 * Sanitizes the submitted settings. An invalid value is refused with a settings error
	 * and the stored value kept; a blank API key keeps the stored key.
	 *
	 * @param mixed $input The submitted value (an array from the settings form).
	 * @return array{api_url: string, api_key: string, timeout: int}
	 */
	public static function sanitize( $input ): array {
		$old = self::get();
		if ( ! is_array( $input ) ) {
			return $old;
		}
		$clean = $old;

		if ( array_key_exists( 'api_url', $input ) ) {
			$url = self::normalize_url( is_string( $input['api_url'] ) ? $input['api_url'] : '' );
			if ( is_wp_error( $url ) ) {
				self::error( 'dda_api_url', $url->get_error_message() );
			} else {
				$clean['api_url'] = $url;
			}
		}

		if ( array_key_exists( 'api_key', $input ) && is_string( $input['api_key'] ) ) {
			$key = trim( $input['api_key'] );
			if ( '' !== $key ) {
				if ( preg_match( '/[\x00-\x20\x7f]/', $key ) ) {
					self::error( 'dda_api_key', __( 'The API key must not contain spaces or control characters. The stored key was kept.', 'distributed-data-analysis' ) );
				} elseif ( strlen( $key ) < self::MIN_KEY_LENGTH ) {
					self::error(
						'dda_api_key',
						/* translators: %d: minimum number of characters. */
						sprintf( __( 'The API key is too short: DDA keys have at least %d characters. The stored key was kept.', 'distributed-data-analysis' ), self::MIN_KEY_LENGTH )
					);
				} else {
					$clean['api_key'] = $key;
				}
			}
		}

		if ( array_key_exists( 'timeout', $input ) ) {
			$timeout = is_scalar( $input['timeout'] ) ? (int) $input['timeout'] : 0;
			if ( $timeout < self::MIN_TIMEOUT || $timeout > self::MAX_TIMEOUT ) {
				self::error(
					'dda_timeout',
					/* translators: 1: minimum seconds, 2: maximum seconds. */
					sprintf( __( 'The request timeout must be between %1$d and %2$d seconds.', 'distributed-data-analysis' ), self::MIN_TIMEOUT, self::MAX_TIMEOUT )
				);
			} else {
				$clean['timeout'] = $timeout;
			}
		}

		return $clean;
	}

	/**
	 * Records a settings error for the form (the function exists in wp-admin only).
	 *
	 * @param string $code    Error code.
	 * @param string $message Translated message.
	 */
	private static function error( string $code, string $message ): void {
		if ( function_exists( 'add_settings_error' ) ) {
			add_settings_error( self::OPTION, $code, $message, 'error' );
		}
	}

	/**
	 * Validates and normalizes an API server URL: http or https, a host, no query,
	 * fragment or credentials; the trailing slash is dropped.
	 *
	 * @param string $raw The URL as typed.
	 * @return string|WP_Error The normalized URL, or an error that says what is wrong.
	 */
	public static function normalize_url( string $raw ) {
		$url = trim( $raw );
		if ( '' === $url ) {
			return new WP_Error( 'dda_invalid_url', __( 'Enter the API server URL, for example http://127.0.0.1:8080. The stored URL was kept.', 'distributed-data-analysis' ) );
		}
		$parts = wp_parse_url( $url );
		$bad   = __( 'The API server URL must be a full http:// or https:// address such as https://dda.example.com or http://127.0.0.1:8080 (no query string or user name). The stored URL was kept.', 'distributed-data-analysis' );
		if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
			return new WP_Error( 'dda_invalid_url', $bad );
		}
		$scheme = strtolower( $parts['scheme'] );
		if ( ! in_array( $scheme, array( 'http', 'https' ), true ) || isset( $parts['query'] ) || isset( $parts['fragment'] ) || isset( $parts['user'] ) || isset( $parts['pass'] ) ) {
			return new WP_Error( 'dda_invalid_url', $bad );
		}
		if ( preg_match( '/[\s<>"\'`\\\\]/', $url ) || ! preg_match( '/^[a-z0-9.\-\[\]:]+$/i', $parts['host'] ) ) {
			return new WP_Error( 'dda_invalid_url', $bad );
		}
		$clean = esc_url_raw( $url, array( 'http', 'https' ) );
		if ( '' === $clean ) {
			return new WP_Error( 'dda_invalid_url', $bad );
		}
		return untrailingslashit( $clean );
	}

	/**
	 * Section intro.
	 */
	public static function render_section(): void {
		echo '<p>' . esc_html__( 'Where the DDA API server runs and the API key WordPress uses with it. Every call to the API server is made by WordPress; the key never reaches the browser.', 'distributed-data-analysis' ) . '</p>';
	}

	/**
	 * The URL field.
	 */
	public static function render_url_field(): void {
		$settings = self::get();
		printf(
			'<input type="url" id="dda_api_url" name="%1$s[api_url]" value="%2$s" class="regular-text code" placeholder="http://127.0.0.1:8080" required aria-describedby="dda_api_url_help" />',
			esc_attr( self::OPTION ),
			esc_attr( $settings['api_url'] )
		);
		echo '<p class="description" id="dda_api_url_help">' . esc_html__( 'The address of the nginx site in front of dda-server, without a trailing path to a route.', 'distributed-data-analysis' ) . '</p>';
	}

	/**
	 * The API key field: a password field that is always empty; the stored key is never
	 * printed into the page.
	 */
	public static function render_key_field(): void {
		$settings = self::get();
		$has_key  = '' !== $settings['api_key'];
		printf(
			'<input type="password" id="dda_api_key" name="%1$s[api_key]" value="" class="regular-text code" autocomplete="new-password" spellcheck="false" placeholder="%2$s" aria-describedby="dda_api_key_help" />',
			esc_attr( self::OPTION ),
			esc_attr( $has_key ? __( 'A key is stored', 'distributed-data-analysis' ) : '' )
		);
		echo '<p class="description" id="dda_api_key_help">';
		if ( $has_key ) {
			esc_html_e( 'A key is stored and is not shown. Leave the field blank to keep it, or enter a new key to replace it.', 'distributed-data-analysis' );
		} else {
			esc_html_e( 'No key is stored yet. Use one of the keys in the server\'s DDA_API_KEYS.', 'distributed-data-analysis' );
		}
		echo '</p>';
	}

	/**
	 * The timeout field.
	 */
	public static function render_timeout_field(): void {
		$settings = self::get();
		printf(
			'<input type="number" id="dda_timeout" name="%1$s[timeout]" value="%2$d" min="%3$d" max="%4$d" step="1" class="small-text" aria-describedby="dda_timeout_help" /> %5$s',
			esc_attr( self::OPTION ),
			(int) $settings['timeout'],
			(int) self::MIN_TIMEOUT,
			(int) self::MAX_TIMEOUT,
			esc_html__( 'seconds', 'distributed-data-analysis' )
		);
		echo '<p class="description" id="dda_timeout_help">' . esc_html__( 'How long WordPress waits for the API server before it reports it as not answering.', 'distributed-data-analysis' ) . '</p>';
	}
}
