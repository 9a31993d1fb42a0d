import Glibc

/// SIGPIPE's default action kills the process on a write to a pipe or socket whose reader
/// has gone. The runner writes to both: a handler's stdin (a handler may exit without
/// reading it) and kept HTTP connections (libcurl with NOSIGNAL leaves SIGPIPE to the
/// program). Those writes must fail with EPIPE instead, in dda-runner and in any other
/// program that uses this module (the test binary is one), so each writer calls this first.
enum BrokenPipe {
    /// Sets SIGPIPE to ignored for the whole process; cheap and idempotent.
    static func ignore() {
        signal(SIGPIPE, SIG_IGN)
    }
}
