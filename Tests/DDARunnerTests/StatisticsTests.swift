import DDAModel
import DDARunner
import Testing

@Suite("Built-in operations")
struct StatisticsTests {
    @Test("300 computes count, sum, mean, median, min, max, stddev")
    func statistics() throws {
        let outcome = StatisticsOperation().run(params: ["values": [2, 4, 4, 4, 5, 5, 7, 9]], cancel: CancelToken())
        guard case .completed(let value) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(value["count"] == 8)
        #expect(value["sum"]?.doubleValue == 40)
        #expect(value["mean"]?.doubleValue == 5)
        #expect(value["median"]?.doubleValue == 4.5)
        #expect(value["min"]?.doubleValue == 2)
        #expect(value["max"]?.doubleValue == 9)
        #expect(value["stddev"]?.doubleValue == 2)
    }

    @Test("300 with an odd count takes the middle value as median")
    func oddMedian() {
        #expect(Statistics([3, 1, 2])?.median == 2)
        #expect(Statistics([1.5])?.stddev == 0)
    }

    @Test(
        "300 refuses bad params with a clear error",
        arguments: [
            (JSONValue.emptyObject, "params.values must be an array of numbers"),
            (["values": "1,2"], "params.values must be an array of numbers"),
            (["values": []], "params.values must not be empty"),
            (["values": [1, "x"]], "params.values[1] is string, not a number"),
        ] as [(JSONValue, String)])
    func badParams(params: JSONValue, message: String) {
        #expect(StatisticsOperation().run(params: params, cancel: CancelToken()) == .failed(message))
    }

    @Test("100 and 200 return exactly the seed's strings; unknown codes fail")
    func seedStrings() {
        let registry = OperationRegistry(OperationRegistry.builtIns)
        #expect(registry.run(code: 100, params: .emptyObject, cancel: CancelToken()) == .completed("raw data"))
        #expect(registry.run(code: 200, params: .emptyObject, cancel: CancelToken()) == .completed("filtered data"))
        #expect(
            registry.run(code: 42, params: .emptyObject, cancel: CancelToken()) == .failed("unknown operation code: 42")
        )
        #expect(registry.codes == [100, 200, 300])
    }
}
