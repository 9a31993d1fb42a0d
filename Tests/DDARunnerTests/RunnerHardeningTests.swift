import DDAModel
import Foundation
import Testing

@testable import DDARunner

@Suite("Runner hardening")
struct RunnerHardeningTests {
    @Test(
        "loopback hosts are recognised; others are not",
        arguments: [
            ("http://127.0.0.1:8080", true), ("http://127.9.9.9/", true), ("http://localhost", true),
            ("http://LOCALHOST:80/x", true), ("http://[::1]:8080/", true), ("http://user@127.0.0.1/", true),
            ("http://dda.example.com", false), ("http://10.0.0.5:8080", false),
            ("http://127.0.0.1.example.com/", false),
            ("http://[2001:db8::1]/", false), ("http://1270.0.0.1/", false),
            ("http://evil.com@127.0.0.1.nip.io/", false),
        ])
    func loopback(url: String, expected: Bool) {
        #expect(ServerURL.isLoopback(url) == expected, "\(url)")
    }

    private func settings(_ server: String, env: [String: String] = [:], file: RunnerConfigFile = RunnerConfigFile())
        throws -> RunnerSettings
    {
        let flags = try RunnerOptions.parse(["--server", server, "--name", "r"])
        return try RunnerSettings.merge(flags: flags, environment: env, file: file)
    }

    @Test("plain http to another host is refused, naming the way out")
    func insecureRefused() {
        do {
            _ = try settings("http://dda.example.com")
            Issue.record("http:// to another host was accepted")
        } catch {
            #expect((error as? ConfigError)?.message.contains("allow_insecure_http") == true, "\(error)")
        }
    }

    @Test("https anywhere, http to loopback, and http with the opt-in are accepted")
    func acceptedURLs() throws {
        _ = try settings("https://dda.example.com")
        _ = try settings("http://127.0.0.1:8080")
        _ = try settings("http://dda.example.com", env: ["DDA_ALLOW_INSECURE_HTTP": "1"])
        let file = try RunnerConfigFile.parse("allow_insecure_http = true\n")
        _ = try settings("http://dda.example.com", file: file)
        #expect(throws: ConfigError.self) { try RunnerConfigFile.parse("allow_insecure_http = \"yes\"\n") }
    }

    @Test("a handler inherits PATH and locale, never DDA_* or other secrets")
    func minimalEnvironment() {
        let env = ProcessRunner.handlerBaseEnvironment([
            "PATH": "/opt/bin:/usr/bin", "HOME": "/var/lib/dda", "LANG": "C.UTF-8",
            "DDA_REGISTRATION_TOKEN": "secret", "DDA_SERVER_URL": "https://x", "AWS_SECRET_ACCESS_KEY": "k",
            "LD_PRELOAD": "/tmp/x.so",
        ])
        #expect(env == ["PATH": "/opt/bin:/usr/bin", "HOME": "/var/lib/dda", "LANG": "C.UTF-8"])
        #expect(ProcessRunner.handlerBaseEnvironment([:])["PATH"] != nil)
    }

    @Test("a running handler sees no DDA_* variable, only its configured env")
    func handlerSeesNoSecrets() throws {
        setenv("DDA_REGISTRATION_TOKEN", "must-not-leak", 1)
        defer { unsetenv("DDA_REGISTRATION_TOKEN") }
        let result = ProcessRunner.run(
            command: ["/usr/bin/env"], stdin: [], workdir: nil, environment: ["MINE": "1"],
            timeoutSeconds: 10, maxOutputBytes: 1 << 20, cancel: CancelToken())
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(result.end == .exited(0))
        #expect(!text.contains("DDA_"), "\(text)")
        #expect(text.contains("MINE=1"))
        #expect(text.contains("PATH="))
    }

    /// Reproduces a fresh-clone CI death by signal 13: a handler that exits without reading
    /// its stdin made the runner's write raise SIGPIPE, which kills any process that has not
    /// ignored it. Run in a child process with SIGPIPE at its default, as in a program that
    /// uses the module without dda-runner's main.
    @Test("a handler that exits without reading its stdin does not kill the runner's process")
    func handlerIgnoringStdin() async {
        await #expect(processExitsWith: .success) {
            signal(SIGPIPE, SIG_DFL)
            // 1 MiB is far more than a pipe holds, so the write meets the closed end.
            let result = ProcessRunner.run(
                command: ["/bin/sh", "-c", "exec 0<&-; exit 0"], stdin: [UInt8](repeating: 0x61, count: 1 << 20),
                workdir: nil, environment: [:], timeoutSeconds: 10, maxOutputBytes: 1 << 20, cancel: CancelToken())
            exit(result.end == .exited(0) ? 0 : 1)
        }
    }

    /// Found in review: libcurl opens its sockets without close-on-exec and the runner keeps
    /// its connections between requests, so every handler inherited them.
    @Test("a handler inherits no descriptor of the runner but its stdin, stdout, stderr and progress fd")
    func handlerInheritsNoSocket() throws {
        // As libcurl opens them: no SOCK_CLOEXEC.
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socketFD > 3)
        defer { close(socketFD) }
        let result = ProcessRunner.run(
            command: ["/bin/sh", "-c", "if [ -e /proc/$$/fd/\(socketFD) ]; then echo inherited; else echo clean; fi"],
            stdin: [], workdir: nil, environment: [:], timeoutSeconds: 10, maxOutputBytes: 1 << 20,
            cancel: CancelToken())
        #expect(result.end == .exited(0))
        #expect(String(decoding: result.stdout, as: UTF8.self) == "clean\n")
    }

    private func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dda-runner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a config file may start with one byte-order mark, not two; not UTF-8 is refused")
    func byteOrderMarks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = Array("concurrency = 3\n".utf8)
        try Data(bom + body).write(to: URL(fileURLWithPath: dir + "/one.toml"))
        #expect(try RunnerConfigFile.load(path: dir + "/one.toml").concurrency == 3)
        try Data(bom + bom + body).write(to: URL(fileURLWithPath: dir + "/two.toml"))
        #expect {
            try RunnerConfigFile.load(path: dir + "/two.toml")
        } throws: { error in
            (error as? ConfigError)?.message.hasPrefix(dir + "/two.toml:1: ") == true
        }
        try Data(body + [0xFF]).write(to: URL(fileURLWithPath: dir + "/latin1.toml"))
        #expect {
            try RunnerConfigFile.load(path: dir + "/latin1.toml")
        } throws: { error in
            (error as? ConfigError)?.message == dir + "/latin1.toml is not UTF-8 text"
        }
    }

    @Test("state and lock files behind a symlink are refused; a planted temp-file link is not followed")
    func noFollow() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/target"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: target))
        let state = RunnerState(
            server: "https://x", name: "r",
            registration: Registration(runnerID: RunnerID.random(), runnerToken: "t"),
            registeredAt: Timestamp(milliseconds: 0))

        try FileManager.default.createSymbolicLink(atPath: dir + "/state.json", withDestinationPath: target)
        #expect(throws: ConfigError.self) { try RunnerState.load(path: dir + "/state.json") }
        try FileManager.default.createSymbolicLink(atPath: dir + "/state.json.lock", withDestinationPath: target)
        #expect(throws: ConfigError.self) { _ = try StateLock.acquire(statePath: dir + "/state.json") }

        // The temp file a save writes first: a link planted there is removed, not written through.
        try FileManager.default.createSymbolicLink(
            atPath: dir + "/real.json.tmp.\(getpid())", withDestinationPath: target)
        try state.save(path: dir + "/real.json")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        #expect(try RunnerState.load(path: dir + "/real.json") == state)
    }
}
