<?php
/**
 * Multisite: the network's settings screen (Network Admin → Settings → Data Analysis), for
 * network administrators. The form posts to network/edit.php, handled by
 * DDA_Admin::handle_network_save() after a nonce and capability check.
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_cleartext = DDA_Settings::cleartext_warning();
?>
<div class="wrap dda-wrap" id="dda-settings-page">
	<h1><?php esc_html_e( 'Data Analysis Settings', 'distributed-data-analysis' ); ?></h1>
	<?php settings_errors( DDA_Settings::OPTION ); ?>
	<?php if ( '' !== $dda_cleartext ) : ?>
		<div class="notice notice-warning inline dda-cleartext-warning"><p><?php echo esc_html( $dda_cleartext ); ?></p></div>
	<?php endif; ?>
	<p><?php esc_html_e( 'These settings apply to every site of the network. Site administrators see them but cannot change them.', 'distributed-data-analysis' ); ?></p>

	<form action="<?php echo esc_url( network_admin_url( 'edit.php?action=' . DDA_Settings::NETWORK_ACTION ) ); ?>" method="post" id="dda-settings-form">
		<?php
		wp_nonce_field( DDA_Settings::NETWORK_ACTION );
		do_settings_sections( DDA_Settings::NETWORK_PAGE );
		submit_button();
		?>
	</form>

	<?php DDA_Views::render( 'connection-test' ); ?>
</div>
