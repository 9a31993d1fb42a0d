/// The version of dda-server and dda-runner: one place for `--version`, `GET /`, the runner's
/// `User-Agent` and registration, and the Debian packages (`make deb` reads it from here).
public let ddaVersion = "0.1.0"
