import Glibc
import Locking
import LogLines

/// Sleeps the calling thread for `seconds` (what Foundation's `Thread.sleep` did: the runner
/// uses FoundationEssentials only, which keeps ICU's 34 MB out of its static binary).
func sleepThread(seconds: Double) {
    guard seconds > 0 else { return }
    let clamped = min(seconds, 1e9)
    var request = timespec(tv_sec: Int(clamped), tv_nsec: Int((clamped - clamped.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Starts `body` on a detached thread. A runner that cannot start one (threads or memory
/// exhausted) cannot do its work: it says so and exits 71 (EX_OSERR), as dda-server does,
/// rather than wait for a thread that never ran.
func startThread(_ body: @escaping @Sendable () -> Void) {
    guard DetachedThread.start(body) else {
        StandardError.write("dda-runner: cannot start a thread (pthread_create failed); exiting\n")
        exit(71)
    }
}
