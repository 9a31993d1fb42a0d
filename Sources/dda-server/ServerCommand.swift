import ArgumentParser
import DDAServer
import LogLines
import Logging
import ServerApp

#if canImport(Glibc)
    import Glibc
#endif

/// `dda-server`: argument parsing only; `ServerSettings` resolves the settings and
/// `ServerLifecycle` runs the server.
@main
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dda-server",
        abstract: "The DDA API server: a FastCGI process behind nginx that queues analysis tasks for runners.",
        discussion: """
            Every option can also be set by the environment variable named in its help; a flag wins over \
            the environment. Prefer the environment (or systemd's EnvironmentFile) for secrets: flags are \
            visible in the process list.

            At least one API key is required. Generate one with:
              export DDA_API_KEYS="$(openssl rand -hex 32)"

            Signals: SIGTERM/SIGINT drain and stop; SIGHUP compacts the journal.

            Exit codes: 0 stopped by SIGTERM/SIGINT; 64 bad usage; 71 cannot open the socket or start \
            threads; 78 configuration error (no API key, no registration token, weak secret, a value out \
            of range, unreadable or corrupt state directory).
            """,
        version: ddaVersion
    )

    @OptionGroup var options: ServerOptions

    func run() throws {
        ServerLifecycle.blockStopSignals()
        let settings: ServerSettings
        do {
            settings = try ServerSettings(options: options, environment: Environment())
        } catch {
            writeStandardError("dda-server: \(error.message)\n")
            throw ExitCode(78)
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
        do {
            try ServerLifecycle(settings: settings, logger: Logger(label: "dda.server")).run()
        } catch {
            writeStandardError("dda-server: \(error.message)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = Glibc.write(2, &bytes, bytes.count)
}
