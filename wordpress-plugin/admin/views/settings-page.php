<?php
/**
 * The settings screen: the Settings API form and the Test connection button. In network
 * mode (multisite) the settings belong to the network: this screen shows them read-only.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_network   = DDA_Settings::network_mode();
$dda_cleartext = DDA_Settings::cleartext_warning();
?>
<div class="wrap dda-wrap" id="dda-settings-page">
	<h1><?php esc_html_e( 'Data Analysis Settings', 'distributed-data-analysis' ); ?></h1>
	<?php settings_errors(); ?>
	<?php if ( '' !== $dda_cleartext ) : ?>
		<div class="notice notice-warning inline dda-cleartext-warning"><p><?php echo esc_html( $dda_cleartext ); ?></p></div>
	<?php endif; ?>

	<?php if ( $dda_network ) : ?>
		<h2><?php esc_html_e( 'API server', 'distributed-data-analysis' ); ?></h2>
		<p class="dda-network-managed">
			<?php esc_html_e( 'On this network the API server URL and key are set by a network administrator, for every site, under Network Admin → Settings → Data Analysis.', 'distributed-data-analysis' ); ?>
			<?php if ( current_user_can( DDA_Settings::NETWORK_CAPABILITY ) ) : ?>
				<a href="<?php echo esc_url( DDA_Admin::network_settings_url() ); ?>"><?php esc_html_e( 'Change them', 'distributed-data-analysis' ); ?></a>
			<?php endif; ?>
		</p>
		<?php DDA_Settings::render_readonly(); ?>
	<?php else : ?>
		<form action="<?php echo esc_url( admin_url( 'options.php' ) ); ?>" method="post" id="dda-settings-form">
			<?php
			settings_fields( DDA_Settings::GROUP );
			do_settings_sections( DDA_Settings::PAGE );
			submit_button();
			?>
		</form>
	<?php endif; ?>

	<?php DDA_Views::render( 'connection-test' ); ?>
</div>
