import Dispatch
import HTTPCore
import Locking
import Synchronization

/// Lets a caller of `handle(_:)` wait for a deferred response.
final class ResponseBox: Sendable {
    private let value = Locked<HTTPResponse?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ response: HTTPResponse) {
        value.withLock { $0 = response }
        ready.signal()
    }

    func wait() -> HTTPResponse {
        ready.wait()
        return value.withLock { $0 } ?? HTTPResponse(status: 500)
    }

    /// Waits, calling `idle` every `milliseconds` until the response is there.
    func wait(every milliseconds: Int, idle: () -> Void) -> HTTPResponse {
        while ready.wait(timeout: .now() + .milliseconds(milliseconds)) == .timedOut { idle() }
        return value.withLock { $0 } ?? HTTPResponse(status: 500)
    }
}
