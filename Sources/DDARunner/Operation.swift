import DDAModel

/// How an operation ended.
public enum OperationOutcome: Sendable, Equatable {
    case completed(JSONValue)
    case failed(String)
    /// Stopped because the task was cancelled; nothing is reported.
    case cancelled
}

/// What a handler is told about the task it runs (no secrets): its environment's `DDA_*`,
/// and where its progress lines go.
public struct TaskContext: Sendable, Equatable {
    public var taskID: TaskID
    public var attempt: Int
    public var operationCode: Int64
    public var serverURL: String
    /// Takes the handler's progress (its fd 3); nil: nobody listens.
    public var progress: ProgressSink?

    public init(taskID: TaskID, attempt: Int, operationCode: Int64, serverURL: String, progress: ProgressSink? = nil) {
        self.taskID = taskID
        self.attempt = attempt
        self.operationCode = operationCode
        self.serverURL = serverURL
        self.progress = progress
    }

    public static func == (a: TaskContext, b: TaskContext) -> Bool {
        a.taskID == b.taskID && a.attempt == b.attempt && a.operationCode == b.operationCode
            && a.serverURL == b.serverURL && a.progress === b.progress
    }

    /// `DDA_TASK_ID`, `DDA_ATTEMPT`, `DDA_OPERATION_CODE`, `DDA_SERVER_URL`.
    public var environment: [String: String] {
        [
            "DDA_TASK_ID": taskID.description, "DDA_ATTEMPT": String(attempt),
            "DDA_OPERATION_CODE": String(operationCode), "DDA_SERVER_URL": serverURL,
        ]
    }
}

/// One operation code the runner can execute. Adding an operation is one small type.
public protocol Operation: Sendable {
    var code: Int64 { get }
    /// What the runner declares for the code: name, description, params schema.
    var info: OperationInfo { get }
    /// Runs the operation; long-running ones watch `cancel` and stop when it fires.
    func run(params: JSONValue, cancel: CancelToken) -> OperationOutcome
    /// Runs it for a leased task (an operator's handler gets the task's context in its
    /// environment; the built-ins need none of it).
    func run(params: JSONValue, context: TaskContext, cancel: CancelToken) -> OperationOutcome
}

extension Operation {
    /// A built-in's catalog entry (or a bare one for an operation that has none).
    public var info: OperationInfo {
        OperationInfo.builtIns.first { $0.code == code } ?? OperationInfo(code: code, name: "Operation \(code)")
    }

    public func run(params: JSONValue, context: TaskContext, cancel: CancelToken) -> OperationOutcome {
        run(params: params, cancel: cancel)
    }
}

/// The operations a runner offers, by code.
public struct OperationRegistry: Sendable {
    public private(set) var operations: [Int64: any Operation] = [:]

    public init(_ operations: [any Operation] = []) {
        for operation in operations { register(operation) }
    }

    /// The built-in operations 100, 200 and 300.
    public static let builtIns: [any Operation] = [RawDataOperation(), FilteredDataOperation(), StatisticsOperation()]

    /// Adds or replaces (an operator's handler may take over a built-in code).
    public mutating func register(_ operation: any Operation) {
        operations[operation.code] = operation
    }

    public var codes: [Int64] { operations.keys.sorted() }

    /// The catalog the runner declares: one entry per code, by code.
    public var catalog: [OperationInfo] { codes.compactMap { operations[$0]?.info } }

    public func run(code: Int64, params: JSONValue, cancel: CancelToken) -> OperationOutcome {
        guard let operation = operations[code] else { return .failed("unknown operation code: \(code)") }
        return operation.run(params: params, cancel: cancel)
    }

    /// Runs the operation of a leased task, with the task's context.
    public func run(_ context: TaskContext, params: JSONValue, cancel: CancelToken) -> OperationOutcome {
        guard let operation = operations[context.operationCode] else {
            return .failed("unknown operation code: \(context.operationCode)")
        }
        return operation.run(params: params, context: context, cancel: cancel)
    }
}

/// 100: the seed's raw data.
public struct RawDataOperation: Operation {
    public let code: Int64 = 100
    public init() {}
    public func run(params: JSONValue, cancel: CancelToken) -> OperationOutcome { .completed("raw data") }
}

/// 200: the seed's filtered data.
public struct FilteredDataOperation: Operation {
    public let code: Int64 = 200
    public init() {}
    public func run(params: JSONValue, cancel: CancelToken) -> OperationOutcome { .completed("filtered data") }
}

/// 300: descriptive statistics of `params.values`.
public struct StatisticsOperation: Operation {
    public let code: Int64 = 300
    public init() {}

    public func run(params: JSONValue, cancel: CancelToken) -> OperationOutcome {
        guard case .array(let elements)? = params["values"] else {
            return .failed("params.values must be an array of numbers")
        }
        var values: [Double] = []
        values.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard let value = element.doubleValue else {
                return .failed("params.values[\(index)] is \(element.typeName), not a number")
            }
            values.append(value)
        }
        guard let stats = Statistics(values) else { return .failed("params.values must not be empty") }
        return .completed(stats.json)
    }
}

/// count, sum, mean, median, min, max and the population standard deviation.
public struct Statistics: Sendable, Equatable {
    public var count: Int
    public var sum: Double
    public var mean: Double
    public var median: Double
    public var min: Double
    public var max: Double
    public var stddev: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = values.count
        sum = values.reduce(0, +)
        mean = sum / Double(count)
        let middle = count / 2
        median = count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted[0]
        max = sorted[count - 1]
        // Two-pass variance: stable for values far from zero.
        let meanValue = mean
        let variance = values.reduce(0) { $0 + ($1 - meanValue) * ($1 - meanValue) } / Double(count)
        stddev = variance.squareRoot()
    }

    public var json: JSONValue {
        [
            "count": .int(Int64(count)), "sum": .double(sum), "mean": .double(mean), "median": .double(median),
            "min": .double(min), "max": .double(max), "stddev": .double(stddev),
        ]
    }
}
