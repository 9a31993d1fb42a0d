<?php
/**
 * The tasks screen: tabs Tasks, Runners and Overview; the create forms, the task list with
 * its filters, paging and bulk actions, the result dialog; the runner list; the overview.
 * Variables: $vars['tab'], $vars['view'] (the task list's view, DDA_Admin::list_view()),
 * $vars['notices'], $vars['details'] (a task or null), $vars['runner_names'],
 * $vars['table'] (a prepared list table, tabs Tasks and Runners), $vars['catalog'] (the
 * API's operations, tab Tasks), $vars['configured'], $vars['per_page'], $vars['file']
 * (limits of the file form: max_rows, max_bytes, upload_max), $vars['confirm_remove'] (a
 * runner to confirm the removal of, tab Runners), $vars['stats'] (tab Overview).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_tab     = in_array( $vars['tab'] ?? '', array( 'runners', 'overview' ), true ) ? $vars['tab'] : 'tasks';
$dda_view    = DDA_Admin::normalize_view( (array) ( $vars['view'] ?? array() ) );
$dda_status  = $dda_view['status'];
$dda_table   = $vars['table'] ?? null;
$dda_details = $vars['details'] ?? null;
$dda_file    = array_merge(
	array(
		'max_rows'   => DDA_Task_File::DEFAULT_MAX_ROWS,
		'max_bytes'  => DDA_Task_File::DEFAULT_MAX_BYTES,
		'upload_max' => 0,
	),
	(array) ( $vars['file'] ?? array() )
);
// The operations of the create forms: the API's catalog, else the built-in codes.
$dda_catalog = array();
foreach ( (array) ( $vars['catalog'] ?? array() ) as $dda_entry ) {
	if ( is_array( $dda_entry ) && isset( $dda_entry['code'] ) && is_int( $dda_entry['code'] ) && $dda_entry['code'] >= 1 && $dda_entry['code'] <= 999999 ) {
		$dda_catalog[ $dda_entry['code'] ] = $dda_entry;
	}
}
if ( ! $dda_catalog ) {
	foreach ( array_keys( DDA_Format::operations() ) as $dda_code ) {
		$dda_catalog[ $dda_code ] = array( 'code' => $dda_code );
	}
}
ksort( $dda_catalog );
$dda_options = array();
foreach ( $dda_catalog as $dda_code => $dda_entry ) {
	$dda_label = DDA_Format::operation_label( $dda_code );
	if ( isset( $dda_entry['runners_online'] ) && is_int( $dda_entry['runners_online'] ) ) {
		$dda_label = sprintf(
			/* translators: 1: operation label such as "777 — Word count", 2: how many runners are online for it. */
			__( '%1$s (%2$s)', 'distributed-data-analysis' ),
			$dda_label,
			0 === $dda_entry['runners_online']
				? __( 'no runner online', 'distributed-data-analysis' )
				/* translators: %s: a number of runners. */
				: sprintf( _n( '%s runner online', '%s runners online', $dda_entry['runners_online'], 'distributed-data-analysis' ), number_format_i18n( $dda_entry['runners_online'] ) )
		);
	}
	$dda_schema              = is_array( $dda_entry['params_schema'] ?? null ) && null !== DDA_Schema_Form::properties( $dda_entry['params_schema'] ) ? $dda_entry['params_schema'] : null;
	$dda_options[ $dda_code ] = array(
		'label'       => $dda_label,
		'description' => isset( $dda_entry['description'] ) && is_string( $dda_entry['description'] ) ? $dda_entry['description'] : '',
		'schema'      => $dda_schema,
		'online'      => isset( $dda_entry['runners_online'] ) && is_int( $dda_entry['runners_online'] ) ? $dda_entry['runners_online'] : -1,
	);
}
$dda_first = reset( $dda_options );
$dda_tabs  = array(
	'tasks'    => array( __( 'Tasks', 'distributed-data-analysis' ), array() ),
	'runners'  => array( __( 'Runners', 'distributed-data-analysis' ), array( 'tab' => 'runners' ) ),
	'overview' => array( __( 'Overview', 'distributed-data-analysis' ), array( 'tab' => 'overview' ) ),
);
?>
<div class="wrap dda-wrap" id="dda-page" data-dda-tab="<?php echo esc_attr( $dda_tab ); ?>" data-dda-status="<?php echo esc_attr( $dda_status ); ?>" data-dda-operation="<?php echo esc_attr( (string) $dda_view['operation'] ); ?>" data-dda-search="<?php echo esc_attr( $dda_view['search'] ); ?>" data-dda-before="<?php echo esc_attr( $dda_view['before'] ); ?>" data-dda-newer="<?php echo esc_attr( implode( ',', $dda_view['newer'] ) ); ?>" data-dda-per-page="<?php echo esc_attr( (string) (int) ( $vars['per_page'] ?? DDA_Admin::PER_PAGE ) ); ?>" data-dda-configured="<?php echo empty( $vars['configured'] ) ? '0' : '1'; ?>" data-dda-refresh="<?php echo empty( $vars['configured'] ) || '' !== (string) ( $vars['view']['search_invalid'] ?? '' ) ? '0' : '1'; ?>">
	<h1 class="wp-heading-inline"><?php esc_html_e( 'Data Analysis Tasks', 'distributed-data-analysis' ); ?></h1>
	<hr class="wp-header-end" />

	<?php
	$dda_keyed = array();
	foreach ( (array) ( $vars['notices'] ?? array() ) as $dda_notice ) {
		if ( ! empty( $dda_notice['key'] ) ) {
			$dda_keyed[] = $dda_notice; // Inside #dda-notices: admin.js replaces them.
			continue;
		}
		DDA_Views::render( 'notice', $dda_notice );
	}
	?>
	<div id="dda-notices" class="dda-notices">
		<?php
		foreach ( $dda_keyed as $dda_notice ) {
			DDA_Views::render( 'notice', $dda_notice );
		}
		?>
	</div>

	<nav class="nav-tab-wrapper wp-clearfix" aria-label="<?php esc_attr_e( 'Tasks, runners and overview', 'distributed-data-analysis' ); ?>">
		<?php foreach ( $dda_tabs as $dda_key => $dda_one ) : ?>
			<a href="<?php echo esc_url( DDA_Admin::tasks_url( $dda_one[1] ) ); ?>" class="nav-tab<?php echo $dda_key === $dda_tab ? ' nav-tab-active' : ''; ?>"<?php echo $dda_key === $dda_tab ? ' aria-current="page"' : ''; ?>><?php echo esc_html( $dda_one[0] ); ?></a>
		<?php endforeach; ?>
	</nav>

	<?php if ( is_array( $dda_details ) ) : ?>
		<div class="dda-panel dda-details-panel">
			<h2>
				<?php
				/* translators: %s: short task id. */
				echo esc_html( sprintf( __( 'Task %s', 'distributed-data-analysis' ), DDA_Format::short_id( $dda_details['task_id'] ?? '' ) ) );
				?>
			</h2>
			<?php
			DDA_Views::render(
				'task-details',
				array(
					'task'         => $dda_details,
					'runner_names' => (array) ( $vars['runner_names'] ?? array() ),
				)
			);
			?>
			<p><a href="<?php echo esc_url( DDA_Admin::tasks_url() ); ?>"><?php esc_html_e( 'Back to the task list', 'distributed-data-analysis' ); ?></a></p>
		</div>
	<?php endif; ?>

	<?php if ( 'tasks' === $dda_tab ) : ?>
		<div class="dda-panel dda-create">
			<h2 id="dda-create-title"><?php esc_html_e( 'Create a task', 'distributed-data-analysis' ); ?></h2>
			<form method="post" action="<?php echo esc_url( DDA_Admin::tasks_url() ); ?>" id="dda-create-form" aria-labelledby="dda-create-title" novalidate>
				<?php wp_nonce_field( 'dda_create_task' ); ?>
				<input type="hidden" name="dda_create_task" value="1" />
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="dda-operation"><?php esc_html_e( 'Operation', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<select id="dda-operation" name="dda_operation" aria-describedby="dda-operation-description dda-operation-help">
								<?php foreach ( $dda_options as $dda_code => $dda_option ) : ?>
									<option value="<?php echo esc_attr( (string) $dda_code ); ?>" data-description="<?php echo esc_attr( $dda_option['description'] ); ?>" data-schema="<?php echo null === $dda_option['schema'] ? '0' : '1'; ?>" data-online="<?php echo esc_attr( (string) $dda_option['online'] ); ?>"><?php echo esc_html( $dda_option['label'] ); ?></option>
								<?php endforeach; ?>
								<option value="other" data-description="" data-schema="0"><?php esc_html_e( 'Other code…', 'distributed-data-analysis' ); ?></option>
							</select>
							<span class="dda-operation-other" id="dda-operation-other-wrap">
								<label for="dda-operation-other"><?php esc_html_e( 'Code', 'distributed-data-analysis' ); ?></label>
								<input type="number" id="dda-operation-other" name="dda_operation_other" min="1" max="999999" step="1" class="small-text" aria-describedby="dda-operation-error" />
							</span>
							<p class="dda-field-error" id="dda-operation-error" hidden></p>
							<p class="description dda-operation-description" id="dda-operation-description"><?php echo esc_html( false !== $dda_first ? $dda_first['description'] : '' ); ?></p>
							<p class="description" id="dda-operation-help"><?php esc_html_e( 'The list is the API server\'s catalog: the built-in operations and those the runners declare, with how many runners online take each. Another code waits for a runner configured for it.', 'distributed-data-analysis' ); ?></p>
						</td>
					</tr>
					<tr>
						<th scope="row"><?php esc_html_e( 'Parameters', 'distributed-data-analysis' ); ?></th>
						<td>
							<div class="dda-schema-forms" id="dda-schema-forms">
								<?php
								foreach ( $dda_options as $dda_code => $dda_option ) {
									if ( null !== $dda_option['schema'] ) {
										echo DDA_Schema_Form::fields_html( (int) $dda_code, $dda_option['schema'] ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped by DDA_Schema_Form.
									}
								}
								?>
								<p class="description hide-if-js"><?php esc_html_e( 'Fill in the fields of the operation you chose; operations without fields take their parameters as JSON under Advanced.', 'distributed-data-analysis' ); ?></p>
							</div>
							<details class="dda-advanced" id="dda-advanced"<?php echo false === $dda_first || null === $dda_first['schema'] ? ' open' : ''; ?>>
								<summary><?php esc_html_e( 'Advanced: parameters as JSON', 'distributed-data-analysis' ); ?></summary>
								<p class="dda-params-mode" id="dda-params-mode-wrap">
									<label><input type="checkbox" name="dda_params_mode" value="json" id="dda-params-mode" /> <?php esc_html_e( 'Send this JSON instead of the fields above', 'distributed-data-analysis' ); ?></label>
								</p>
								<label for="dda-params"><?php esc_html_e( 'Parameters (JSON)', 'distributed-data-analysis' ); ?></label>
								<textarea id="dda-params" name="dda_params" rows="3" class="large-text code" spellcheck="false" aria-describedby="dda-params-error dda-params-help">{}</textarea>
								<p class="dda-field-error" id="dda-params-error" hidden></p>
								<p class="description" id="dda-params-help"><?php esc_html_e( 'A JSON object, such as {"values": [1, 2, 3, 4]}. Operations with fields check it against the same rules.', 'distributed-data-analysis' ); ?></p>
							</details>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="dda-priority"><?php esc_html_e( 'Priority', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<input type="number" id="dda-priority" name="dda_priority" value="0" min="-100" max="100" step="1" class="small-text" aria-describedby="dda-priority-error dda-priority-help" />
							<p class="dda-field-error" id="dda-priority-error" hidden></p>
							<p class="description" id="dda-priority-help"><?php esc_html_e( 'From -100 to 100; higher runs first.', 'distributed-data-analysis' ); ?></p>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="dda-run-at"><?php esc_html_e( 'Run at', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<input type="datetime-local" id="dda-run-at" name="dda_run_at" step="60" aria-describedby="dda-run-at-error dda-run-at-help" />
							<p class="dda-field-error" id="dda-run-at-error" hidden></p>
							<p class="description" id="dda-run-at-help">
								<?php
								echo esc_html(
									sprintf(
										/* translators: 1: a time zone such as Europe/Berlin, 2: the time there now. */
										__( 'Optional: when the task may start, in the site\'s time zone (%1$s; now %2$s). Empty: as soon as a runner is free.', 'distributed-data-analysis' ),
										DDA_Format::timezone_label(),
										wp_date( 'Y-m-d H:i' )
									)
								);
								?>
							</p>
						</td>
					</tr>
				</table>
				<p class="submit">
					<?php submit_button( __( 'Create task', 'distributed-data-analysis' ), 'primary', 'dda-create-submit', false ); ?>
					<span class="spinner dda-create-spinner" aria-hidden="true"></span>
				</p>
			</form>
		</div>

		<div class="dda-panel dda-create dda-file">
			<h2 id="dda-file-title"><?php esc_html_e( 'Create tasks from a file', 'distributed-data-analysis' ); ?></h2>
			<form method="post" action="<?php echo esc_url( DDA_Admin::tasks_url() ); ?>" enctype="multipart/form-data" id="dda-file-form" aria-labelledby="dda-file-title" novalidate>
				<?php wp_nonce_field( 'dda_create_tasks_file', 'dda_file_nonce' ); ?>
				<input type="hidden" name="dda_create_tasks_file" value="1" />
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="dda-file"><?php esc_html_e( 'File', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<input type="file" id="dda-file" name="dda_file" accept=".csv,.jsonl,.ndjson,.json,.txt,text/csv,application/x-ndjson" aria-describedby="dda-file-error dda-file-help" />
							<div class="dda-field-error dda-file-error" id="dda-file-error" hidden></div>
							<div class="description" id="dda-file-help">
								<p><?php esc_html_e( 'One task per row or line; the file gives each task\'s parameters. UTF-8 text.', 'distributed-data-analysis' ); ?></p>
								<p><?php esc_html_e( 'CSV: the first row names the parameters; each further row is one task. A cell that is a JSON number, true, false or null, or a JSON array or object (such as [1, 2, 3]), is taken as that JSON value; any other cell is text, exactly as written (so are whole numbers beyond ±9,007,199,254,740,991, so that no digit is lost). Put a cell with commas in double quotes: "[1, 2, 3]".', 'distributed-data-analysis' ); ?></p>
								<p><?php esc_html_e( 'JSON Lines (.jsonl): one JSON object per line, such as {"values": [1, 2, 3]}. Empty lines are skipped.', 'distributed-data-analysis' ); ?></p>
								<p>
									<?php
									echo esc_html(
										sprintf(
											/* translators: 1: a number of tasks such as 100,000, 2: a size such as "64 MB". */
											__( 'At most %1$s tasks and %2$s per file. Every line is checked before anything is sent; then the tasks are created in batches of up to 1,000.', 'distributed-data-analysis' ),
											number_format_i18n( (int) $dda_file['max_rows'] ),
											size_format( (int) $dda_file['max_bytes'] )
										)
									);
									?>
								</p>
								<p class="hide-if-js">
									<?php
									echo esc_html(
										sprintf(
											/* translators: %s: a size such as "8 MB". */
											__( 'Without JavaScript the file is uploaded (at most %s on this server) and its tasks are created at once, without a preview.', 'distributed-data-analysis' ),
											size_format( (int) $dda_file['upload_max'] )
										)
									);
									?>
								</p>
							</div>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="dda-file-format"><?php esc_html_e( 'Format', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<select id="dda-file-format" name="dda_file_format">
								<option value="auto"><?php esc_html_e( 'From the file name (.csv, .jsonl)', 'distributed-data-analysis' ); ?></option>
								<option value="csv"><?php esc_html_e( 'CSV', 'distributed-data-analysis' ); ?></option>
								<option value="jsonl"><?php esc_html_e( 'JSON Lines', 'distributed-data-analysis' ); ?></option>
							</select>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="dda-file-operation"><?php esc_html_e( 'Operation', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<select id="dda-file-operation" name="dda_file_operation">
								<?php foreach ( $dda_options as $dda_code => $dda_option ) : ?>
									<option value="<?php echo esc_attr( (string) $dda_code ); ?>"><?php echo esc_html( $dda_option['label'] ); ?></option>
								<?php endforeach; ?>
								<option value="other"><?php esc_html_e( 'Other code…', 'distributed-data-analysis' ); ?></option>
							</select>
							<span class="dda-operation-other" id="dda-file-operation-other-wrap">
								<label for="dda-file-operation-other"><?php esc_html_e( 'Code', 'distributed-data-analysis' ); ?></label>
								<input type="number" id="dda-file-operation-other" name="dda_file_operation_other" min="1" max="999999" step="1" class="small-text" aria-describedby="dda-file-operation-error" />
							</span>
							<p class="dda-field-error" id="dda-file-operation-error" hidden></p>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="dda-file-priority"><?php esc_html_e( 'Priority', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<input type="number" id="dda-file-priority" name="dda_file_priority" value="0" min="-100" max="100" step="1" class="small-text" aria-describedby="dda-file-priority-error dda-file-priority-help" />
							<p class="dda-field-error" id="dda-file-priority-error" hidden></p>
							<p class="description" id="dda-file-priority-help"><?php esc_html_e( 'The same for every task of the file; from -100 to 100.', 'distributed-data-analysis' ); ?></p>
						</td>
					</tr>
				</table>
				<div class="dda-file-preview" id="dda-file-preview" hidden>
					<p id="dda-file-summary"></p>
					<ul class="dda-file-preview__rows" id="dda-file-preview-rows"></ul>
				</div>
				<div class="dda-file-progress" id="dda-file-progress" hidden>
					<progress id="dda-file-progress-bar" max="1" value="0" aria-labelledby="dda-file-progress-text"></progress>
					<p id="dda-file-progress-text" class="dda-file-progress__text"></p>
				</div>
				<div class="notice inline dda-file-failure" id="dda-file-failure" role="alert" hidden>
					<p id="dda-file-failure-text"></p>
					<p><button type="button" class="button" id="dda-file-retry"></button></p>
				</div>
				<p class="submit">
					<?php submit_button( __( 'Create tasks', 'distributed-data-analysis' ), 'primary', 'dda-file-submit', false ); ?>
					<span class="spinner dda-file-spinner" aria-hidden="true"></span>
				</p>
			</form>
		</div>

		<h2 class="screen-reader-text" id="dda-list-title"><?php esc_html_e( 'Task list', 'distributed-data-analysis' ); ?></h2>
		<form method="get" action="<?php echo esc_url( admin_url( 'admin.php' ) ); ?>" id="dda-filter-form" class="dda-filter-form" role="search">
			<input type="hidden" name="page" value="<?php echo esc_attr( DDA_Admin::TASKS_PAGE ); ?>" />
			<?php if ( '' !== $dda_status ) : ?>
				<input type="hidden" name="status" value="<?php echo esc_attr( $dda_status ); ?>" />
			<?php endif; ?>
			<p class="search-box">
				<label class="screen-reader-text" for="dda-search-input"><?php esc_html_e( 'Search tasks by the start of their id', 'distributed-data-analysis' ); ?></label>
				<input type="search" id="dda-search-input" name="s" value="<?php echo esc_attr( '' !== ( $vars['view']['search_invalid'] ?? '' ) ? (string) $vars['view']['search_invalid'] : $dda_view['search'] ); ?>" placeholder="<?php esc_attr_e( 'Task id starts with…', 'distributed-data-analysis' ); ?>" maxlength="36" spellcheck="false" autocomplete="off" />
				<input type="submit" id="search-submit" class="button" value="<?php esc_attr_e( 'Search tasks', 'distributed-data-analysis' ); ?>" />
			</p>
		</form>
		<?php $dda_table->views(); ?>
		<form method="post" action="<?php echo esc_url( DDA_Admin::tasks_url( DDA_Admin::view_args( $dda_view ) ) ); ?>" id="dda-tasks-form">
			<?php wp_nonce_field( 'dda_bulk_tasks', 'dda_bulk_nonce', false ); ?>
			<div id="dda-table" class="dda-table" data-dda-view="tasks">
				<?php $dda_table->display(); ?>
			</div>
		</form>
		<p class="description dda-table-note">
			<?php
			echo esc_html(
				sprintf(
					/* translators: %d: number of tasks. */
					__( '%d tasks per page, newest first (change it under Screen Options). The list updates itself every 10 seconds while this tab is visible.', 'distributed-data-analysis' ),
					(int) ( $vars['per_page'] ?? DDA_Admin::PER_PAGE )
				)
			);
			?>
		</p>

		<dialog id="dda-task-dialog" class="dda-dialog" aria-labelledby="dda-task-dialog-title">
			<div class="dda-dialog__header">
				<h2 id="dda-task-dialog-title" class="dda-dialog__title"><?php esc_html_e( 'Task', 'distributed-data-analysis' ); ?></h2>
				<button type="button" class="dda-dialog__close" id="dda-task-dialog-close">
					<span class="dashicons dashicons-no-alt" aria-hidden="true"></span>
					<span class="screen-reader-text"><?php esc_html_e( 'Close', 'distributed-data-analysis' ); ?></span>
				</button>
			</div>
			<div class="dda-dialog__body" id="dda-task-dialog-body"></div>
		</dialog>
	<?php elseif ( 'runners' === $dda_tab ) : ?>
		<?php
		$dda_confirm = is_array( $vars['confirm_remove'] ?? null ) ? $vars['confirm_remove'] : null;
		if ( null !== $dda_confirm ) :
			$dda_runner = (string) $dda_confirm['runner_id'];
			$dda_name   = (string) ( $dda_confirm['name'] ?? '' );
			?>
			<div class="dda-panel dda-confirm-remove" id="dda-confirm-remove">
				<h2>
					<?php
					/* translators: %s: runner name. */
					echo esc_html( sprintf( __( 'Remove runner “%s”?', 'distributed-data-analysis' ), $dda_name ) );
					?>
				</h2>
				<p><?php echo esc_html( DDA_Admin::remove_runner_question( $dda_name ) ); ?></p>
				<form method="post" action="<?php echo esc_url( DDA_Admin::tasks_url( array( 'tab' => 'runners' ) ) ); ?>">
					<input type="hidden" name="dda_runner_nonce" value="<?php echo esc_attr( wp_create_nonce( 'dda_runner_' . $dda_runner ) ); ?>" />
					<input type="hidden" name="runner" value="<?php echo esc_attr( $dda_runner ); ?>" />
					<input type="hidden" name="dda_confirmed" value="1" />
					<button type="submit" class="button button-primary" name="dda_runner_action" value="remove" id="dda-confirm-remove-submit"><?php esc_html_e( 'Remove the runner', 'distributed-data-analysis' ); ?></button>
					<a class="button" href="<?php echo esc_url( DDA_Admin::tasks_url( array( 'tab' => 'runners' ) ) ); ?>"><?php esc_html_e( 'Keep it', 'distributed-data-analysis' ); ?></a>
				</form>
			</div>
		<?php endif; ?>
		<h2 class="screen-reader-text"><?php esc_html_e( 'Runner list', 'distributed-data-analysis' ); ?></h2>
		<div id="dda-table" class="dda-table" data-dda-view="runners">
			<?php $dda_table->display(); ?>
		</div>
		<p class="description dda-table-note"><?php esc_html_e( 'A runner that has not asked for work for 90 seconds shows as offline. A paused runner gets no new tasks; the tasks it is running finish. A removed runner\'s running tasks go back to pending. The list updates itself every 10 seconds while this tab is visible.', 'distributed-data-analysis' ); ?></p>
	<?php else : ?>
		<h2 class="screen-reader-text"><?php esc_html_e( 'Overview', 'distributed-data-analysis' ); ?></h2>
		<?php
		DDA_Views::render(
			'overview',
			array(
				'stats'   => $vars['stats'] ?? null,
				'compact' => false,
			)
		);
		?>
	<?php endif; ?>
</div>
