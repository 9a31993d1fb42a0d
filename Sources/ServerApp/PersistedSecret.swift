import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// The generated JWT secret of a server with a state directory but no DDA_JWT_SECRET, kept in
/// `<state-dir>/jwt-secret` (mode 0600) so runner tokens keep working after a restart.
enum PersistedSecret {
    static func load(directory: String) throws(ConfigurationError) -> [UInt8] {
        var info = stat()
        if stat(directory, &info) != 0, mkdir(directory, 0o700) != 0 {
            throw ConfigurationError(
                message: "cannot create the state directory \(directory): \(String(cString: strerror(errno)))")
        }
        let path = directory + "/jwt-secret"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buffer, buffer.count)
            guard n >= 32 else {
                throw ConfigurationError(
                    message: "\(path) is damaged (shorter than 32 bytes); delete it (runners then register again)")
            }
            return Array(buffer[0..<n])
        }
        guard errno == ENOENT else {
            throw ConfigurationError(message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        let secret = (0..<64).map { _ in hex[Int.random(in: 0..<16, using: &rng)] }
        do {
            try AtomicFile.write(secret, to: path, mode: 0o600)
        } catch {
            throw ConfigurationError(message: "cannot write \(path): \(error.description)")
        }
        return secret
    }
}
