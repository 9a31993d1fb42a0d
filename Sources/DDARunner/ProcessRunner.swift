import CSpawn
import FoundationEssentials
import Locking
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a child process in its own process group, feeding stdin and collecting stdout and the
/// tail of stderr, with a timeout and cancellation that kill the whole group.
enum ProcessRunner {
    enum End: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case outputTooLarge
        case cancelled
        case failedToStart(String)
    }

    struct Result {
        var end: End
        var stdout: [UInt8]
        var stderrTail: String
    }

    static let stderrTailBytes = 2048

    /// Process groups currently running, so a second SIGTERM can kill them all.
    static let running = Locked<Set<pid_t>>([])

    /// The variables a handler inherits from the runner: enough to find programs, write
    /// temporary files and pick a locale, nothing else. The runner's own environment may
    /// carry `DDA_REGISTRATION_TOKEN` and other secrets that must never reach a handler;
    /// what a handler needs besides these, the operator sets in its `env` table.
    static let inheritedVariables: Set<String> = [
        "PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME",
    ]

    static func handlerBaseEnvironment(_ runner: [String: String]) -> [String: String] {
        var env = runner.filter { inheritedVariables.contains($0.key) }
        if env["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        return env
    }

    static func killAll() {
        for group in running.withLock({ $0 }) { kill(-group, SIGKILL) }
    }

    static func run(
        command: [String], stdin input: [UInt8], workdir: String?, environment: [String: String],
        timeoutSeconds: Double, maxOutputBytes: Int, cancel: CancelToken, progress: ProgressSink? = nil
    ) -> Result {
        guard !command.isEmpty else { return Result(end: .failedToStart("empty command"), stdout: [], stderrTail: "") }
        // A handler may exit without reading its stdin: the write below must see EPIPE.
        BrokenPipe.ignore()
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard dda_pipe_cloexec(&inPipe) == 0 else { return startFailure() }
        guard dda_pipe_cloexec(&outPipe) == 0 else {
            close(inPipe[0])
            close(inPipe[1])
            return startFailure()
        }
        guard dda_pipe_cloexec(&errPipe) == 0 else {
            for fd in inPipe + outPipe { close(fd) }
            return startFailure()
        }

        // The handler's fd 3: its progress lines (only when someone listens).
        var progressPipe: [Int32] = [-1, -1]
        if progress != nil, dda_pipe_cloexec(&progressPipe) != 0 {
            for fd in inPipe + outPipe + errPipe { close(fd) }
            return startFailure()
        }

        var env = handlerBaseEnvironment(ProcessInfo.processInfo.environment)
        for (name, value) in environment { env[name] = value }
        let argv = command.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let pid = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                dda_spawn(
                    a.baseAddress, e.baseAddress, workdir, inPipe[0], outPipe[1], errPipe[1], progressPipe[1])
            }
        }
        let spawnErrno = errno
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        if progressPipe[1] >= 0 { close(progressPipe[1]) }
        guard pid > 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            if progressPipe[0] >= 0 { close(progressPipe[0]) }
            return Result(end: .failedToStart(String(cString: strerror(spawnErrno))), stdout: [], stderrTail: "")
        }
        running.withLock { _ = $0.insert(pid) }
        defer { running.withLock { _ = $0.remove(pid) } }

        for fd in [inPipe[1], outPipe[0], errPipe[0], progressPipe[0]] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        var progressFD: Int32 = progressPipe[0]
        defer { if progressFD >= 0 { close(progressFD) } }
        var stdinFD: Int32 = inPipe[1]
        var stdoutFD: Int32 = outPipe[0]
        var stderrFD: Int32 = errPipe[0]
        var written = 0
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var end: End?
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        var buffer = [UInt8](repeating: 0, count: 65536)
        if input.isEmpty {
            close(stdinFD)
            stdinFD = -1
        }

        while stdoutFD >= 0 || stderrFD >= 0 {
            if cancel.isCancelled {
                end = .cancelled
                break
            }
            let remaining = deadline - MonotonicClock.seconds()
            if remaining <= 0 {
                end = .timedOut
                break
            }
            var fds: [pollfd] = []
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if progressFD >= 0 { fds.append(pollfd(fd: progressFD, events: Int16(POLLIN), revents: 0)) }
            // Wake at least every 100 ms to notice cancellation.
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 0.1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == progressFD {
                    let n = read(progressFD, &buffer, buffer.count)
                    if n > 0 {
                        progress?.feed(buffer[0..<n])
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(progressFD)
                        progressFD = -1
                    }
                } else if entry.fd == stdinFD {
                    let n = input[written...].withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN || written >= input.count {
                        // Done, or the child closed its stdin (EPIPE): either way stop writing.
                        close(stdinFD)
                        stdinFD = -1
                    }
                } else {
                    let n = read(entry.fd, &buffer, buffer.count)
                    if n > 0 {
                        if entry.fd == stdoutFD {
                            stdout.append(contentsOf: buffer[0..<n])
                            if stdout.count > maxOutputBytes { end = .outputTooLarge }
                        } else {
                            stderr.append(contentsOf: buffer[0..<n])
                            if stderr.count > 4 * stderrTailBytes { stderr.removeFirst(stderr.count - stderrTailBytes) }
                        }
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        if entry.fd == stdoutFD {
                            close(stdoutFD)
                            stdoutFD = -1
                        } else {
                            close(stderrFD)
                            stderrFD = -1
                        }
                    }
                }
            }
            if end != nil { break }
        }
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        var status: Int32 = 0
        var reaped = false
        if end == nil {
            // Both outputs closed: wait for the exit, still bounded by the deadline and cancel.
            while !reaped {
                let rc = waitpid(pid, &status, WNOHANG)
                if rc == pid {
                    reaped = true
                    break
                }
                if rc < 0 && errno != EINTR {
                    reaped = true
                    break
                }
                if cancel.isCancelled {
                    end = .cancelled
                    break
                }
                if MonotonicClock.seconds() >= deadline {
                    end = .timedOut
                    break
                }
                usleep(5_000)
            }
        }
        if !reaped {
            // Timeout, cancel or oversize: the whole group goes, grandchildren included. The
            // leader is not reaped yet, so its group id cannot have been reused.
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        if end == nil {
            let signalled = status & 0x7F
            end = signalled == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signalled)
        }
        let tail = String(decoding: stderr.suffix(stderrTailBytes), as: UTF8.self)
        return Result(end: end ?? .exited(0), stdout: stdout, stderrTail: tail)
    }

    private static func startFailure() -> Result {
        Result(end: .failedToStart(String(cString: strerror(errno))), stdout: [], stderrTail: "")
    }
}
