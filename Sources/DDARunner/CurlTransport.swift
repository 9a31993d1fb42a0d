import CCurl
import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP exchange as the API client needs it.
public struct TransportResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
}

/// Why no HTTP response came back.
public enum TransportError: Error, Sendable, Equatable {
    /// Connection refused, DNS, TLS, timeout: the server could not be reached.
    case unreachable(String)
    /// The caller's cancel token fired.
    case cancelled
}

/// A synchronous HTTP client on libcurl. Each request borrows an easy handle from a small
/// pool and gives it back: a reused handle keeps its connection open (HTTP keep-alive), its
/// TLS session and the CA certificates it loaded, so a loop runner over HTTPS pays the TCP
/// and TLS handshake and the reading of the CA bundle (about 30 ms on a small host) once per
/// connection instead of on every poll, heartbeat and result.
///
/// Why libcurl and not URLSession or async-http-client: URLSession on Linux is libcurl
/// underneath but cannot trust a private CA (`ca_file`; its override is Android-only), nor
/// abort a long poll from another thread; async-http-client would add SwiftNIO and minutes
/// to every build of a small CLI. libcurl is on every Debian host, maintained, and gives
/// CAINFO, timeouts, proxies from the environment and an abort callback.
public final class CurlTransport: Sendable {
    private let caFile: String?
    private let connectTimeoutMilliseconds: Int
    private let userAgent: String
    /// Responses larger than this are cut off (the API never sends that much).
    static let maxResponseBytes = 8 << 20
    /// Handles not in use, each with its connection cache. More are opened when requests
    /// overlap (a long poll beside heartbeats); at most `maxIdleHandles` are kept.
    private let idle = Locked<[EasyHandle]>([])
    static let maxIdleHandles = 8

    /// Call once from `main` before any thread uses libcurl.
    public static func globalInit() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    public init(caFile: String? = nil, connectTimeoutSeconds: Double = 10, userAgent: String = "dda-runner") {
        BrokenPipe.ignore()
        self.caFile = caFile
        self.connectTimeoutMilliseconds = Int(connectTimeoutSeconds * 1000)
        self.userAgent = userAgent
    }

    public func send(
        method: String, url: String, headers: [String] = [], body: [UInt8]? = nil,
        timeoutSeconds: Double, cancel: CancelToken? = nil
    ) throws(TransportError) -> TransportResponse {
        guard let easy = idle.withLock({ $0.popLast() }) ?? EasyHandle() else {
            throw TransportError.unreachable("libcurl could not start a request")
        }
        let handle = easy.handle
        let sink = ResponseSink(cancel: cancel)
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        dda_curl_set_string(handle, CURLOPT_URL, url)
        dda_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)
        dda_curl_set_string(handle, CURLOPT_USERAGENT, userAgent)
        dda_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        dda_curl_set_long(handle, CURLOPT_NOSIGNAL, 1) // threads: no SIGALRM for timeouts
        dda_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(timeoutSeconds * 1000))
        dda_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds)
        dda_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        dda_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        if let caFile { dda_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
        if let body {
            if method == "GET" { dda_curl_set_long(handle, CURLOPT_HTTPGET, 1) }
            var bytes = body.map { CChar(bitPattern: $0) }
            bytes.append(0) // COPYPOSTFIELDS copies `length` bytes; the NUL only guards an empty body
            _ = bytes.withUnsafeBufferPointer { dda_curl_set_body(handle, $0.baseAddress, Int(body.count)) }
        }
        dda_curl_set_write(
            handle,
            { data, size, count, user in
                guard let user, let data else { return 0 }
                let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
                let length = size * count
                if sink.bytes.count + length > CurlTransport.maxResponseBytes { return 0 }
                data.withMemoryRebound(to: UInt8.self, capacity: length) {
                    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
                return length
            }, sinkPointer.toOpaque())
        dda_curl_set_progress(
            handle,
            { user, _, _, _, _ in
                guard let user else { return 0 }
                let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
                return sink.cancel?.isCancelled == true ? 1 : 0
            }, sinkPointer.toOpaque())

        let code = curl_easy_perform(handle)
        // A failed or cancelled exchange drops its handle with whatever connection it had.
        if code == CURLE_ABORTED_BY_CALLBACK { throw TransportError.cancelled }
        guard code == CURLE_OK else {
            throw TransportError.unreachable("\(String(cString: curl_easy_strerror(code))) (\(Self.redact(url)))")
        }
        let response = TransportResponse(status: dda_curl_response_code(handle), body: sink.bytes)
        // Back to the pool without this request's options, which point at its header list and
        // sink (freed on return); reset keeps the connections, the TLS session and CA caches.
        curl_easy_reset(handle)
        idle.withLock { handles in
            if handles.count < Self.maxIdleHandles { handles.append(easy) }
        }
        return response
    }

    /// How many handles wait for reuse (tests).
    var idleHandles: Int { idle.withLock { $0.count } }

    /// The URL without a query string (it may carry ids; never credentials, but keep logs short).
    static func redact(_ url: String) -> String {
        String(url.split(separator: "?", maxSplits: 1).first ?? "")
    }
}

/// One libcurl easy handle, cleaned up when the last reference goes. Used by one request at
/// a time (the pool hands it out), hence `@unchecked Sendable`.
private final class EasyHandle: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }
}

/// Collects a response body on libcurl's thread (the calling thread).
private final class ResponseSink: @unchecked Sendable {
    var bytes: [UInt8] = []
    let cancel: CancelToken?
    init(cancel: CancelToken?) { self.cancel = cancel }
}
