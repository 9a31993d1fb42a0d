#if canImport(Glibc)
    import Glibc
#endif

/// Reads a whole file (at most `maxBytes`) into memory, retrying interrupted reads; nil with
/// `errno` set when it cannot be opened. The journal's replay and the server's credentials
/// read files this one way.
public func readFileBytes(_ path: String, maxBytes: Int = Int.max) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    var bytes = [UInt8](repeating: 0, count: min(maxBytes, max(0, Int(info.st_size))))
    var filled = 0
    while filled < bytes.count {
        let n = bytes[filled...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        filled += n
    }
    if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
    return bytes
}
