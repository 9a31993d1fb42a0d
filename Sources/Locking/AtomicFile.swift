#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file could not be replaced; the message names the file and the system's reason.
public struct AtomicFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Replaces a file all at once, so a crash leaves the old content or the new, never half:
/// a temporary file beside it (`O_EXCL | O_NOFOLLOW`: a planted link is neither followed nor
/// reused), written, fsynced, renamed over the file, and the directory fsynced.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(AtomicFileError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let temporary = "\(path).tmp.\(getpid())"
        unlink(temporary) // a leftover of a crashed run with the same pid (a link is removed, not followed)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let error = failure("cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let error = failure("cannot fsync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
        syncDirectory(directory.isEmpty ? "/" : directory)
    }

    /// fsyncs a directory, so a rename or a new file in it survives a crash.
    public static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func failure(_ what: String) -> AtomicFileError {
        AtomicFileError(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
