import Locking
import Synchronization

/// A response that is not known yet: a long poll parked until a task arrives. Whoever
/// resolves it (any thread) hands the response to whoever waits for it (the transport), in
/// either order.
public final class DeferredResponse: Sendable {
    private enum State {
        case waiting(sink: (@Sendable (HTTPResponse) -> Void)?)
        case resolved(HTTPResponse, delivered: Bool)
    }

    private let state = Locked<State>(.waiting(sink: nil))

    public init() {}

    /// Sets the response; the first call wins.
    public func resolve(_ response: HTTPResponse) {
        let sink: (@Sendable (HTTPResponse) -> Void)? = state.withLock { state in
            guard case .waiting(let sink) = state else { return nil }
            state = .resolved(response, delivered: sink != nil)
            return sink
        }
        sink?(response)
    }

    /// Delivers the response to `sink` once it is resolved (at once if it already is).
    public func onResolve(_ sink: @escaping @Sendable (HTTPResponse) -> Void) {
        let ready: HTTPResponse? = state.withLock { state in
            switch state {
            case .waiting:
                state = .waiting(sink: sink)
                return nil
            case .resolved(let response, let delivered):
                guard !delivered else { return nil }
                state = .resolved(response, delivered: true)
                return response
            }
        }
        if let ready { sink(ready) }
    }

    /// The response if it is already known.
    public var resolved: HTTPResponse? {
        state.withLock { state in
            if case .resolved(let response, _) = state { return response }
            return nil
        }
    }
}

/// What a handler answers: a response now, or one that comes later.
public enum Reply: Sendable {
    case now(HTTPResponse)
    case later(DeferredResponse)
}
