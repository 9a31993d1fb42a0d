/// Why a JSON value is not the contract shape it should be. The message names the field
/// (`Field \`priority\` must be an integer from -100 to 100.`); the server answers it as a
/// 422 `validation_failed`, the runner as a malformed answer.
public struct ContractError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
