<?php
/**
 * The tasks screen: tabs Tasks and Runners, the create form, the table and the result dialog.
 * Variables: $vars['tab'], $vars['status'], $vars['notices'], $vars['details'] (a task or
 * null), $vars['table'] (a prepared list table), $vars['operations'] (code => label),
 * $vars['file'] (limits of the file form: max_rows, max_bytes, upload_max).
 *
 * @package DistributedDataAnalysis
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$dda_tab     = 'runners' === ( $vars['tab'] ?? '' ) ? 'runners' : 'tasks';
$dda_status  = (string) ( $vars['status'] ?? '' );
$dda_table   = $vars['table'];
$dda_details = $vars['details'] ?? null;
$dda_file    = array_merge(
	array(
		'max_rows'   => DDA_Task_File::DEFAULT_MAX_ROWS,
		'max_bytes'  => DDA_Task_File::DEFAULT_MAX_BYTES,
		'upload_max' => 0,
	),
	(array) ( $vars['file'] ?? array() )
);
?>
<div class="wrap dda-wrap" id="dda-page" data-dda-tab="<?php echo esc_attr( $dda_tab ); ?>" data-dda-status="<?php echo esc_attr( $dda_status ); ?>">
	<h1 class="wp-heading-inline"><?php esc_html_e( 'Data Analysis Tasks', 'distributed-data-analysis' ); ?></h1>
	<hr class="wp-header-end" />

	<?php
	foreach ( (array) ( $vars['notices'] ?? array() ) as $dda_notice ) {
		DDA_Views::render( 'notice', $dda_notice );
	}
	?>
	<div id="dda-notices" class="dda-notices"></div>

	<nav class="nav-tab-wrapper wp-clearfix" aria-label="<?php esc_attr_e( 'Tasks and runners', 'distributed-data-analysis' ); ?>">
		<a href="<?php echo esc_url( DDA_Admin::tasks_url() ); ?>" class="nav-tab<?php echo 'tasks' === $dda_tab ? ' nav-tab-active' : ''; ?>"<?php echo 'tasks' === $dda_tab ? ' aria-current="page"' : ''; ?>><?php esc_html_e( 'Tasks', 'distributed-data-analysis' ); ?></a>
		<a href="<?php echo esc_url( DDA_Admin::tasks_url( array( 'tab' => 'runners' ) ) ); ?>" class="nav-tab<?php echo 'runners' === $dda_tab ? ' nav-tab-active' : ''; ?>"<?php echo 'runners' === $dda_tab ? ' aria-current="page"' : ''; ?>><?php esc_html_e( 'Runners', 'distributed-data-analysis' ); ?></a>
	</nav>

	<?php if ( is_array( $dda_details ) ) : ?>
		<div class="dda-panel dda-details-panel">
			<h2>
				<?php
				/* translators: %s: short task id. */
				echo esc_html( sprintf( __( 'Task %s', 'distributed-data-analysis' ), DDA_Format::short_id( $dda_details['task_id'] ?? '' ) ) );
				?>
			</h2>
			<?php DDA_Views::render( 'task-details', array( 'task' => $dda_details ) ); ?>
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
							<select id="dda-operation" name="dda_operation" aria-describedby="dda-operation-help">
								<?php foreach ( (array) $vars['operations'] as $dda_code => $dda_label ) : ?>
									<option value="<?php echo esc_attr( (string) $dda_code ); ?>"><?php echo esc_html( DDA_Format::operation_label( $dda_code ) ); ?></option>
								<?php endforeach; ?>
								<option value="other"><?php esc_html_e( 'Other code…', 'distributed-data-analysis' ); ?></option>
							</select>
							<span class="dda-operation-other" id="dda-operation-other-wrap">
								<label for="dda-operation-other"><?php esc_html_e( 'Code', 'distributed-data-analysis' ); ?></label>
								<input type="number" id="dda-operation-other" name="dda_operation_other" min="1" max="999999" step="1" class="small-text" aria-describedby="dda-operation-error" />
							</span>
							<p class="dda-field-error" id="dda-operation-error" hidden></p>
							<p class="description" id="dda-operation-help"><?php esc_html_e( 'Every runner does 100, 200 and 300. Another code waits for a runner configured for it.', 'distributed-data-analysis' ); ?></p>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="dda-params"><?php esc_html_e( 'Parameters (JSON)', 'distributed-data-analysis' ); ?></label></th>
						<td>
							<textarea id="dda-params" name="dda_params" rows="3" class="large-text code" spellcheck="false" aria-describedby="dda-params-error dda-params-help">{}</textarea>
							<p class="dda-field-error" id="dda-params-error" hidden></p>
							<p class="description" id="dda-params-help"><?php esc_html_e( 'A JSON object. Statistics (300) reads an array of numbers: {"values": [1, 2, 3, 4]}.', 'distributed-data-analysis' ); ?></p>
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
								<?php foreach ( (array) $vars['operations'] as $dda_code => $dda_label ) : ?>
									<option value="<?php echo esc_attr( (string) $dda_code ); ?>"><?php echo esc_html( DDA_Format::operation_label( $dda_code ) ); ?></option>
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
		<?php $dda_table->views(); ?>
		<div id="dda-table" class="dda-table" data-dda-view="tasks">
			<?php $dda_table->display(); ?>
		</div>
		<p class="description dda-table-note">
			<?php
			/* translators: %d: number of tasks. */
			echo esc_html( sprintf( __( 'The newest %d tasks. The list updates itself every 10 seconds while this tab is visible.', 'distributed-data-analysis' ), DDA_Admin::PER_PAGE ) );
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
	<?php else : ?>
		<h2 class="screen-reader-text"><?php esc_html_e( 'Runner list', 'distributed-data-analysis' ); ?></h2>
		<div id="dda-table" class="dda-table" data-dda-view="runners">
			<?php $dda_table->display(); ?>
		</div>
		<p class="description dda-table-note"><?php esc_html_e( 'A runner that has not asked for work for 90 seconds shows as offline. The list updates itself every 10 seconds while this tab is visible.', 'distributed-data-analysis' ); ?></p>
	<?php endif; ?>
</div>
