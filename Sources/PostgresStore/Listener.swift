import Locking
import Logging
import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// A dedicated connection that `LISTEN`s on one channel and calls `onNotify` when a
/// notification arrives: a task created on any server wakes the polls parked on this one.
/// It reconnects by itself (every second) while the database is away.
final class Listener: @unchecked Sendable {
    private let url: String
    private let channel: String
    private let logger: Logger
    private let running = Locked(false)
    private let finished = OneShot<Bool>()
    /// Set once before `start()`. Notifications whose payload is `ignoring` (this process's
    /// own: it served its polls itself) do not call it.
    var onNotify: @Sendable () -> Void = {}
    var ignoring = ""

    init(url: String, channel: String, logger: Logger) {
        self.url = url
        self.channel = channel
        self.logger = logger
    }

    func start() {
        running.withLock { $0 = true }
        DetachedThread.start { [self] in
            defer { finished.set(true) }
            var connection: PGConnection?
            while running.withLock({ $0 }) {
                if connection == nil {
                    do {
                        let opened = try PGConnection(url)
                        try opened.query("LISTEN \(channel)")
                        connection = opened
                        // Tasks may have been created while nobody listened.
                        onNotify()
                    } catch {
                        logger.warning("cannot listen for new tasks; retrying", metadata: ["error": "\(error)"])
                        usleep(1_000_000)
                        continue
                    }
                }
                guard let current = connection else { continue }
                var descriptor = pollfd(fd: current.socket, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, 250)
                guard ready > 0 else { continue }
                do {
                    if try current.notifications().contains(where: { $0.payload != ignoring }) { onNotify() }
                } catch {
                    logger.warning("lost the notification connection; reconnecting", metadata: ["error": "\(error)"])
                    connection = nil
                }
            }
        }
    }

    func stop() {
        running.withLock { $0 = false }
        _ = finished.wait(milliseconds: 2000)
    }
}
