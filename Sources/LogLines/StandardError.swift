#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard error without stdio: both binaries' log lines and their last words before an
/// exit. One `write(2)` per call while the descriptor takes it whole, so lines from several
/// threads do not interleave; a short write continues where it stopped.
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                #if canImport(Glibc)
                    let n = Glibc.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                #else
                    let n = Darwin.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                #endif
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
