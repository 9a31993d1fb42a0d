/**
 * Distributed Data Analysis — admin screens.
 *
 * Talks only to the plugin's own REST routes (/wp-json/dda/v1/…) with the REST nonce; the
 * API server and its key are never seen by the browser. Markup of rows and task details is
 * rendered (and escaped) by PHP; this file swaps it in and handles the interactions.
 */
( function () {
	'use strict';

	var config = window.ddaAdminConfig || {};
	var l10n = window.ddaAdminL10n || {};

	function t( key ) {
		return Object.prototype.hasOwnProperty.call( l10n, key ) ? l10n[ key ] : key;
	}

	function speak( message, politeness ) {
		if ( window.wp && window.wp.a11y && typeof window.wp.a11y.speak === 'function' ) {
			window.wp.a11y.speak( message, politeness || 'polite' );
		}
	}

	function pad( n ) {
		return ( n < 10 ? '0' : '' ) + n;
	}

	function clockTime( date ) {
		return pad( date.getHours() ) + ':' + pad( date.getMinutes() ) + ':' + pad( date.getSeconds() );
	}

	function shortId( id ) {
		return String( id || '' ).slice( 0, 8 );
	}

	/* ------------------------------------------------------------------ REST */

	/**
	 * Calls a route of the plugin. Resolves with {ok, status, data}; never rejects.
	 */
	function api( method, path, body ) {
		var headers = {
			Accept: 'application/json',
			'X-WP-Nonce': config.nonce || ''
		};
		var init = {
			method: method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: headers
		};
		if ( body !== undefined ) {
			headers[ 'Content-Type' ] = 'application/json';
			// A string is JSON text already (the file upload builds its bodies itself).
			init.body = typeof body === 'string' ? body : JSON.stringify( body );
		}
		var root = config.restUrl || '';
		// With plain permalinks the root is ".../?rest_route=/dda/v1/": the query continues with "&".
		var url = root.indexOf( '?' ) === -1 ? root + path : root + path.replace( '?', '&' );
		return window.fetch( url, init ).then(
			function ( response ) {
				return response.text().then( function ( text ) {
					var data = null;
					try {
						data = text ? JSON.parse( text ) : null;
					} catch ( e ) {
						data = null;
					}
					return { ok: response.ok, status: response.status, data: data };
				} );
			},
			function () {
				return { ok: false, status: 0, data: null, network: true };
			}
		);
	}

	/**
	 * A plain-words message for a failed call.
	 */
	function errorMessage( result ) {
		var data = result.data || {};
		if ( result.network ) {
			return t( 'networkError' );
		}
		if ( data.code === 'rest_cookie_invalid_nonce' || ( ( result.status === 401 || result.status === 403 ) && data.code === 'rest_forbidden' ) ) {
			return t( 'sessionExpired' );
		}
		var message = typeof data.message === 'string' && data.message ? data.message : t( 'genericError' ) + ' (HTTP ' + result.status + ')';
		if ( data.code === 'rest_invalid_param' && data.data && data.data.params ) {
			var details = [];
			Object.keys( data.data.params ).forEach( function ( key ) {
				details.push( data.data.params[ key ] );
			} );
			message += ' ' + details.join( ' ' );
		}
		return message;
	}

	/* --------------------------------------------------------------- notices */

	var noticeArea = document.getElementById( 'dda-notices' );

	/**
	 * Shows an admin notice. A `key` replaces an earlier notice with the same key.
	 */
	function showNotice( type, message, options ) {
		options = options || {};
		if ( ! noticeArea ) {
			return null;
		}
		if ( options.key ) {
			clearNotice( options.key );
		}
		var notice = document.createElement( 'div' );
		notice.className = 'notice notice-' + type + ' is-dismissible dda-notice';
		if ( options.key ) {
			notice.setAttribute( 'data-dda-key', options.key );
		}
		if ( options.taskId ) {
			notice.setAttribute( 'data-task-id', options.taskId );
		}
		var p = document.createElement( 'p' );
		p.textContent = message;
		notice.appendChild( p );
		var dismiss = document.createElement( 'button' );
		dismiss.type = 'button';
		dismiss.className = 'notice-dismiss';
		var label = document.createElement( 'span' );
		label.className = 'screen-reader-text';
		label.textContent = t( 'dismiss' );
		dismiss.appendChild( label );
		dismiss.addEventListener( 'click', function () {
			notice.parentNode.removeChild( notice );
		} );
		notice.appendChild( dismiss );
		noticeArea.insertBefore( notice, noticeArea.firstChild );
		// The latest result of an action is what matters; keep a few at most.
		while ( noticeArea.children.length > 3 ) {
			noticeArea.removeChild( noticeArea.lastChild );
		}
		speak( message, type === 'error' ? 'assertive' : 'polite' );
		return notice;
	}

	function clearNotice( key ) {
		if ( ! noticeArea ) {
			return;
		}
		var old = noticeArea.querySelectorAll( '[data-dda-key="' + key + '"]' );
		Array.prototype.forEach.call( old, function ( node ) {
			node.parentNode.removeChild( node );
		} );
	}

	/* ------------------------------------------------------- settings screen */

	function initSettings() {
		var button = document.getElementById( 'dda-test-connection' );
		var result = document.getElementById( 'dda-connection-result' );
		var spinner = document.querySelector( '.dda-test-spinner' );
		if ( ! button || ! result ) {
			return;
		}
		button.addEventListener( 'click', function () {
			button.disabled = true;
			if ( spinner ) {
				spinner.classList.add( 'is-active' );
			}
			result.textContent = '';
			var waiting = document.createElement( 'p' );
			waiting.textContent = t( 'testing' );
			result.appendChild( waiting );
			api( 'POST', 'connection-test', {} ).then( function ( res ) {
				var ok = res.ok && res.data && res.data.ok;
				var notice = document.createElement( 'div' );
				notice.className = 'notice inline ' + ( ok ? 'notice-success' : 'notice-error' );
				notice.setAttribute( 'data-dda-result', ok ? 'success' : 'error' );
				var p = document.createElement( 'p' );
				var when = ok ? res.data.tested_at : ( res.data && res.data.data && res.data.data.tested_at );
				if ( when ) {
					var strong = document.createElement( 'strong' );
					strong.textContent = fill( t( 'lastTest' ), when );
					p.appendChild( strong );
					p.appendChild( document.createTextNode( ' ' ) );
				}
				p.appendChild( document.createTextNode( ok ? res.data.message : errorMessage( res ) ) );
				notice.appendChild( p );
				result.textContent = '';
				result.appendChild( notice );
				button.disabled = false;
				if ( spinner ) {
					spinner.classList.remove( 'is-active' );
				}
			} );
		} );
	}

	/* ---------------------------------------------------------- tasks screen */

	var page = document.getElementById( 'dda-page' );
	var tableWrap = document.getElementById( 'dda-table' );
	var updatedLabel = null;
	var refreshSpinner = null;
	var timer = null;
	var inFlight = null;

	function viewName() {
		return tableWrap ? tableWrap.getAttribute( 'data-dda-view' ) : '';
	}

	function setUpdated( text ) {
		updatedLabel = document.getElementById( 'dda-updated' );
		if ( updatedLabel ) {
			updatedLabel.textContent = text;
		}
	}

	/**
	 * Swaps the table's rows, keeping keyboard focus on the same control of the same row
	 * and the bulk-action checkboxes that were checked.
	 */
	function replaceRows( html ) {
		var body = tableWrap.querySelector( 'tbody' );
		if ( ! body ) {
			return;
		}
		var checked = {};
		Array.prototype.forEach.call( body.querySelectorAll( 'input[type="checkbox"][name="task[]"]:checked' ), function ( box ) {
			checked[ box.value ] = true;
		} );
		var focused = document.activeElement;
		var restore = null;
		if ( focused && body.contains( focused ) ) {
			var row = focused.closest( 'tr' );
			restore = {
				id: row ? row.getAttribute( 'data-task-id' ) || row.getAttribute( 'data-runner-id' ) : null,
				action: focused.getAttribute( 'data-dda-action' ),
				view: focused.classList.contains( 'dda-view-result' ),
				inActions: !! focused.closest( '.row-actions' )
			};
		}
		body.innerHTML = html;
		Array.prototype.forEach.call( body.querySelectorAll( 'input[type="checkbox"][name="task[]"]' ), function ( box ) {
			box.checked = !! checked[ box.value ];
		} );
		if ( restore && restore.id ) {
			var target = findControl( restore.id, restore );
			if ( target ) {
				target.focus();
			}
		}
	}

	function findControl( id, how ) {
		var rows = tableWrap.querySelectorAll( 'tbody tr' );
		var row = null;
		Array.prototype.forEach.call( rows, function ( r ) {
			if ( r.getAttribute( 'data-task-id' ) === id || r.getAttribute( 'data-runner-id' ) === id ) {
				row = r;
			}
		} );
		if ( ! row ) {
			return null;
		}
		if ( how.action ) {
			return row.querySelector( '[data-dda-action="' + how.action + '"]' ) || row.querySelector( '.dda-view-result' );
		}
		if ( how.view ) {
			return row.querySelector( how.inActions ? '.row-actions .dda-view-result' : '.row-title' ) || row.querySelector( '.dda-view-result' );
		}
		return row.querySelector( 'a, button' );
	}

	/** Replaces the paging links (their cursors move when new tasks arrive). */
	function replacePagination( html ) {
		Array.prototype.forEach.call( tableWrap.querySelectorAll( '.dda-pagination' ), function ( old ) {
			var holder = document.createElement( 'div' );
			holder.innerHTML = html;
			if ( holder.firstElementChild ) {
				old.parentNode.replaceChild( holder.firstElementChild, old );
			}
		} );
	}

	/** The table says why it shows nothing, instead of rows that may be stale. */
	function showTableProblem( message ) {
		var body = tableWrap.querySelector( 'tbody' );
		var head = tableWrap.querySelectorAll( 'thead th, thead td' ).length || 1;
		if ( ! body ) {
			return;
		}
		body.textContent = '';
		var row = document.createElement( 'tr' );
		row.className = 'no-items dda-table-problem';
		var cell = document.createElement( 'td' );
		cell.className = 'colspanchange';
		cell.colSpan = head;
		cell.textContent = message;
		row.appendChild( cell );
		body.appendChild( row );
	}

	function schedule() {
		window.clearTimeout( timer );
		timer = null;
		if ( document.hidden ) {
			return; // Resumes on visibilitychange.
		}
		timer = window.setTimeout( refresh, ( config.refreshSeconds || 10 ) * 1000 );
	}

	/**
	 * Fetches the rows again. One request at a time: a call while one is running returns
	 * the running one; the next refresh is scheduled only when this one has finished.
	 */
	function refresh() {
		if ( inFlight ) {
			return inFlight;
		}
		window.clearTimeout( timer );
		timer = null;
		var path;
		if ( viewName() === 'runners' ) {
			path = 'runners';
		} else {
			// The same view as the page: filters, search and the page's cursor.
			path = 'tasks?limit=' + encodeURIComponent( page.getAttribute( 'data-dda-per-page' ) || config.perPage || 50 );
			[ [ 'status', 'data-dda-status' ], [ 'operation_code', 'data-dda-operation' ], [ 'id_prefix', 'data-dda-search' ],
				[ 'before', 'data-dda-before' ], [ 'newer', 'data-dda-newer' ] ].forEach( function ( pair ) {
				var value = page.getAttribute( pair[ 1 ] );
				if ( value && value !== '0' ) {
					path += '&' + pair[ 0 ] + '=' + encodeURIComponent( value );
				}
			} );
		}
		refreshSpinner = document.querySelector( '.dda-spinner' );
		if ( refreshSpinner ) {
			refreshSpinner.classList.add( 'is-active' );
		}
		page.setAttribute( 'aria-busy', 'true' );
		inFlight = api( 'GET', path ).then( function ( res ) {
			if ( res.ok && res.data && typeof res.data.rows === 'string' ) {
				replaceRows( res.data.rows );
				if ( typeof res.data.pagination === 'string' ) {
					replacePagination( res.data.pagination );
				}
				clearNotice( 'refresh' );
				setUpdated( t( 'updated' ).replace( '%s', clockTime( new Date() ) ) );
			} else {
				showNotice( 'error', errorMessage( res ), { key: 'refresh' } );
				showTableProblem( viewName() === 'runners' ? t( 'runnersUnavailable' ) : t( 'listUnavailable' ) );
				setUpdated( t( 'updateFailed' ).replace( '%s', clockTime( new Date() ) ) );
			}
		} ).then( function () {
			inFlight = null;
			page.removeAttribute( 'aria-busy' );
			refreshSpinner = document.querySelector( '.dda-spinner' );
			if ( refreshSpinner ) {
				refreshSpinner.classList.remove( 'is-active' );
			}
			schedule();
		} );
		return inFlight;
	}

	function initRefresh() {
		if ( ! page || ! tableWrap ) {
			return;
		}
		if ( page.getAttribute( 'data-dda-refresh' ) === '0' ) {
			// Nothing to ask: the plugin is not connected (the page says so once), or the
			// search cannot match a task id (a refresh would list every task).
			return;
		}
		setUpdated( t( 'updated' ).replace( '%s', clockTime( new Date() ) ) );
		document.addEventListener( 'visibilitychange', function () {
			if ( document.hidden ) {
				window.clearTimeout( timer );
				timer = null;
			} else {
				refresh();
			}
		} );
		page.addEventListener( 'click', function ( event ) {
			if ( event.target.closest( '#dda-refresh-now' ) ) {
				refresh();
			}
		} );
		schedule();
	}

	/* ----------------------------------------------------------- row actions */

	function initRowActions() {
		if ( ! tableWrap ) {
			return;
		}
		tableWrap.addEventListener( 'click', function ( event ) {
			var view = event.target.closest( '.dda-view-result' );
			if ( view ) {
				event.preventDefault();
				openDialog( view.getAttribute( 'data-task-id' ), view );
				return;
			}
			var action = event.target.closest( '.dda-task-action' );
			if ( action ) {
				event.preventDefault();
				runAction( action );
			}
		} );
	}

	function runAction( link ) {
		var id = link.getAttribute( 'data-task-id' );
		var kind = link.getAttribute( 'data-dda-action' );
		if ( link.getAttribute( 'aria-disabled' ) === 'true' ) {
			return;
		}
		link.setAttribute( 'aria-disabled', 'true' );
		var call = kind === 'cancel' ? api( 'DELETE', 'tasks/' + id ) : api( 'POST', 'tasks/' + id + '/retry', {} );
		call.then( function ( res ) {
			link.removeAttribute( 'aria-disabled' );
			if ( res.ok ) {
				showNotice( 'success', res.data.message, { taskId: id, key: 'result' } );
			} else {
				showNotice( 'error', errorMessage( res ), { key: 'result' } );
			}
			// The row's status (and so its actions) changed: fetch it now.
			return waitThenRefresh();
		} );
	}

	/** Refreshes now, or right after the refresh that is running. */
	function waitThenRefresh() {
		if ( inFlight ) {
			return inFlight.then( refresh );
		}
		return refresh();
	}

	/* ---------------------------------------------------------- result modal */

	var dialog = document.getElementById( 'dda-task-dialog' );
	var dialogBody = document.getElementById( 'dda-task-dialog-body' );
	var dialogTitle = document.getElementById( 'dda-task-dialog-title' );
	var dialogClose = document.getElementById( 'dda-task-dialog-close' );
	var opener = null;
	var dialogRequest = 0;

	function openDialog( id, from ) {
		if ( ! dialog || typeof dialog.showModal !== 'function' ) {
			window.location.href = from.href; // Without <dialog>: the page shows the details.
			return;
		}
		opener = {
			id: id,
			element: from,
			how: { view: true, inActions: !! from.closest( '.row-actions' ) }
		};
		var request = ++dialogRequest;
		dialogTitle.textContent = t( 'taskTitle' ).replace( '%s', shortId( id ) );
		dialog.setAttribute( 'data-task-id', id );
		dialog.setAttribute( 'aria-busy', 'true' );
		dialogBody.textContent = '';
		var loading = document.createElement( 'p' );
		loading.className = 'dda-dialog__loading';
		loading.textContent = t( 'loading' );
		dialogBody.appendChild( loading );
		if ( ! dialog.open ) {
			dialog.showModal();
		}
		dialogClose.focus();

		api( 'GET', 'tasks/' + id ).then( function ( res ) {
			if ( request !== dialogRequest || ! dialog.open ) {
				return; // Closed or reopened for another task meanwhile.
			}
			dialog.removeAttribute( 'aria-busy' );
			dialogBody.textContent = '';
			if ( res.ok && res.data && typeof res.data.html === 'string' ) {
				dialogBody.innerHTML = res.data.html;
				speak( t( 'dialogOpened' ) );
			} else {
				var notice = document.createElement( 'div' );
				notice.className = 'notice notice-error inline';
				var p = document.createElement( 'p' );
				p.textContent = errorMessage( res );
				notice.appendChild( p );
				dialogBody.appendChild( notice );
				speak( p.textContent, 'assertive' );
			}
		} );
	}

	function initDialog() {
		if ( ! dialog ) {
			return;
		}
		dialogClose.addEventListener( 'click', function () {
			dialog.close();
		} );
		// A click on the backdrop (outside the dialog's box) closes it too.
		dialog.addEventListener( 'click', function ( event ) {
			if ( event.target !== dialog ) {
				return;
			}
			var box = dialog.getBoundingClientRect();
			var inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
			if ( ! inside ) {
				dialog.close();
			}
		} );
		// Esc closes a modal <dialog> natively ("cancel", then "close").
		dialog.addEventListener( 'close', function () {
			dialogRequest++;
			dialog.removeAttribute( 'data-task-id' );
			if ( ! opener ) {
				return;
			}
			// The row may have been re-rendered while the dialog was open.
			var target = document.body.contains( opener.element ) ? opener.element : findControl( opener.id, opener.how );
			opener = null;
			if ( target ) {
				target.focus();
			}
		} );
	}

	/* ------------------------------------------------------------ create form */

	function setFieldError( field, errorId, message ) {
		var error = document.getElementById( errorId );
		if ( message ) {
			field.setAttribute( 'aria-invalid', 'true' );
			if ( error ) {
				error.textContent = message;
				error.hidden = false;
			}
		} else {
			field.removeAttribute( 'aria-invalid' );
			if ( error ) {
				error.textContent = '';
				error.hidden = true;
			}
		}
		return ! message;
	}

	/** The params text must be a JSON object; empty means {}. Returns an error message or ''. */
	function paramsError( text ) {
		if ( text.trim() === '' ) {
			return '';
		}
		var value;
		try {
			value = JSON.parse( text );
		} catch ( e ) {
			return t( 'jsonInvalid' ) + ' ' + e.message;
		}
		if ( value === null || typeof value !== 'object' || Array.isArray( value ) ) {
			return t( 'jsonNotObject' );
		}
		return '';
	}

	function isWholeNumber( text, min, max ) {
		if ( ! /^-?\d+$/.test( String( text ).trim() ) ) {
			return false;
		}
		var n = parseInt( text, 10 );
		return n >= min && n <= max;
	}

	/**
	 * Shows the "Code" field only while "Other code…" is selected (without JavaScript it is
	 * always there).
	 */
	function bindOtherCode( select, otherWrap, other, errorId ) {
		function sync( focus ) {
			var isOther = select.value === 'other';
			otherWrap.hidden = ! isOther;
			other.disabled = ! isOther;
			if ( ! isOther ) {
				setFieldError( other, errorId, '' );
			} else if ( focus ) {
				other.focus();
			}
		}
		select.addEventListener( 'change', function () {
			sync( true );
		} );
		sync( false );
	}

	/* ------------------------------------------------- fields from a schema */

	// The same rules as includes/class-dda-schema-form.php (the server checks again).

	var NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

	function valueText( value ) {
		return typeof value === 'boolean' ? ( value ? 'true' : 'false' ) : String( value );
	}

	/** What is wrong with one value (text) of a number or integer; '' when nothing. */
	function numberProblem( text, type, property ) {
		if ( type === 'integer' ? ! /^-?\d{1,15}$/.test( text ) : ! NUMBER_TEXT.test( text ) ) {
			return t( type === 'integer' ? 'fieldInteger' : 'fieldNumber' );
		}
		var n = parseFloat( text );
		if ( typeof property.minimum === 'number' && n < property.minimum ) {
			return fill( t( 'fieldMin' ), valueText( property.minimum ) );
		}
		if ( typeof property.maximum === 'number' && n > property.maximum ) {
			return fill( t( 'fieldMax' ), valueText( property.maximum ) );
		}
		return '';
	}

	/** What is wrong with a field's input; '' when nothing. */
	function schemaFieldProblem( input, property, required ) {
		var type = property.type;
		if ( type === 'boolean' ) {
			return '';
		}
		var text = type === 'string' ? input.value : input.value.trim();
		if ( type === 'array' ) {
			var lines = input.value.split( /\r\n|\r|\n/ ).map( function ( line ) {
				return line.trim();
			} ).filter( function ( line ) {
				return line !== '';
			} );
			if ( ! lines.length ) {
				return required ? t( 'fieldRequired' ) : '';
			}
			var item = property.items && property.items.type ? property.items.type : '';
			for ( var i = 0; i < lines.length; i++ ) {
				var problem = item === 'number' || item === 'integer' ? numberProblem( lines[ i ], item, {} ) : '';
				if ( problem ) {
					return fill( t( 'fieldLine' ), i + 1, problem );
				}
			}
			return '';
		}
		if ( text === '' ) {
			return required ? t( 'fieldRequired' ) : '';
		}
		if ( Array.isArray( property.enum ) ) {
			return property.enum.map( valueText ).indexOf( text ) === -1 ? t( 'fieldEnum' ) : '';
		}
		if ( type === 'number' || type === 'integer' ) {
			return numberProblem( text, type, property );
		}
		return '';
	}

	/** The visible fieldset of a schema's fields, {fieldset, schema}, or null. */
	function schemaFieldset( code ) {
		var found = null;
		Array.prototype.forEach.call( document.querySelectorAll( '#dda-schema-forms .dda-schema-fields' ), function ( fieldset ) {
			if ( fieldset.getAttribute( 'data-code' ) === String( code ) ) {
				var schema = null;
				try {
					schema = JSON.parse( fieldset.getAttribute( 'data-schema' ) || 'null' );
				} catch ( e ) {
					schema = null;
				}
				if ( schema && schema.properties ) {
					found = { fieldset: fieldset, schema: schema };
				}
			}
		} );
		return found;
	}

	/** Checks every field of a fieldset; marks the bad ones; returns the first bad input. */
	function checkSchemaFields( form ) {
		var required = Array.isArray( form.schema.required ) ? form.schema.required : [];
		var firstBad = null;
		Array.prototype.forEach.call( form.fieldset.querySelectorAll( '[data-name]' ), function ( input ) {
			var name = input.getAttribute( 'data-name' );
			var property = form.schema.properties[ name ] || {};
			var problem = schemaFieldProblem( input, property, required.indexOf( name ) !== -1 );
			if ( ! setFieldError( input, input.id + '-error', problem ) ) {
				firstBad = firstBad || input;
			}
		} );
		return firstBad;
	}

	/** name => value of a fieldset's fields, as the form posts them. */
	function schemaFieldValues( form ) {
		var values = {};
		Array.prototype.forEach.call( form.fieldset.querySelectorAll( '[data-name]' ), function ( input ) {
			values[ input.getAttribute( 'data-name' ) ] = input.type === 'checkbox' ? input.checked : input.value;
		} );
		return values;
	}

	/* ------------------------------------------------------------ create form */

	function initCreateForm() {
		var form = document.getElementById( 'dda-create-form' );
		if ( ! form ) {
			return;
		}
		var select = document.getElementById( 'dda-operation' );
		var otherWrap = document.getElementById( 'dda-operation-other-wrap' );
		var other = document.getElementById( 'dda-operation-other' );
		var params = document.getElementById( 'dda-params' );
		var priority = document.getElementById( 'dda-priority' );
		var runAt = document.getElementById( 'dda-run-at' );
		var submit = document.getElementById( 'dda-create-submit' );
		var spinner = form.querySelector( '.dda-create-spinner' );
		var advanced = document.getElementById( 'dda-advanced' );
		var mode = document.getElementById( 'dda-params-mode' );
		var modeWrap = document.getElementById( 'dda-params-mode-wrap' );
		var description = document.getElementById( 'dda-operation-description' );
		var schemaForm = null;

		bindOtherCode( select, otherWrap, other, 'dda-operation-error' );

		/** Shows the chosen operation's fields (or the JSON box when it has none). */
		function syncOperation() {
			var option = select.options[ select.selectedIndex ];
			schemaForm = select.value === 'other' ? null : schemaFieldset( select.value );
			Array.prototype.forEach.call( document.querySelectorAll( '#dda-schema-forms .dda-schema-fields' ), function ( fieldset ) {
				fieldset.hidden = ! schemaForm || fieldset !== schemaForm.fieldset;
			} );
			if ( description ) {
				description.textContent = option ? option.getAttribute( 'data-description' ) || '' : '';
			}
			if ( modeWrap ) {
				modeWrap.hidden = ! schemaForm;
			}
			if ( advanced ) {
				advanced.open = ! schemaForm || ( mode && mode.checked );
			}
		}
		select.addEventListener( 'change', syncOperation );
		syncOperation();

		function useJson() {
			return ! schemaForm || ( mode && mode.checked );
		}

		// Checked on submit (a check on blur would move the button away under the pointer);
		// once marked invalid, the mark goes away as soon as the text is fixed.
		params.addEventListener( 'input', function () {
			if ( schemaForm && mode && ! mode.checked ) {
				mode.checked = true; // Typing JSON for an operation with fields: send the JSON.
			}
			if ( params.getAttribute( 'aria-invalid' ) === 'true' ) {
				setFieldError( params, 'dda-params-error', paramsError( params.value ) );
			}
		} );
		form.addEventListener( 'input', function ( event ) {
			var input = event.target;
			if ( schemaForm && input.hasAttribute( 'data-name' ) && input.getAttribute( 'aria-invalid' ) === 'true' ) {
				checkSchemaFields( schemaForm );
			}
		} );

		function runAtProblem() {
			var value = runAt ? runAt.value : '';
			if ( ! value ) {
				return runAt && runAt.validity && runAt.validity.badInput ? t( 'runAtInvalid' ) : '';
			}
			if ( ! /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test( value ) ) {
				return t( 'runAtInvalid' );
			}
			// The site's clock at page load (datetime-local has no time zone: the value is site time).
			return config.siteNow && value.slice( 0, 16 ) < config.siteNow ? t( 'runAtPast' ) : '';
		}

		form.addEventListener( 'submit', function ( event ) {
			event.preventDefault();
			var code = select.value === 'other' ? other.value : select.value;
			var firstBad = null;
			if ( ! setFieldError( other, 'dda-operation-error', isWholeNumber( code, 1, 999999 ) ? '' : t( 'codeInvalid' ) ) ) {
				firstBad = select.value === 'other' ? other : select;
			}
			if ( useJson() ) {
				if ( ! setFieldError( params, 'dda-params-error', paramsError( params.value ) ) ) {
					firstBad = firstBad || params;
				}
			} else {
				setFieldError( params, 'dda-params-error', '' );
				firstBad = firstBad || checkSchemaFields( schemaForm );
			}
			if ( ! setFieldError( priority, 'dda-priority-error', isWholeNumber( priority.value || '0', -100, 100 ) ? '' : t( 'priorityInvalid' ) ) ) {
				firstBad = firstBad || priority;
			}
			if ( runAt && ! setFieldError( runAt, 'dda-run-at-error', runAtProblem() ) ) {
				firstBad = firstBad || runAt;
			}
			if ( firstBad ) {
				firstBad.focus();
				return;
			}
			submit.disabled = true;
			if ( spinner ) {
				spinner.classList.add( 'is-active' );
			}
			var body = {
				operation_code: parseInt( code, 10 ),
				params: params.value.trim() === '' ? '{}' : params.value,
				priority: parseInt( priority.value || '0', 10 ),
				mode: useJson() ? 'json' : 'fields',
				run_at: runAt ? runAt.value : ''
			};
			if ( ! useJson() ) {
				body.fields = schemaFieldValues( schemaForm );
			}
			api( 'POST', 'tasks', body ).then( function ( res ) {
				submit.disabled = false;
				if ( spinner ) {
					spinner.classList.remove( 'is-active' );
				}
				if ( res.ok && res.data ) {
					showNotice( 'success', res.data.message, { taskId: res.data.task_id, key: 'result' } );
					waitThenRefresh();
				} else {
					showNotice( 'error', errorMessage( res ), { key: 'result' } );
				}
			} );
		} );
	}

	/* --------------------------------------------------------- runner actions */

	/** Remove asks first; confirmed, the form says so (else the page asks on its own). */
	function initRunnerActions() {
		if ( ! tableWrap || viewName() !== 'runners' ) {
			return;
		}
		tableWrap.addEventListener( 'click', function ( event ) {
			var button = event.target.closest( '.dda-runner-action[data-dda-action="remove"]' );
			if ( ! button ) {
				return;
			}
			if ( ! window.confirm( button.getAttribute( 'data-dda-confirm' ) || '' ) ) {
				event.preventDefault();
				return;
			}
			var form = button.form;
			if ( form && ! form.querySelector( 'input[name="dda_confirmed"]' ) ) {
				var confirmed = document.createElement( 'input' );
				confirmed.type = 'hidden';
				confirmed.name = 'dda_confirmed';
				confirmed.value = '1';
				form.appendChild( confirmed );
			}
		} );
	}

	/* ---------------------------------------------------- tasks from a file */

	// The same rules as includes/class-dda-task-file.php, so that the preview shows what
	// PHP would make of the file. The parameters of each task are kept as JSON text: numbers
	// are sent as they are written (JSON.parse would round whole numbers beyond 2^53).

	var fileConfig = config.file || {};
	var MAX_SAFE_INTEGER = 9007199254740991;
	var JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
	var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

	function fileLimit( name, fallback ) {
		return typeof fileConfig[ name ] === 'number' ? fileConfig[ name ] : fallback;
	}

	/** Replaces %s (in turn) or %1$s, %2$s … in a translated string. */
	function fill( text ) {
		var args = Array.prototype.slice.call( arguments, 1 );
		var next = 0;
		return String( text ).replace( /%(?:(\d+)\$)?[sd]/g, function ( match, position ) {
			var value = position ? args[ position - 1 ] : args[ next++ ];
			return value === undefined ? match : String( value );
		} );
	}

	function formatNumber( n ) {
		return Number( n ).toLocaleString( document.documentElement.lang || undefined );
	}

	/** JSON's whitespace only (String.prototype.trim also takes other spaces). */
	function trimJson( text ) {
		return text.replace( /^[ \t\n\r]+|[ \t\n\r]+$/g, '' );
	}

	/** PHP's trim(): what the header's column names are trimmed of. */
	function trimPhp( text ) {
		return text.replace( /^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, '' );
	}

	function utf8Length( text ) {
		var bytes = 0;
		for ( var i = 0; i < text.length; i++ ) {
			var c = text.charCodeAt( i );
			if ( c < 0x80 ) {
				bytes += 1;
			} else if ( c < 0x800 ) {
				bytes += 2;
			} else if ( c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ) {
				bytes += 4;
				i++;
			} else {
				bytes += 3;
			}
		}
		return bytes;
	}

	/**
	 * '' when a parsed JSON value nests at most maxDepth arrays and objects and has no lone
	 * UTF-16 surrogate (which PHP and the API refuse); else 'depth' or 'surrogate'.
	 */
	function jsonProblem( value, maxDepth ) {
		var stack = [ [ value, 1 ] ];
		while ( stack.length ) {
			var item = stack.pop();
			var current = item[ 0 ];
			if ( typeof current === 'string' ) {
				if ( LONE_SURROGATE.test( current ) ) {
					return 'surrogate';
				}
				continue;
			}
			if ( current === null || typeof current !== 'object' ) {
				continue;
			}
			if ( item[ 1 ] > maxDepth ) {
				return 'depth';
			}
			var keys = Object.keys( current );
			for ( var i = 0; i < keys.length; i++ ) {
				if ( ! Array.isArray( current ) && LONE_SURROGATE.test( keys[ i ] ) ) {
					return 'surrogate';
				}
				stack.push( [ current[ keys[ i ] ], item[ 1 ] + 1 ] );
			}
		}
		return '';
	}

	/**
	 * The JSON text of a CSV cell: a JSON number, true, false or null, or a JSON array or
	 * object, is that value; anything else is the cell as a string. Whole numbers beyond
	 * ±(2^53 − 1) and numbers too large for a double stay strings.
	 */
	function cellJson( cell ) {
		var text = trimJson( cell );
		if ( text === 'true' || text === 'false' || text === 'null' ) {
			return text;
		}
		if ( JSON_NUMBER.test( text ) ) {
			var number = Number( text );
			if ( ! isFinite( number ) || ( ! /[.eE]/.test( text ) && Math.abs( number ) > MAX_SAFE_INTEGER ) ) {
				return JSON.stringify( cell );
			}
			return text;
		}
		var first = text.charAt( 0 );
		if ( first === '[' || first === '{' ) {
			try {
				// A cell sits one level inside the params object.
				if ( jsonProblem( JSON.parse( text ), fileLimit( 'paramsMaxDepth', 61 ) - 1 ) === '' ) {
					return text;
				}
			} catch ( e ) {
				// Not JSON: the cell is text.
			}
		}
		return JSON.stringify( cell );
	}

	function FileProblem( line, message ) {
		this.line = line;
		this.message = message;
	}

	function countLineBreaks( text ) {
		var breaks = text.match( /\r\n|\r|\n/g );
		return breaks ? breaks.length : 0;
	}

	/**
	 * CSV records (RFC 4180: comma, double quotes, "" inside quotes; a quoted cell may span
	 * lines), each with the line it starts on. Throws a FileProblem.
	 */
	function csvRecords( text ) {
		var records = [];
		var length = text.length;
		var pos = 0;
		var line = 1;
		var start = 1;
		var cells = [];
		var special = /[,\r\n]/g;
		while ( pos < length ) {
			if ( text.charAt( pos ) === '"' ) {
				var opened = line;
				var value = '';
				pos++;
				for ( ;; ) {
					var quote = text.indexOf( '"', pos );
					if ( quote === -1 ) {
						throw new FileProblem( opened, t( 'csvUnclosed' ) );
					}
					var part = text.slice( pos, quote );
					line += countLineBreaks( part );
					value += part;
					if ( text.charAt( quote + 1 ) === '"' ) {
						value += '"';
						pos = quote + 2;
						continue;
					}
					pos = quote + 1;
					break;
				}
				if ( pos < length && ',\r\n'.indexOf( text.charAt( pos ) ) === -1 ) {
					throw new FileProblem( line, t( 'csvAfterQuote' ) );
				}
				cells.push( value );
			} else {
				special.lastIndex = pos;
				var found = special.exec( text );
				var end = found ? found.index : length;
				cells.push( text.slice( pos, end ) );
				pos = end;
			}
			if ( pos >= length ) {
				break;
			}
			var c = text.charAt( pos );
			if ( c === ',' ) {
				pos++;
				if ( pos >= length ) {
					cells.push( '' );
				}
				continue;
			}
			pos += c === '\r' && text.charAt( pos + 1 ) === '\n' ? 2 : 1;
			records.push( { line: start, cells: cells } );
			cells = [];
			line++;
			start = line;
		}
		if ( cells.length ) {
			records.push( { line: start, cells: cells } );
		}
		return records;
	}

	function addFileRow( out, line, json ) {
		var bytes = utf8Length( json );
		if ( bytes > fileLimit( 'paramsMaxBytes', 920576 ) ) {
			out.errors.push( new FileProblem( line, fill( t( 'lineTooLarge' ), fileConfig.paramsMaxText || '' ) ) );
			return;
		}
		out.rows.push( { line: line, json: json, bytes: bytes } );
		if ( out.rows.length > fileLimit( 'maxRows', 100000 ) ) {
			out.tooMany = true;
		}
	}

	function fileOutDone( out ) {
		return out.tooMany || out.errors.length >= fileLimit( 'maxErrors', 10 );
	}

	function parseCsv( text, out ) {
		var records = csvRecords( text );
		var header = null;
		for ( var r = 0; r < records.length; r++ ) {
			var record = records[ r ];
			var cells = record.cells;
			if ( cells.join( '' ) === '' ) {
				continue; // An empty line, or a row of empty cells.
			}
			if ( header === null ) {
				header = [];
				for ( var h = 0; h < cells.length; h++ ) {
					var name = trimPhp( cells[ h ] );
					if ( name === '' ) {
						out.errors.push( new FileProblem( record.line, fill( t( 'csvNoName' ), h + 1 ) ) );
					} else if ( header.indexOf( name ) !== -1 ) {
						out.errors.push( new FileProblem( record.line, fill( t( 'csvDuplicate' ), name ) ) );
					}
					header.push( name );
				}
				if ( out.errors.length ) {
					out.errors = out.errors.slice( 0, fileLimit( 'maxErrors', 10 ) );
					return;
				}
				continue;
			}
			if ( cells.length !== header.length ) {
				out.errors.push( new FileProblem( record.line, cells.length === 1 ? fill( t( 'csvOneCell' ), header.length ) : fill( t( 'csvCells' ), cells.length, header.length ) ) );
			} else {
				var members = [];
				for ( var c = 0; c < cells.length; c++ ) {
					members.push( JSON.stringify( header[ c ] ) + ':' + cellJson( cells[ c ] ) );
				}
				addFileRow( out, record.line, '{' + members.join( ',' ) + '}' );
			}
			if ( fileOutDone( out ) ) {
				return;
			}
		}
	}

	function parseJsonl( text, out ) {
		var lines = text.split( /\r\n|\n|\r/ );
		for ( var i = 0; i < lines.length; i++ ) {
			var number = i + 1;
			var line = trimJson( lines[ i ] );
			if ( line === '' ) {
				continue;
			}
			var value;
			var parsedOk = true;
			try {
				value = JSON.parse( line );
			} catch ( e ) {
				parsedOk = false;
				var message = fill( t( 'lineNotJson' ), e.message );
				if ( number === 1 && line === '[' ) {
					message += ' ' + t( 'lineJsonArray' );
				}
				out.errors.push( new FileProblem( number, message ) );
			}
			if ( parsedOk ) {
				if ( value === null || typeof value !== 'object' || Array.isArray( value ) ) {
					out.errors.push( new FileProblem( number, t( 'lineNotObject' ) ) );
				} else {
					var problem = jsonProblem( value, fileLimit( 'paramsMaxDepth', 61 ) );
					if ( problem === 'depth' ) {
						out.errors.push( new FileProblem( number, fill( t( 'lineTooDeep' ), fileLimit( 'paramsMaxDepth', 61 ) ) ) );
					} else if ( problem === 'surrogate' ) {
						out.errors.push( new FileProblem( number, t( 'lineSurrogate' ) ) );
					} else {
						addFileRow( out, number, line );
					}
				}
			}
			if ( fileOutDone( out ) ) {
				return;
			}
		}
	}

	/** csv or jsonl: the chosen format, else by the file name, else by the first character. */
	function detectFormat( chosen, name, text ) {
		if ( chosen === 'csv' || chosen === 'jsonl' ) {
			return chosen;
		}
		var extension = /\.([^.]*)$/.exec( name || '' );
		extension = extension ? extension[ 1 ].toLowerCase() : '';
		if ( extension === 'csv' ) {
			return 'csv';
		}
		if ( extension === 'jsonl' || extension === 'ndjson' || extension === 'json' ) {
			return 'jsonl';
		}
		return trimJson( text ).charAt( 0 ) === '{' ? 'jsonl' : 'csv';
	}

	/** {rows: [{line, json, bytes}], errors: [FileProblem]} */
	function parseFile( text, format ) {
		var out = { rows: [], errors: [], tooMany: false };
		try {
			if ( format === 'jsonl' ) {
				parseJsonl( text, out );
			} else {
				parseCsv( text, out );
			}
		} catch ( e ) {
			if ( ! ( e instanceof FileProblem ) ) {
				throw e;
			}
			out.errors = [ e ];
		}
		if ( out.tooMany ) {
			out.errors = [ new FileProblem( 0, fill( t( 'fileTooMany' ), formatNumber( fileLimit( 'maxRows', 100000 ) ) ) ) ];
		} else if ( ! out.errors.length && ! out.rows.length ) {
			out.errors = [ new FileProblem( 0, t( 'fileEmpty' ) ) ];
		}
		return out;
	}

	/** Resolves with {text} or {error}. TextDecoder drops a byte order mark. */
	function readTextFile( file ) {
		if ( file.size > fileLimit( 'maxBytes', 67108864 ) ) {
			return Promise.resolve( { error: fill( t( 'fileTooBig' ), fileConfig.maxBytesText || '' ) } );
		}
		return file.arrayBuffer().then(
			function ( buffer ) {
				try {
					return { text: new window.TextDecoder( 'utf-8', { fatal: true } ).decode( buffer ) };
				} catch ( e ) {
					return { error: t( 'fileNotUtf8' ) };
				}
			},
			function () {
				return { error: t( 'fileUnreadable' ) };
			}
		);
	}

	/**
	 * Batches of at most batchItems tasks whose body {"tasks":[…]} stays within batchBytes,
	 * as includes/class-dda-task-batches.php cuts them.
	 */
	function buildBatches( rows, code, priority ) {
		var head = '{"operation_code":' + code + ',"params":';
		var tail = ',"priority":' + priority + '}';
		var empty = '{"tasks":[]}'.length;
		var maxItems = fileLimit( 'batchItems', 1000 );
		var maxBytes = fileLimit( 'batchBytes', 921600 );
		var batches = [];
		var current = null;
		rows.forEach( function ( row ) {
			var size = row.bytes + head.length + tail.length;
			if ( ! current || ( current.items.length && ( current.items.length >= maxItems || current.bytes + 1 + size > maxBytes ) ) ) {
				current = { items: [], lines: [], bytes: empty };
				batches.push( current );
			}
			current.bytes += ( current.items.length ? 1 : 0 ) + size;
			current.items.push( head + row.json + tail );
			current.lines.push( row.line );
		} );
		return batches;
	}

	/** A random UUID v4 (crypto.randomUUID needs a secure context; this does not). */
	function uuid4() {
		var bytes = new Uint8Array( 16 );
		window.crypto.getRandomValues( bytes );
		bytes[ 6 ] = ( bytes[ 6 ] & 0x0f ) | 0x40;
		bytes[ 8 ] = ( bytes[ 8 ] & 0x3f ) | 0x80;
		var hex = Array.prototype.map.call( bytes, function ( b ) {
			return ( b + 0x100 ).toString( 16 ).slice( 1 );
		} ).join( '' );
		return hex.slice( 0, 8 ) + '-' + hex.slice( 8, 12 ) + '-' + hex.slice( 12, 16 ) + '-' + hex.slice( 16, 20 ) + '-' + hex.slice( 20 );
	}

	function initFileForm() {
		var form = document.getElementById( 'dda-file-form' );
		if ( ! form ) {
			return;
		}
		var fileInput = document.getElementById( 'dda-file' );
		var fileError = document.getElementById( 'dda-file-error' );
		var formatSelect = document.getElementById( 'dda-file-format' );
		var select = document.getElementById( 'dda-file-operation' );
		var other = document.getElementById( 'dda-file-operation-other' );
		var priority = document.getElementById( 'dda-file-priority' );
		var preview = document.getElementById( 'dda-file-preview' );
		var summary = document.getElementById( 'dda-file-summary' );
		var previewRows = document.getElementById( 'dda-file-preview-rows' );
		var progress = document.getElementById( 'dda-file-progress' );
		var bar = document.getElementById( 'dda-file-progress-bar' );
		var progressText = document.getElementById( 'dda-file-progress-text' );
		var failure = document.getElementById( 'dda-file-failure' );
		var failureText = document.getElementById( 'dda-file-failure-text' );
		var retry = document.getElementById( 'dda-file-retry' );
		var submit = document.getElementById( 'dda-file-submit' );
		var spinner = form.querySelector( '.dda-file-spinner' );
		var controls = [ fileInput, formatSelect, select, other, priority ];
		var parsed = null; // {name, format, rows} of a file without problems.
		var reading = 0; // Increases with every read; a read that is not the latest is dropped.
		var isReading = false;
		var upload = null; // {id, name, batches, total, created: [per batch], failed, busy}

		bindOtherCode( select, document.getElementById( 'dda-file-operation-other-wrap' ), other, 'dda-file-operation-error' );

		function createdCount() {
			return upload ? upload.created.reduce( function ( sum, n ) {
				return sum + ( n || 0 );
			}, 0 ) : 0;
		}

		function updateSubmit() {
			var busy = !! ( upload && upload.busy );
			submit.disabled = busy || !! ( upload && upload.failed >= 0 );
			if ( ! parsed ) {
				submit.value = t( 'fileCreateNone' );
			} else {
				submit.value = parsed.rows.length === 1 ? t( 'fileCreateOne' ) : fill( t( 'fileCreate' ), formatNumber( parsed.rows.length ) );
			}
			controls.forEach( function ( control ) {
				if ( control !== other || select.value === 'other' ) {
					control.disabled = busy;
				}
			} );
			retry.disabled = busy;
			if ( spinner ) {
				spinner.classList.toggle( 'is-active', busy || isReading );
			}
			form.setAttribute( 'aria-busy', busy || isReading ? 'true' : 'false' );
		}

		/** Lists problems under the file field; `plain` leaves out "The file was not used". */
		function showFileErrors( problems, plain ) {
			fileError.textContent = '';
			var intro = document.createElement( 'p' );
			intro.textContent = plain ? '' : t( 'fileInvalid' );
			intro.hidden = !! plain;
			fileError.appendChild( intro );
			var list = document.createElement( 'ul' );
			problems.forEach( function ( problem ) {
				var item = document.createElement( 'li' );
				item.textContent = problem.line > 0 ? fill( t( 'fileLine' ), problem.line, problem.message ) : problem.message;
				list.appendChild( item );
			} );
			fileError.appendChild( list );
			fileError.hidden = false;
			fileInput.setAttribute( 'aria-invalid', 'true' );
			speak( ( intro.textContent + ' ' + list.firstChild.textContent ).trim(), 'assertive' );
		}

		function clearFileErrors() {
			fileError.textContent = '';
			fileError.hidden = true;
			fileInput.removeAttribute( 'aria-invalid' );
		}

		function showPreview() {
			var count = Math.min( fileLimit( 'previewRows', 5 ), parsed.rows.length );
			summary.textContent = parsed.rows.length === 1
				? fill( t( 'fileSummaryOne' ), parsed.name, t( parsed.format + 'Label' ) )
				: fill( t( 'fileSummary' ), formatNumber( parsed.rows.length ), parsed.name, t( parsed.format + 'Label' ) );
			previewRows.textContent = '';
			for ( var i = 0; i < count; i++ ) {
				var item = document.createElement( 'li' );
				item.setAttribute( 'data-line', String( parsed.rows[ i ].line ) );
				var label = document.createElement( 'span' );
				label.className = 'dda-file-preview__line';
				label.textContent = fill( t( 'previewLine' ), parsed.rows[ i ].line );
				var code = document.createElement( 'code' );
				code.textContent = parsed.rows[ i ].json;
				item.appendChild( label );
				item.appendChild( document.createTextNode( ' ' ) );
				item.appendChild( code );
				previewRows.appendChild( item );
			}
			preview.hidden = false;
			speak( summary.textContent );
		}

		/** Reads and checks the chosen file, all of it, before anything can be sent. */
		function readChosen() {
			var file = fileInput.files && fileInput.files[ 0 ];
			var token = ++reading;
			parsed = null;
			upload = null;
			preview.hidden = true;
			failure.hidden = true;
			progress.hidden = true;
			clearFileErrors();
			if ( ! file ) {
				isReading = false;
				updateSubmit();
				return;
			}
			isReading = true;
			summary.textContent = t( 'fileReading' );
			previewRows.textContent = '';
			preview.hidden = false;
			updateSubmit();
			readTextFile( file ).then( function ( read ) {
				if ( token !== reading ) {
					return;
				}
				isReading = false;
				preview.hidden = true;
				if ( read.error ) {
					showFileErrors( [ new FileProblem( 0, read.error ) ] );
				} else {
					var format = detectFormat( formatSelect.value, file.name, read.text );
					var result = parseFile( read.text, format );
					if ( result.errors.length ) {
						showFileErrors( result.errors );
					} else {
						parsed = { name: file.name, format: format, rows: result.rows };
						showPreview();
					}
				}
				updateSubmit();
			} );
		}

		function showProgress() {
			bar.max = upload.total;
			bar.value = createdCount();
			progressText.textContent = fill( t( 'fileProgress' ), formatNumber( createdCount() ), formatNumber( upload.total ) );
			progress.hidden = false;
		}

		function onLeave( event ) {
			event.preventDefault();
			event.returnValue = t( 'leaveWarning' );
			return event.returnValue;
		}

		function setBusy( busy ) {
			upload.busy = busy;
			if ( busy ) {
				window.addEventListener( 'beforeunload', onLeave );
			} else {
				window.removeEventListener( 'beforeunload', onLeave );
			}
			updateSubmit();
		}

		function failBatch( index, res ) {
			var data = ( res.data && res.data.data ) || {};
			// Without an answer nobody knows whether the batch was created: a retry is safe.
			var message = res.network ? t( 'batchNoAnswer' ) : errorMessage( res );
			// "tasks[3].params …" names a task of the batch: say which line of the file it is.
			var named = /tasks\[(\d+)\]/.exec( message );
			if ( named ) {
				var line = upload.batches[ index ].lines[ ( data.first_index || 0 ) + parseInt( named[ 1 ], 10 ) ];
				if ( line ) {
					message += ' ' + fill( t( 'batchLine' ), line );
				}
			}
			upload.created[ index ] = typeof data.created === 'number' ? data.created : 0;
			upload.failed = index;
			failureText.textContent = fill( t( 'batchFailed' ), index + 1, upload.batches.length, message ) + ' ' +
				fill( t( 'batchCreated' ), formatNumber( createdCount() ), formatNumber( upload.total ) );
			retry.textContent = fill( t( 'batchRetry' ), index + 1 );
			failure.classList.add( 'notice-error' );
			failure.hidden = false;
			showProgress();
			setBusy( false );
		}

		function finishUpload() {
			var total = createdCount();
			var name = upload.name;
			setBusy( false );
			var done = total === 1 ? fill( t( 'fileDoneOne' ), name ) : fill( t( 'fileDone' ), formatNumber( total ), name );
			var notice = showNotice( 'success', done, { key: 'file' } );
			if ( notice ) {
				notice.setAttribute( 'data-dda-created', String( total ) );
			}
			upload = null;
			parsed = null;
			fileInput.value = '';
			preview.hidden = true;
			updateSubmit();
			waitThenRefresh();
		}

		/** Sends batch `index`, then the next ones; stops at the first that fails. */
		function sendBatch( index ) {
			if ( index >= upload.batches.length ) {
				finishUpload();
				return;
			}
			var batch = upload.batches[ index ];
			// The upload id and the index make the batch's Idempotency-Key (in PHP): sent
			// again, the batch is not created twice.
			var body = '{"upload_id":' + JSON.stringify( upload.id ) + ',"batch":' + index + ',"tasks":[' + batch.items.join( ',' ) + ']}';
			api( 'POST', 'tasks/batch', body ).then( function ( res ) {
				if ( res.ok && res.data && typeof res.data.count === 'number' ) {
					upload.created[ index ] = res.data.count;
					showProgress();
					sendBatch( index + 1 );
				} else {
					failBatch( index, res );
				}
			} );
		}

		fileInput.addEventListener( 'change', readChosen );
		formatSelect.addEventListener( 'change', function () {
			if ( fileInput.files && fileInput.files.length ) {
				readChosen();
			}
		} );

		retry.addEventListener( 'click', function () {
			if ( ! upload || upload.busy || upload.failed < 0 ) {
				return;
			}
			var index = upload.failed;
			upload.failed = -1;
			failure.hidden = true;
			setBusy( true );
			sendBatch( index );
		} );

		form.addEventListener( 'submit', function ( event ) {
			event.preventDefault();
			if ( isReading || ( upload && ( upload.busy || upload.failed >= 0 ) ) ) {
				return;
			}
			var code = select.value === 'other' ? other.value : select.value;
			var firstBad = null;
			if ( ! setFieldError( other, 'dda-file-operation-error', isWholeNumber( code, 1, 999999 ) ? '' : t( 'codeInvalid' ) ) ) {
				firstBad = select.value === 'other' ? other : select;
			}
			if ( ! setFieldError( priority, 'dda-file-priority-error', isWholeNumber( priority.value || '0', -100, 100 ) ? '' : t( 'priorityInvalid' ) ) ) {
				firstBad = firstBad || priority;
			}
			if ( ! parsed ) {
				if ( fileError.hidden ) {
					showFileErrors( [ new FileProblem( 0, t( 'fileNone' ) ) ], true );
				}
				firstBad = fileInput;
			}
			if ( firstBad ) {
				firstBad.focus();
				return;
			}
			upload = {
				id: uuid4(),
				name: parsed.name,
				batches: buildBatches( parsed.rows, parseInt( code, 10 ), parseInt( priority.value || '0', 10 ) ),
				total: parsed.rows.length,
				created: [],
				failed: -1,
				busy: false
			};
			failure.hidden = true;
			showProgress();
			setBusy( true );
			sendBatch( 0 );
		} );

		updateSubmit();
	}

	/* ------------------------------------------------------------------ boot */

	if ( config.screen === 'settings' ) {
		initSettings();
	} else if ( config.screen === 'tasks' ) {
		initRefresh();
		initRowActions();
		initRunnerActions();
		initDialog();
		initCreateForm();
		initFileForm();
	}
}() );
