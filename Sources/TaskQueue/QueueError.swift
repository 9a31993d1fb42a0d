/// Why the queue refused an operation. The server maps each code to the contract's status.
public struct QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// Unknown task (404).
        public static let taskNotFound = Code(name: "task_not_found")
        /// Unknown runner: its registration is gone (401 — it must register again).
        public static let runnerNotFound = Code(name: "runner_not_found")
        /// The operation does not fit the task's state or lease (409).
        public static let conflict = Code(name: "conflict")
        /// The queue is at capacity (503).
        public static let atCapacity = Code(name: "at_capacity")
        /// The journal cannot be written; nothing is acknowledged (503).
        public static let unavailable = Code(name: "unavailable")
        /// The runner already has the most parked long polls it may have (429).
        public static let tooManyPolls = Code(name: "too_many_polls")
        /// Unknown pagination cursor (404).
        public static let cursorNotFound = Code(name: "cursor_not_found")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
