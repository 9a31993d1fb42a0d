import DDAModel

/// How an operation ended.
public enum OperationOutcome: Sendable, Equatable {
    case completed(JSONValue)
    case failed(String)
    /// Stopped because the task was cancelled; nothing is reported.
    case cancelled
}

/// One operation code the runner can execute. Adding an operation is one small type.
public protocol Operation: Sendable {
    var code: Int64 { get }
    /// Runs the operation; long-running ones watch `cancel` and stop when it fires.
    func run(params: JSONValue, cancel: CancelToken) -> OperationOutcome
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

    public func run(code: Int64, params: JSONValue, cancel: CancelToken) -> OperationOutcome {
        guard let operation = operations[code] else { return .failed("unknown operation code: \(code)") }
        return operation.run(params: params, cancel: cancel)
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
