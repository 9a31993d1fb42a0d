import FoundationEssentials
import Locking
import LogLines

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM/SIGINT handling without async-signal-safety worries: the signals are blocked in
/// every thread and a dedicated thread takes them with sigwait.
enum Signals {
    static func install(_ handler: @escaping @Sendable (Int) -> Void) {
        signal(SIGINT, SIG_DFL) // background shells start children with SIGINT ignored
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let blocked = set
        let started = DetachedThread.start {
            var set = blocked
            var count = 0
            while true {
                var received: Int32 = 0
                if sigwait(&set, &received) == 0 {
                    count += 1
                    handler(count)
                }
            }
        }
        if !started {
            StandardError.write("dda-runner: cannot start the signal thread; exiting\n")
            exit(71)
        }
    }
}
