import Synchronization

/// A flag that aborts a blocking operation (an HTTP long poll, a handler process) from
/// another thread.
public final class CancelToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }

    public func cancel() { flag.store(true, ordering: .releasing) }
}
