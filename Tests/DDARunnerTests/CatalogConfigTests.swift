import DDAModel
import Testing

@testable import DDARunner

/// The runner's side of the catalog: what the config declares, params checked against the
/// schema before a handler runs, and progress lines from a handler's fd 3.
@Suite("Runner catalog, params schema and progress")
struct CatalogConfigTests {
    static let config = """
        labels = ["gpu", "eu", "gpu"]

        [[handler]]
        operation_code = 777
        name = "Word count"
        description = "Counts words."
        command = ["/bin/cat"]
        [handler.params_schema]
        type = "object"
        required = ["text"]
        [handler.params_schema.properties.text]
        type = "string"
        [handler.params_schema.properties.top]
        type = "integer"
        minimum = 1
        maximum = 100
        default = 10
        [handler.params_schema.properties.mode]
        type = "string"
        enum = ["fast", "exact"]

        [[handler]]
        operation_code = 778
        command = ["/usr/local/bin/analyze.py", "--fast"]
        """

    @Test("handlers declare name, description and schema; built-ins declare theirs; labels once each")
    func declaration() throws {
        let file = try RunnerConfigFile.parse(Self.config)
        #expect(file.labels == ["gpu", "eu"])
        let options = try RunnerOptions.parse(["--server", "https://dda.example.com", "--name", "r"])
        let settings = try RunnerSettings.merge(flags: options, environment: [:], file: file)
        let declaration = settings.declaration
        #expect(declaration.operations.map(\.code) == [100, 200, 300, 777, 778])
        #expect(declaration.operationCodes == [100, 200, 300, 777, 778])
        #expect(declaration.labels == ["gpu", "eu"])
        #expect(declaration.version == RunnerSettings.version)
        let wordCount = try #require(declaration.operations.first { $0.code == 777 })
        #expect(wordCount.name == "Word count")
        #expect(wordCount.paramsSchema?.required == ["text"])
        #expect(declaration.operations.first { $0.code == 778 }?.name == "analyze.py", "named after its program")
        #expect(declaration.operations.first { $0.code == 300 }?.name == "Descriptive statistics")
        // What the server reads back is what was declared.
        #expect(try RegistrationRequest(json: declaration.json()) == declaration)
    }

    @Test(
        "a schema the contract refuses stops the runner naming the handler and the member",
        arguments: [
            ("format = \"email\"", "params_schema.properties.text.format"),
            ("type = \"object\"", "params_schema.properties.text.type"),
            ("type = \"string\"\nminimum = 1", "params_schema.properties.text.minimum"),
        ])
    func badSchema(_ line: String, _ named: String) throws {
        let text = """
            [[handler]]
            operation_code = 777
            command = ["/bin/cat"]
            [handler.params_schema]
            type = "object"
            [handler.params_schema.properties.text]
            \(line.contains("type") ? line : "type = \"string\"\n" + line)
            """
        do {
            _ = try RunnerConfigFile.parse(text)
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.message.contains("handler[1].params_schema"), "\(error.message)")
            #expect(error.message.contains(named), "\(error.message)")
        }
    }

    @Test(
        "params are checked before the handler runs, defaults filled in",
        arguments: [
            (["text": "a"], nil),
            ([:], "params.text is required"),
            (["text": 5], "params.text must be a string, not number"),
            (["text": "a", "top": 0], "params.top must be an integer from 1 to 100"),
            (["text": "a", "top": 2.5], "params.top must be an integer, not number"),
            (["text": "a", "mode": "slow"], "params.mode must be one of \"fast\", \"exact\""),
        ] as [(JSONValue, String?)])
    func validation(_ params: JSONValue, _ refusal: String?) throws {
        let file = try RunnerConfigFile.parse(Self.config)
        let handler = try #require(file.handlers.first)
        let operation = CommandOperation(code: 777, command: ["/bin/cat"], info: handler.info)
        let context = TaskContext(taskID: TaskID.random(), attempt: 1, operationCode: 777, serverURL: "http://x")
        let outcome = operation.run(params: params, context: context, cancel: CancelToken())
        if let refusal {
            #expect(outcome == .failed(refusal))
        } else {
            #expect(outcome == .completed(["text": "a", "top": 10]))
        }
    }

    @Test("a handler's fd 3 lines reach the sink; stdout stays the result")
    func progressLines() throws {
        let sink = ProgressSink()
        let operation = CommandOperation(
            code: 9,
            command: [
                "/bin/sh", "-c",
                "echo '{\"progress\": 20}' >&3; echo 'not json' >&3; echo '{\"progress\": 150, \"message\": \"over\"}' >&3; echo result",
            ])
        let context = TaskContext(
            taskID: TaskID.random(), attempt: 1, operationCode: 9, serverURL: "http://x", progress: sink)
        #expect(operation.run(params: [:], context: context, cancel: CancelToken()) == .completed("result"))
        let (latest, version) = sink.latest
        #expect(version == 2)
        #expect(latest == HeartbeatRequest.ProgressReport(percent: 100, message: "over"))
    }

    @Test("progress lines: split reads, an over-long line skipped, messages cut and cleaned")
    func sinkParsing() {
        let sink = ProgressSink()
        sink.feed(ArraySlice(Array("{\"progress\": 3".utf8)))
        #expect(sink.latest.version == 0)
        sink.feed(ArraySlice(Array("3.5}\n".utf8)))
        #expect(sink.latest.report == HeartbeatRequest.ProgressReport(percent: 33.5, message: nil))
        sink.feed(ArraySlice([UInt8](repeating: 0x41, count: 5000)))
        sink.feed(ArraySlice(Array("{\"progress\": 99}\n{\"progress\": 50, \"message\": \"a\\nb\"}\n".utf8)))
        #expect(sink.latest.report == HeartbeatRequest.ProgressReport(percent: 50, message: "ab"))
        #expect(sink.latest.version == 2, "the over-long line and what followed it on that line are dropped")
        let long = String(repeating: "é", count: 300)
        sink.feed(ArraySlice(Array("{\"progress\": -4, \"message\": \"\(long)\"}\n".utf8)))
        #expect(sink.latest.report?.percent == 0)
        #expect(sink.latest.report?.message?.count == 200)
    }
}
