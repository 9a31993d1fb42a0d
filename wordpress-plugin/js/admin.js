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
			init.body = JSON.stringify( body );
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
				p.textContent = ok ? res.data.message : errorMessage( res );
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
	 * Swaps the table's rows, keeping keyboard focus on the same control of the same row.
	 */
	function replaceRows( html ) {
		var body = tableWrap.querySelector( 'tbody' );
		if ( ! body ) {
			return;
		}
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
			path = 'tasks?limit=' + encodeURIComponent( config.perPage || 50 );
			var status = page.getAttribute( 'data-dda-status' );
			if ( status ) {
				path += '&status=' + encodeURIComponent( status );
			}
		}
		refreshSpinner = document.querySelector( '.dda-spinner' );
		if ( refreshSpinner ) {
			refreshSpinner.classList.add( 'is-active' );
		}
		page.setAttribute( 'aria-busy', 'true' );
		inFlight = api( 'GET', path ).then( function ( res ) {
			if ( res.ok && res.data && typeof res.data.rows === 'string' ) {
				replaceRows( res.data.rows );
				clearNotice( 'refresh' );
				setUpdated( t( 'updated' ).replace( '%s', clockTime( new Date() ) ) );
			} else {
				showNotice( 'error', errorMessage( res ), { key: 'refresh' } );
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
		var submit = document.getElementById( 'dda-create-submit' );
		var spinner = form.querySelector( '.dda-create-spinner' );

		function syncOther( focus ) {
			var isOther = select.value === 'other';
			otherWrap.hidden = ! isOther;
			other.disabled = ! isOther;
			if ( ! isOther ) {
				setFieldError( other, 'dda-operation-error', '' );
			} else if ( focus ) {
				other.focus();
			}
		}
		select.addEventListener( 'change', function () {
			syncOther( true );
		} );
		syncOther( false );

		// Checked on submit (a check on blur would move the button away under the pointer);
		// once marked invalid, the mark goes away as soon as the text is fixed.
		params.addEventListener( 'input', function () {
			if ( params.getAttribute( 'aria-invalid' ) === 'true' ) {
				setFieldError( params, 'dda-params-error', paramsError( params.value ) );
			}
		} );

		form.addEventListener( 'submit', function ( event ) {
			event.preventDefault();
			var code = select.value === 'other' ? other.value : select.value;
			var firstBad = null;
			if ( ! setFieldError( other, 'dda-operation-error', isWholeNumber( code, 1, 999999 ) ? '' : t( 'codeInvalid' ) ) ) {
				firstBad = select.value === 'other' ? other : select;
			}
			if ( ! setFieldError( params, 'dda-params-error', paramsError( params.value ) ) ) {
				firstBad = firstBad || params;
			}
			if ( ! setFieldError( priority, 'dda-priority-error', isWholeNumber( priority.value || '0', -100, 100 ) ? '' : t( 'priorityInvalid' ) ) ) {
				firstBad = firstBad || priority;
			}
			if ( firstBad ) {
				firstBad.focus();
				return;
			}
			submit.disabled = true;
			if ( spinner ) {
				spinner.classList.add( 'is-active' );
			}
			api( 'POST', 'tasks', {
				operation_code: parseInt( code, 10 ),
				params: params.value.trim() === '' ? '{}' : params.value,
				priority: parseInt( priority.value || '0', 10 )
			} ).then( function ( res ) {
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

	/* ------------------------------------------------------------------ boot */

	if ( config.screen === 'settings' ) {
		initSettings();
	} else if ( config.screen === 'tasks' ) {
		initRefresh();
		initRowActions();
		initDialog();
		initCreateForm();
	}
}() );
