<?php
/**
 * The plugin's settings: one array option, registered through the Settings API; on
 * multisite one network option that only network administrators change.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Reads, validates and registers the settings:
 * `api_url` (string), `api_key` (string, never printed back), `timeout` (seconds).
 *
 * Single site: the option `dda_settings`, edited by administrators (`manage_options`) on
 * Data Analysis → Settings through the Settings API, never autoloaded.
 *
 * Multisite ("network mode"): the network option `dda_network_settings`, edited only by
 * network administrators (`manage_network_options`) on Network Admin → Settings → Data
 * Analysis. The URL decides where WordPress sends the API key, so a site administrator must
 * not be able to point it at an internal address; the sites' own Settings screens show the
 * values read-only. Network options are never autoloaded into any site's options.
 *
 * Why not the plugin's own capability (`manage_dda`, DDA_Admin::CAPABILITY): a site may give
 * `manage_dda` to editors so they can create and watch tasks. Whoever can change the API URL
 * decides where WordPress sends the API key (every request carries it), so an editor who could
 * edit the URL could point it at a server of their own and read the key there. The URL and
 * key therefore stay with whoever administers the site (`manage_options`) or, on multisite,
 * the network (`manage_network_options`); `manage_dda` alone gives the Tasks screens, its
 * forms and the plugin's REST routes, never these settings.
 */
final class DDA_Settings {

	public const OPTION = 'dda_settings';
	public const GROUP  = 'dda_settings';
	public const PAGE   = 'dda-settings';

	/** Network mode: the option in the network's sitemeta. */
	public const NETWORK_OPTION = 'dda_network_settings';
	/** Network mode: the page under Network Admin → Settings. */
	public const NETWORK_PAGE = 'dda-network-settings';
	/** Network mode: the form posts to network/edit.php?action=… (`network_admin_edit_{action}`), also its nonce action. */
	public const NETWORK_ACTION = 'dda_network_settings';

	public const SITE_CAPABILITY    = 'manage_options';
	public const NETWORK_CAPABILITY = 'manage_network_options';

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
	 * Registers the hooks that must be there on every request (on boot): the option is
	 * kept out of the autoloaded options however it is written (the Settings API's save
	 * calls update_option() without an autoload flag, which adds a missing option as
	 * autoloaded), and the Settings API form needs the right capability.
	 */
	public static function hooks(): void {
		add_action( 'add_option_' . self::OPTION, array( __CLASS__, 'ensure_not_autoloaded' ), 10, 0 );
		add_action( 'update_option_' . self::OPTION, array( __CLASS__, 'ensure_not_autoloaded' ), 10, 0 );
		add_filter( 'option_page_capability_' . self::GROUP, array( __CLASS__, 'option_page_capability' ) );
	}

	/**
	 * Whether the settings are the network's (multisite) rather than the site's.
	 */
	public static function network_mode(): bool {
		/**
		 * Filters whether the plugin keeps its settings network-wide. Default: is_multisite().
		 * The tests turn it on in a single-site install to check the multisite rules.
		 *
		 * @param bool $network_mode Whether the settings are a network option.
		 */
		return (bool) apply_filters( 'dda_network_mode', is_multisite() );
	}

	/**
	 * The capability needed to change the API URL and key.
	 */
	public static function capability(): string {
		return self::network_mode() ? self::NETWORK_CAPABILITY : self::SITE_CAPABILITY;
	}

	/**
	 * Whether the current user may change the API URL and key.
	 */
	public static function can_edit(): bool {
		return current_user_can( self::capability() );
	}

	/**
	 * `option_page_capability_dda_settings`: options.php asks for this capability before it
	 * saves the site form; in network mode that is one a site administrator does not have
	 * (and the setting is not registered there at all).
	 *
	 * @param string $capability The capability options.php would check.
	 */
	public static function option_page_capability( $capability ): string {
		return self::network_mode() ? self::NETWORK_CAPABILITY : (string) $capability;
	}

	/**
	 * The stored settings with defaults filled in.
	 *
	 * @return array{api_url: string, api_key: string, timeout: int}
	 */
	public static function get(): array {
		$stored = self::network_mode() ? get_site_option( self::NETWORK_OPTION, array() ) : get_option( self::OPTION, array() );
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
	 * Stores settings (already sanitized): the network option in network mode, else the
	 * site option, not autoloaded.
	 *
	 * @param array $settings The settings.
	 */
	public static function store( array $settings ): void {
		if ( self::network_mode() ) {
			update_site_option( self::NETWORK_OPTION, $settings );
			return;
		}
		update_option( self::OPTION, $settings, false );
		self::ensure_not_autoloaded();
	}

	/**
	 * Makes sure the site option is not autoloaded: the API key is only needed in wp-admin
	 * and the plugin's REST requests, so it must not be loaded into memory (and into any
	 * object cache) on every page view of the site. Runs after every add and update.
	 */
	public static function ensure_not_autoloaded(): void {
		global $wpdb;
		$autoload = $wpdb->get_var( $wpdb->prepare( "SELECT autoload FROM {$wpdb->options} WHERE option_name = %s", self::OPTION ) );
		if ( null !== $autoload && ! in_array( $autoload, array( 'no', 'off' ), true ) ) {
			if ( function_exists( 'wp_set_option_autoload' ) ) {
				wp_set_option_autoload( self::OPTION, false ); // WordPress 6.4+; it also fixes the caches.
			} else {
				$wpdb->update( $wpdb->options, array( 'autoload' => 'no' ), array( 'option_name' => self::OPTION ) );
			}
		}
		// The cached list of autoloaded options must not hold it either (update_option()
		// keeps a value there that was autoloaded before); it lives on as a single option.
		$alloptions = wp_cache_get( 'alloptions', 'options' );
		if ( is_array( $alloptions ) && array_key_exists( self::OPTION, $alloptions ) ) {
			$value = $alloptions[ self::OPTION ];
			unset( $alloptions[ self::OPTION ] );
			wp_cache_set( 'alloptions', $alloptions, 'options' );
			wp_cache_set( self::OPTION, $value, 'options' );
		}
	}

	/**
	 * Whether both URL and key are set.
	 */
	public static function is_configured(): bool {
		$settings = self::get();
		return '' !== $settings['api_url'] && '' !== $settings['api_key'];
	}

	/**
	 * Registers the setting, its section and fields (on `admin_init`). In network mode the
	 * site form does not exist: the fields belong to the network page, which saves through
	 * DDA_Admin::handle_network_save(), and the site screen shows the values read-only.
	 */
	public static function register(): void {
		if ( self::network_mode() ) {
			self::add_fields( self::NETWORK_PAGE );
			return;
		}
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
		self::add_fields( self::PAGE );
	}

	/**
	 * The section and fields of the settings form on a page.
	 *
	 * @param string $page PAGE or NETWORK_PAGE.
	 */
	private static function add_fields( string $page ): void {
		add_settings_section(
			'dda_connection',
			__( 'API server', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_section' ),
			$page
		);
		add_settings_field(
			'dda_api_url',
			__( 'API server URL', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_url_field' ),
			$page,
			'dda_connection',
			array( 'label_for' => 'dda_api_url' )
		);
		add_settings_field(
			'dda_api_key',
			__( 'API key', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_key_field' ),
			$page,
			'dda_connection',
			array( 'label_for' => 'dda_api_key' )
		);
		add_settings_field(
			'dda_timeout',
			__( 'Request timeout', 'distributed-data-analysis' ),
			array( __CLASS__, 'render_timeout_field' ),
			$page,
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
	 * fragment or credentials (`user:password@`), no spaces or control characters; the
	 * trailing slash is dropped. Used when the form saves and again before every request.
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
		if ( preg_match( '/[\s\x00-\x1f\x7f<>"\'`\\\\]/', $url ) || ! preg_match( '/^[a-z0-9.\-\[\]:]+$/i', $parts['host'] ) ) {
			return new WP_Error( 'dda_invalid_url', $bad );
		}
		$clean = esc_url_raw( $url, array( 'http', 'https' ) );
		if ( '' === $clean ) {
			return new WP_Error( 'dda_invalid_url', $bad );
		}
		return untrailingslashit( $clean );
	}

	/**
	 * Whether a host name is this machine: `localhost`, 127.0.0.0/8 or ::1.
	 *
	 * @param string $host A host as wp_parse_url() returns it (IPv6 in brackets).
	 */
	public static function is_loopback_host( string $host ): bool {
		$host = strtolower( trim( $host, '[]' ) );
		if ( 'localhost' === $host ) {
			return true;
		}
		if ( filter_var( $host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4 ) ) {
			return 0 === strpos( $host, '127.' );
		}
		if ( filter_var( $host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6 ) ) {
			return inet_pton( $host ) === inet_pton( '::1' );
		}
		return false;
	}

	/**
	 * The warning for a URL that sends the API key unencrypted: plain http:// to a host
	 * that is not this machine. '' when there is nothing to warn about.
	 *
	 * @param string|null $url A URL; null for the stored one.
	 */
	public static function cleartext_warning( ?string $url = null ): string {
		$url   = null === $url ? self::get()['api_url'] : $url;
		$parts = wp_parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['host'] ) || 'http' !== strtolower( $parts['scheme'] ?? '' ) ) {
			return '';
		}
		if ( self::is_loopback_host( (string) $parts['host'] ) ) {
			return '';
		}
		return sprintf(
			/* translators: %s: host name of the API server. */
			__( 'The API server URL uses plain http:// to %s, which is not this machine: the API key and all task data travel unencrypted and can be read or changed on the way. Use an https:// URL (plain http:// is fine only for 127.0.0.1, ::1 or localhost).', 'distributed-data-analysis' ),
			(string) $parts['host']
		);
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
	 * The settings without a form, for the sites' Settings screens in network mode: the URL,
	 * whether a key is stored (never the key) and the timeout.
	 */
	public static function render_readonly(): void {
		$settings = self::get();
		echo '<table class="form-table dda-readonly-settings" role="presentation"><tbody>';
		echo '<tr><th scope="row">' . esc_html__( 'API server URL', 'distributed-data-analysis' ) . '</th><td>';
		if ( '' === $settings['api_url'] ) {
			echo esc_html__( 'Not set', 'distributed-data-analysis' );
		} else {
			echo '<code id="dda_api_url_value">' . esc_html( $settings['api_url'] ) . '</code>';
		}
		echo '</td></tr>';
		echo '<tr><th scope="row">' . esc_html__( 'API key', 'distributed-data-analysis' ) . '</th><td>';
		echo '' !== $settings['api_key'] ? esc_html__( 'A key is stored', 'distributed-data-analysis' ) : esc_html__( 'Not set', 'distributed-data-analysis' );
		echo '</td></tr>';
		echo '<tr><th scope="row">' . esc_html__( 'Request timeout', 'distributed-data-analysis' ) . '</th><td>';
		/* translators: %d: seconds. */
		echo esc_html( sprintf( _n( '%d second', '%d seconds', $settings['timeout'], 'distributed-data-analysis' ), $settings['timeout'] ) );
		echo '</td></tr>';
		echo '</tbody></table>';
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
