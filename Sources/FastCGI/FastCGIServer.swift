import CFastCGI
import HTTPCore
import Locking
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A multi-threaded FastCGI responder on libfcgi, after libfcgi's `examples/threaded.c`:
/// `FCGX_Init` once, then N threads, each with its own heap-allocated `FCGX_Request` in an
/// `FCGX_Accept_r` loop. Every C value is copied into an `HTTPRequest` straight after accept,
/// so the handler never sees a pointer.
public final class FastCGIServer: Sendable {
    /// Answers a request now, or later (a parked long poll): then the worker hands its
    /// `FCGX_Request` to whoever resolves the response and takes a fresh one, so no thread
    /// waits however many polls are parked.
    public typealias Handler = @Sendable (HTTPRequest) -> Reply

    private let configuration: FastCGIConfiguration
    private let handler: Handler
    private let logger: Logger
    private let state = Locked<RunState>(RunState())
    private let stopping = Atomic<Bool>(false)

    private struct RunState {
        var listenFD: Int32 = -1
        var ownsSocket = false
        var workers: [Worker] = []
    }

    public init(configuration: FastCGIConfiguration, logger: Logger, handler: @escaping Handler) {
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    /// Opens (or adopts) the listening socket and starts the worker threads.
    public func start() throws(FastCGIError) {
        guard FCGX_Init() == 0 else { throw FastCGIError(description: "FCGX_Init failed") }
        installWakeSignal()
        let (fd, owns) = try openSocket()
        var workers: [Worker] = []
        for index in 0..<configuration.threads {
            let worker = Worker(index: index, listenFD: fd)
            let context = WorkerContext(server: self, worker: worker)
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    guard let raw else { return nil }
                    let context = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
                    context.server.run(context.worker)
                    return nil
                }, Unmanaged.passRetained(context).toOpaque())
            guard rc == 0 else {
                throw FastCGIError(description: "pthread_create failed: \(String(cString: strerror(rc)))")
            }
            worker.thread = thread
            workers.append(worker)
        }
        state.withLock {
            $0.listenFD = fd
            $0.ownsSocket = owns
            $0.workers = workers
        }
        logger.info(
            "listening", metadata: ["listen": "\(configuration.listen)", "threads": "\(configuration.threads)"])
    }

    /// Stops accepting, lets every worker finish the request in hand, and joins them.
    public func stop() {
        let (fd, owns, workers) = state.withLock { ($0.listenFD, $0.ownsSocket, $0.workers) }
        stopping.store(true, ordering: .sequentiallyConsistent)
        FCGX_ShutdownPending()
        if owns, fd >= 0 {
            // Wakes every thread blocked in accept() at once (a signal would wake one).
            shutdown(fd, Int32(SHUT_RDWR))
        }
        // An inherited socket belongs to systemd/spawn-fcgi and must not be shut down:
        // interrupt the threads that sit in accept() with a signal instead, until all left.
        for worker in workers {
            while !worker.finished.load(ordering: .acquiring) {
                if !owns, worker.inAccept.load(ordering: .acquiring) {
                    pthread_kill(worker.thread, SIGUSR2)
                }
                usleep(5_000)
            }
            pthread_join(worker.thread, nil)
        }
        if owns, fd >= 0 {
            close(fd)
            if case .unixSocket(let path, _) = configuration.listen { unlink(path) }
        }
        state.withLock { $0.workers = [] }
    }

    // MARK: Socket

    private func openSocket() throws(FastCGIError) -> (Int32, Bool) {
        switch configuration.listen {
        case .unixSocket(let path, let mode):
            let fd = FCGX_OpenSocket(path, Int32(configuration.backlog))
            guard fd >= 0 else {
                throw FastCGIError(
                    description:
                        "cannot listen on \(path): \(String(cString: strerror(errno))) (does the directory exist and is it writable?)"
                )
            }
            // The socket file gets the umask; nginx's workers need the configured mode.
            if chmod(path, mode_t(mode)) != 0 {
                throw FastCGIError(description: "cannot chmod \(path): \(String(cString: strerror(errno)))")
            }
            return (fd, true)
        case .tcp(let host, let port):
            let fd = FCGX_OpenSocket("\(host):\(port)", Int32(configuration.backlog))
            guard fd >= 0 else {
                throw FastCGIError(description: "cannot listen on \(host):\(port): \(String(cString: strerror(errno)))")
            }
            return (fd, true)
        case .standardInput:
            guard FCGX_IsCGI() == 0 else {
                throw FastCGIError(
                    description:
                        "fd 0 is not a listening socket; start dda-server with spawn-fcgi or pass --socket PATH")
            }
            return (0, false)
        case .systemd:
            guard let pid = getenv("LISTEN_PID").map({ String(cString: $0) }), Int32(pid) == getpid(),
                let count = getenv("LISTEN_FDS").map({ String(cString: $0) }), let fds = Int(count), fds >= 1
            else {
                throw FastCGIError(
                    description: "no socket from systemd (LISTEN_PID/LISTEN_FDS unset or not for this process)")
            }
            return (3, false)
        }
    }

    private func installWakeSignal() {
        // No SA_RESTART: accept() must return EINTR so the worker sees `stopping`.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGUSR2, &action, nil)
    }

    // MARK: Workers

    fileprivate func run(_ worker: Worker) {
        defer { worker.finished.store(true, ordering: .releasing) }
        guard var request = Self.newRequest(listenFD: worker.listenFD) else {
            logger.error("FCGX_InitRequest failed", metadata: ["worker": "\(worker.index)"])
            return
        }
        defer { Self.free(request) }
        while !stopping.load(ordering: .acquiring) {
            worker.inAccept.store(true, ordering: .releasing)
            let rc = FCGX_Accept_r(request)
            worker.inAccept.store(false, ordering: .releasing)
            if rc < 0 {
                if stopping.load(ordering: .acquiring) { break }
                if rc == -EINTR { continue }
                logger.warning("accept failed", metadata: ["worker": "\(worker.index)", "rc": "\(rc)"])
                usleep(10_000)
                continue
            }
            let httpRequest = readRequest(request)
            switch handler(httpRequest) {
            case .now(let response):
                Self.write(response, to: request)
                FCGX_Finish_r(request)
            case .later(let deferred):
                if let response = deferred.resolved {
                    Self.write(response, to: request)
                    FCGX_Finish_r(request)
                    continue
                }
                // Park: the request (its connection) now belongs to the deferred response.
                guard let fresh = Self.newRequest(listenFD: worker.listenFD) else {
                    // No fresh request to be had: answer this one from this thread, waiting.
                    logger.error(
                        "FCGX_InitRequest failed; this worker waits for the long poll",
                        metadata: ["worker": "\(worker.index)"])
                    let answer = OneShot<HTTPResponse>()
                    deferred.onResolve { answer.set($0) }
                    Self.write(answer.wait(milliseconds: -1) ?? HTTPResponse(status: 500), to: request)
                    FCGX_Finish_r(request)
                    continue
                }
                let parked = ParkedRequest(pointer: request)
                deferred.onResolve { Self.finishParked(parked.pointer, $0) }
                request = fresh
            }
        }
    }

    private static func newRequest(listenFD: Int32) -> UnsafeMutablePointer<FCGX_Request>? {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        guard FCGX_InitRequest(request, listenFD, Int32(FCGI_FAIL_ACCEPT_ON_INTR)) == 0 else {
            request.deallocate()
            return nil
        }
        return request
    }

    private static func free(_ request: UnsafeMutablePointer<FCGX_Request>) {
        FCGX_Free(request, 0)
        request.deallocate()
    }

    /// Writes the answer of a parked request (on the resolving thread) and releases it.
    private static func finishParked(_ request: UnsafeMutablePointer<FCGX_Request>, _ response: HTTPResponse) {
        write(response, to: request)
        FCGX_Finish_r(request)
        free(request)
    }

    /// Copies the CGI parameters and the body into Swift values.
    /// The CGI parameters the server uses besides the `HTTP_*` headers.
    private enum Wanted: CaseIterable {
        case method, documentURI, requestURI, query, contentType, contentLength, remoteAddress, requestID

        var name: [UInt8] {
            switch self {
            case .method: return Array("REQUEST_METHOD".utf8)
            case .documentURI: return Array("DOCUMENT_URI".utf8)
            case .requestURI: return Array("REQUEST_URI".utf8)
            case .query: return Array("QUERY_STRING".utf8)
            case .contentType: return Array("CONTENT_TYPE".utf8)
            case .contentLength: return Array("CONTENT_LENGTH".utf8)
            case .remoteAddress: return Array("REMOTE_ADDR".utf8)
            case .requestID: return Array("DDA_REQUEST_ID".utf8)
            }
        }

        static let names: [(Wanted, [UInt8])] = allCases.map { ($0, $0.name) }
    }

    /// Copies the CGI parameters and the body into Swift values. Works on the bytes: only
    /// the parameters the server reads become Strings (a request carries ~30; profiling showed
    /// String-index walking over all of them as the largest cost of a `GET /`).
    private func readRequest(_ request: UnsafeMutablePointer<FCGX_Request>) -> HTTPRequest {
        var wanted: [Wanted: String] = [:]
        var headers: [String: String] = [:]
        if var cursor = request.pointee.envp {
            while let entry = cursor.pointee {
                cursor += 1
                let length = strlen(entry)
                entry.withMemoryRebound(to: UInt8.self, capacity: length) { raw in
                    let bytes = UnsafeBufferPointer(start: raw, count: length)
                    guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return }
                    let name = UnsafeBufferPointer(rebasing: bytes[..<equals])
                    let value = UnsafeBufferPointer(rebasing: bytes[(equals + 1)...])
                    if name.count > 5, name[0] == 0x48, name[1] == 0x54, name[2] == 0x54, name[3] == 0x50,
                        name[4] == 0x5F
                    {
                        // HTTP_USER_AGENT -> user-agent
                        var lowered = [UInt8](name[5...])
                        for i in lowered.indices {
                            if lowered[i] == UInt8(ascii: "_") {
                                lowered[i] = UInt8(ascii: "-")
                            } else if lowered[i] >= 0x41 && lowered[i] <= 0x5A {
                                lowered[i] += 0x20
                            }
                        }
                        let key = String(decoding: lowered, as: UTF8.self)
                        // libfcgi semantics: the first of duplicate parameters wins.
                        if headers[key] == nil { headers[key] = String(decoding: value, as: UTF8.self) }
                        return
                    }
                    for (param, paramName) in Wanted.names where paramName.elementsEqual(name) {
                        if wanted[param] == nil { wanted[param] = String(decoding: value, as: UTF8.self) }
                        return
                    }
                }
            }
        }
        if let type = wanted[.contentType], !type.isEmpty { headers["content-type"] = type }
        let declared = Int(wanted[.contentLength] ?? "") ?? 0
        if declared > 0 { headers["content-length"] = String(declared) }
        let body: HTTPRequest.Body
        if declared > configuration.maxBodyBytes {
            body = .tooLarge(declaredLength: declared) // not read: the answer is 413 anyway
        } else if declared > 0 {
            body = .bytes(readBody(request.pointee.in, length: declared))
        } else {
            body = .bytes([])
        }
        let uri = wanted[.requestURI] ?? "/"
        let path =
            wanted[.documentURI].flatMap { $0.isEmpty ? nil : $0 }
            ?? String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        var httpRequest = HTTPRequest(
            method: wanted[.method] ?? "GET", path: path, query: wanted[.query] ?? "",
            lowercasedHeaders: headers, body: body, remoteAddress: wanted[.remoteAddress] ?? "")
        // nginx's $request_id is 32 hex digits; anything else is cut to what a log may carry.
        httpRequest.requestID = String(
            String.UnicodeScalarView(
                (wanted[.requestID] ?? "").unicodeScalars.prefix(64).filter {
                    ("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-"
                }))
        let fd = request.pointee.ipcFd
        httpRequest.isClientConnected = { Self.peerIsOpen(fd) }
        return httpRequest
    }

    /// Whether nginx still holds the connection: it closes it when its client goes away
    /// (`fastcgi_ignore_client_abort off`). POLLRDHUP says the peer closed even when unread
    /// bytes (the empty stdin record) are still queued. Only asked while the request is
    /// parked, when the descriptor is still this request's.
    private static func peerIsOpen(_ fd: Int32) -> Bool {
        let pollRDHUP: Int16 = 0x2000 // POLLRDHUP (Linux); Glibc does not export it to Swift
        var entry = pollfd(fd: fd, events: pollRDHUP, revents: 0)
        guard poll(&entry, 1, 0) >= 0 else { return true }
        return entry.revents & (pollRDHUP | Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)) == 0
    }

    private func readBody(_ stream: UnsafeMutablePointer<FCGX_Stream>?, length: Int) -> [UInt8] {
        guard let stream else { return [] }
        var bytes = [UInt8](repeating: 0, count: length)
        var filled = 0
        bytes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            while filled < length {
                let n = base.advanced(by: filled).withMemoryRebound(to: CChar.self, capacity: length - filled) {
                    FCGX_GetStr($0, Int32(length - filled), stream)
                }
                if n <= 0 { break }
                filled += Int(n)
            }
        }
        if filled < length { bytes.removeLast(length - filled) }
        return bytes
    }

    private static func write(_ response: HTTPResponse, to request: UnsafeMutablePointer<FCGX_Request>) {
        var head = "Status: \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n"
        for (name, value) in response.headers {
            head += "\(name): \(value.sanitizedHeaderValue)\r\n"
        }
        if response.status != 204 { head += "Content-Length: \(response.body.count)\r\n" }
        head += "\r\n"
        put(Array(head.utf8), to: request.pointee.out)
        put(response.body, to: request.pointee.out)
    }

    /// The most bytes handed to libfcgi in one call: its length argument is an `Int32`, so a
    /// body of any size goes out in pieces and the cast can never overflow.
    static let writeChunkBytes = 1 << 16

    private static func put(_ bytes: [UInt8], to stream: UnsafeMutablePointer<FCGX_Stream>?) {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let length = min(writeChunkBytes, buffer.count - offset)
                let written = base.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: length) {
                    FCGX_PutStr($0, Int32(length), stream)
                }
                if written < 0 { return } // the connection is gone; nothing more can be sent
                offset += length
            }
        }
    }
}

/// A request handed from its worker to whoever resolves its response; used by one thread
/// at a time (the handoff goes through the deferred response's lock).
private struct ParkedRequest: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<FCGX_Request>
}

/// One worker thread's shared flags.
private final class Worker: @unchecked Sendable {
    let index: Int
    let listenFD: Int32
    /// Set once before the thread starts reading it; only `stop()` reads it afterwards.
    var thread = pthread_t()
    let inAccept = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)

    init(index: Int, listenFD: Int32) {
        self.index = index
        self.listenFD = listenFD
    }
}

private final class WorkerContext: Sendable {
    let server: FastCGIServer
    let worker: Worker
    init(server: FastCGIServer, worker: Worker) {
        self.server = server
        self.worker = worker
    }
}

extension String {
    /// Header values must not carry CR or LF (response splitting).
    fileprivate var sanitizedHeaderValue: String {
        guard utf8.contains(where: { $0 == 13 || $0 == 10 }) else { return self }
        return String(filter { $0 != "\r" && $0 != "\n" })
    }
}
