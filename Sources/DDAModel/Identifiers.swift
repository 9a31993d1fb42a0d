/// An id of the contract: a lower-case UUID v4 on the wire, 16 bytes in memory. Task and
/// runner ids are distinct types so one cannot be passed where the other is meant.
public protocol UUIDIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    var uuid: UUID4 { get }
    init(_ uuid: UUID4)
}

extension UUIDIdentifier {
    /// Parses the canonical 8-4-4-4-12 form (upper-case hex accepted).
    public init?(_ text: some StringProtocol) {
        guard let uuid = UUID4(text) else { return nil }
        self.init(uuid)
    }

    /// A new random id from the system's CSPRNG.
    public static func random() -> Self { Self(UUID4.random()) }

    public var description: String { uuid.description }

    public static func < (a: Self, b: Self) -> Bool { a.uuid < b.uuid }
}

/// The ID of a task.
public struct TaskID: UUIDIdentifier {
    public let uuid: UUID4
    public init(_ uuid: UUID4) { self.uuid = uuid }
}

/// The ID of a runner.
public struct RunnerID: UUIDIdentifier {
    public let uuid: UUID4
    public init(_ uuid: UUID4) { self.uuid = uuid }
}
