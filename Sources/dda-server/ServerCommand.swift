import ArgumentParser
import DDAModel
import DDAServer
import LogLines
import Logging
import ServerApp
import TaskQueue

#if canImport(Glibc)
    import Glibc
#endif

/// `dda-server`: argument parsing only. Without a subcommand it serves; `ServerSettings`
/// resolves the settings and `ServerLifecycle` runs the server.
@main
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dda-server",
        abstract: "The DDA API server: a FastCGI process behind nginx that queues analysis tasks for runners.",
        discussion: """
            Without a subcommand it serves: `dda-server --socket /run/dda/api.sock` is `dda-server serve …`. \
            The options, their environment variables and the exit codes: dda-server serve --help.
            """,
        version: ddaVersion,
        subcommands: [Serve.self, Import.self, Backup.self],
        defaultSubcommand: Serve.self
    )
}

/// `dda-server [serve]`: the server.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API (the default).",
        discussion: """
            Every option can also be set by the environment variable named in its help; a flag wins over \
            the environment. Prefer the environment (or systemd's EnvironmentFile) for secrets: flags are \
            visible in the process list.

            At least one API key is required. Generate one with:
              export DDA_API_KEYS="$(openssl rand -hex 32)"

            Signals: SIGTERM/SIGINT drain and stop; SIGHUP compacts the journal.

            Exit codes: 0 stopped by SIGTERM/SIGINT; 64 bad usage; 71 cannot open the socket or start \
            threads; 75 the database cannot be reached at start (try again); 78 configuration error (no API \
            key, no registration token, weak secret, a value out of range, unreadable or corrupt state \
            directory, a database that refuses).
            """
    )

    @OptionGroup var options: ServerOptions

    func run() throws {
        ServerLifecycle.blockStopSignals()
        let settings: ServerSettings
        do {
            settings = try ServerSettings(options: options, environment: Environment())
        } catch {
            StandardError.write("dda-server: \(error.message)\n")
            throw ExitCode(78)
        }
        let (level, format) = (settings.logLevel, settings.logFormat)
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level, format: format) }
        do {
            try ServerLifecycle(settings: settings, logger: Logger(label: "dda.server")).run()
        } catch {
            StandardError.write("dda-server: \(error.message)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

/// `dda-server import`: move a journal's queue into an empty PostgreSQL database.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the queue of a state directory (journal) into an empty PostgreSQL database.",
        discussion: """
            Stop the server first. Copies every task (with its events and result), every runner \
            registration and every live idempotency key in one transaction, and refuses a database \
            that already holds tasks or runners. Runners keep their tokens if the servers on the \
            database use the same DDA_JWT_SECRET as before (the one in the state directory's \
            jwt-secret file when none was set).

            Exit codes: 0 copied; 75 the database cannot be reached; 78 the journal cannot be read or \
            the database is not empty.
            """
    )

    @Option(help: "The state directory of the embedded store (DDA_STATE_DIR).")
    var stateDir: String

    @Option(help: "The PostgreSQL connection string (DDA_DATABASE_URL).")
    var databaseURL: String

    func run() throws {
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: .info) }
        let logger = Logger(label: "dda.import")
        do {
            let report = try JournalImport.run(stateDirectory: stateDir, databaseURL: databaseURL, logger: logger)
            logger.info(
                "imported",
                metadata: [
                    "tasks": "\(report.tasks)", "events": "\(report.events)", "runners": "\(report.runners)",
                    "idempotency_keys": "\(report.idempotencyKeys)",
                ])
        } catch {
            StandardError.write("dda-server import: \(error.message)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

/// `dda-server backup`: a consistent snapshot of the embedded store while the server runs.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent snapshot of a state directory to a file (the server may keep running).",
        discussion: """
            Reads the newest snapshot and the journals after it without writing to the directory (a \
            record being written at that moment is left out: it was not acknowledged yet) and writes \
            one snapshot file, atomically, mode 0600. To restore, stop the server, move the old state \
            directory away and put the backup into an empty one as snapshot-1.dat:
              install -d -m 0700 -o dda -g dda /var/lib/dda/state
              install -m 0600 -o dda -g dda backup.dat /var/lib/dda/state/snapshot-1.dat
            Run it as the user that owns the state directory (or root). For the PostgreSQL store use \
            pg_dump (README, "Scaling out").

            Exit codes: 0 written; 78 the state directory cannot be read or the file cannot be written.
            """
    )

    @Option(help: "The state directory of the embedded store (DDA_STATE_DIR).")
    var stateDir: String

    @Option(help: "The file to write (replaced atomically).")
    var to: String

    func run() throws {
        do {
            let report = try TaskQueue.backup(stateDirectory: stateDir, to: to)
            print(
                "dda-server backup: \(report.tasks) tasks, \(report.runners) runners, \(report.bytes) bytes from \(report.files) file(s) written to \(to)"
            )
        } catch {
            StandardError.write("dda-server backup: \(error.message)\n")
            throw ExitCode(78)
        }
    }
}
