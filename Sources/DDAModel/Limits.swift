/// The range rules of the contract, shared by the server's validation and the runner.
public enum Limits {
    public static let operationCodes: ClosedRange<Int64> = 1...999_999
    public static let priority: ClosedRange<Int64> = -100...100
    public static let maxAttempts: ClosedRange<Int64> = 1...100
    public static let timeoutSeconds: ClosedRange<Int64> = 1...86_400
    public static let wait: ClosedRange<Int64> = 0...30
    /// `delay_seconds` of a new task: up to a year.
    public static let delaySeconds: ClosedRange<Int64> = 0...31_536_000
    public static let nameLength: ClosedRange<Int> = 1...128
    public static let maxOperationCodesPerRunner = 256
    public static let idempotencyKeyLength = 128
    public static let listLimit: ClosedRange<Int64> = 1...1000
    /// Tasks in one `POST /tasks/batch`.
    public static let batchTasks: ClosedRange<Int> = 1...1000
    /// Leases in one answer (`GET /tasks?max=N`, `POST /results?next=N`).
    public static let batchLeases: ClosedRange<Int64> = 1...100
    /// Results in one `POST /results`.
    public static let batchResults: ClosedRange<Int> = 0...100
    /// The most body bytes parsed before the caller is known (routes whose credential may
    /// come in the body); a larger anonymous body is 413.
    public static let anonymousBodyBytes = 64 << 10
    /// In `GET /tasks/all`, `params` or `result_data` larger than this (serialized) is
    /// replaced by null with `params_truncated` / `result_truncated`.
    public static let listItemValueBytes = 4 << 10
    /// A result's `error` is kept up to this many bytes (longer ones are cut, marked with
    /// "…"), so a task object, and a page of them, stays small whatever a runner sends.
    public static let errorBytes = 4 << 10

    public static let defaultPriority: Int64 = 0
    public static let defaultMaxAttempts: Int64 = 3
    public static let defaultTimeoutSeconds: Int64 = 300
    public static let defaultListLimit: Int64 = 100
}
