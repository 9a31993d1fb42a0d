import DDAModel
import Testing

/// The contract's shapes as one type each: what the server writes, the runner reads back
/// unchanged, and a shape that breaks a rule is refused with the field named.
@Suite("Contract types")
struct ContractTypesTests {
    private let t0 = Timestamp(milliseconds: 1_764_547_200_123)
    private let task = TaskID.random()
    private let runner = RunnerID.random()

    private func roundTrip<T: Equatable>(
        _ value: T, _ json: (T) -> JSONValue,
        _ read: (JSONValue) throws(ContractError) -> T
    ) throws {
        let text = JSONWriter.encode(json(value))
        let back = try read(try JSONParser.parse(text))
        #expect(back == value, "\(String(decoding: text, as: UTF8.self))")
    }

    @Test("every shape survives writing and reading back")
    func roundTrips() throws {
        let object = TaskObject(
            taskID: task, operationCode: 300, params: ["numbers": [1, 2.5]], status: .completed, priority: -3,
            attempts: 2, maxAttempts: 5, timeoutSeconds: 60, runnerID: runner, createdAt: t0, startedAt: t0,
            completedAt: t0, leaseExpiresAt: nil, resultData: ["mean": 1.75], error: nil,
            events: [
                TaskEvent(at: t0, kind: .created),
                TaskEvent(at: t0, kind: .leased, runnerID: runner, detail: "attempt 1"),
            ])
        try roundTrip(object, \.json, TaskObject.init(json:))
        var truncated = object
        (truncated.params, truncated.paramsTruncated, truncated.resultTruncated, truncated.events) = (
            .null, true, true, nil
        )
        try roundTrip(truncated, \.json, TaskObject.init(json:))
        try roundTrip(
            TaskResultObject(
                taskID: task, status: .failed, resultData: .null, runnerID: runner, error: "boom",
                completedAt: t0), \.json, TaskResultObject.init(json:))
        try roundTrip(
            TaskLease(
                taskID: task, operationCode: 7, params: [:], attempt: 3, leaseExpiresAt: t0,
                timeoutSeconds: 30), \.json, TaskLease.init(json:))
        try roundTrip(
            Registration(runnerID: runner, runnerToken: "a.b.c", tokenExpiresAt: t0), \.json,
            Registration.init(json:))
        try roundTrip(
            RegistrationRequest(name: "r \"1\"", operationCodes: [100, 200]), { $0.json() },
            RegistrationRequest.init(json:))
        try roundTrip(
            RegistrationRequest(name: "any", operationCodes: nil), { $0.json() }, RegistrationRequest.init(json:))
        try roundTrip(HeartbeatRequest(runnerID: runner, taskID: task), \.json, HeartbeatRequest.init(json:))
        try roundTrip(HeartbeatReply(leaseExpiresAt: t0, cancelled: false), \.json, HeartbeatReply.init(json:))
        try roundTrip(HeartbeatReply(leaseExpiresAt: nil, cancelled: true), \.json, HeartbeatReply.init(json:))
        try roundTrip(
            ResultSubmission(
                taskID: task, runnerID: runner, status: .completed, resultData: [1, "x"],
                error: nil, attempt: 2), \.json, ResultSubmission.init(json:))
        try roundTrip(
            NewTask(operationCode: 100, params: ["a": 1], priority: 5, maxAttempts: 2, timeoutSeconds: 9),
            \.json, NewTask.init(json:))
        try roundTrip(
            TaskCreated(taskID: task, status: .pending, message: "Task created."), \.json, TaskCreated.init(json:))
        try roundTrip(
            RunnerObject(
                runnerID: runner, name: "w", operationCodes: nil, registeredAt: t0, lastSeenAt: t0,
                state: .busy), \.json, RunnerObject.init(json:))
        try roundTrip(
            ErrorBody(code: "validation_failed", message: "Field `x` is required."), \.json, ErrorBody.init(json:))
    }

    @Test("the task object's members come in the contract's order")
    func memberOrder() throws {
        let object = TaskObject(
            taskID: task, operationCode: 1, params: [:], status: .pending, priority: 0, attempts: 0, maxAttempts: 3,
            timeoutSeconds: 300, runnerID: nil, createdAt: t0, startedAt: nil, completedAt: nil, leaseExpiresAt: nil,
            resultData: .null, error: nil)
        guard case .object(let members) = object.json else {
            Issue.record("not an object")
            return
        }
        #expect(
            members.keys == [
                "task_id", "operation_code", "params", "status", "priority", "attempts", "max_attempts",
                "timeout_seconds", "runner_id", "created_at", "started_at", "completed_at",
                "lease_expires_at", "result_data", "error", "progress",
            ])
    }

    @Test(
        "a request that breaks a rule is refused with the field named",
        arguments: [
            (#"{"params":{}}"#, "Field `operation_code` is required (an integer from 1 to 999999)."),
            (#"{"operation_code":"100"}"#, "Field `operation_code` must be an integer from 1 to 999999."),
            (#"{"operation_code":1,"params":[]}"#, "Field `params` must be a JSON object, not array."),
            (#"{"operation_code":1,"priority":101}"#, "Field `priority` must be an integer from -100 to 100."),
            (#"[1]"#, "The body must be a JSON object, not array."),
        ])
    func newTaskRefusals(body: String, message: String) throws {
        #expect(throws: ContractError(message)) { try NewTask(json: try JSONParser.parse(Array(body.utf8))) }
    }

    @Test(
        "a result names its first broken field",
        arguments: [
            (#"{"task_id":"x"}"#, "Field `runner_id` is required."),
            (#"{"runner_id":"RUNNER","task_id":"nope"}"#, "Field `task_id` must be a UUID string."),
            (
                #"{"runner_id":"RUNNER","task_id":"TASK","status":"completed"}"#,
                "Field `result_data` is required (any JSON value, null when there is none)."
            ),
            (
                #"{"runner_id":"RUNNER","task_id":"TASK","result_data":null,"status":"done"}"#,
                "Field `status` must be \"completed\" or \"failed\"."
            ),
            (
                #"{"runner_id":"RUNNER","task_id":"TASK","result_data":null,"status":"failed","attempt":0}"#,
                "Field `attempt` must be an integer from 1 to 2147483647."
            ),
        ])
    func resultRefusals(body: String, message: String) throws {
        let text = body.split(separator: "RUNNER", omittingEmptySubsequences: false).joined(
            separator: runner.description
        )
        .split(separator: "TASK", omittingEmptySubsequences: false).joined(separator: task.description)
        #expect(throws: ContractError(message)) { try ResultSubmission(json: try JSONParser.parse(Array(text.utf8))) }
    }

    @Test("registration names and codes follow the field rules")
    func registrationRules() throws {
        #expect(throws: ContractError("Field `name` must be 1 to 128 characters without control characters.")) {
            try RegistrationRequest(json: ["name": "tab\there"])
        }
        #expect(throws: ContractError("Field `operation_codes` must hold integers from 1 to 999999.")) {
            try RegistrationRequest(json: ["name": "r", "operation_codes": [1, 0]])
        }
        #expect(throws: ContractError("Field `operation_codes` must hold 1 to 256 codes (leave it out for any code)."))
        {
            try RegistrationRequest(json: ["name": "r", "operation_codes": []])
        }
        #expect(try RegistrationRequest(json: ["name": "r", "operation_codes": nil]).operationCodes == nil)
    }

    @Test("a task id and a runner id are different types with the same text form")
    func typedIDs() throws {
        let text = "01234567-89ab-4def-8123-456789abcdef"
        let taskID = try #require(TaskID(text))
        let runnerID = try #require(RunnerID(text.uppercased()))
        #expect(taskID.description == text)
        #expect(runnerID.description == text)
        #expect(taskID.uuid == runnerID.uuid)
        #expect(TaskID("not-a-uuid") == nil)
        // A lease read by the runner carries a typed id: a malformed one is refused, not passed on.
        #expect(throws: ContractError("Field `task_id` must be a UUID string.")) {
            try TaskLease(json: [
                "task_id": "42", "operation_code": 1, "attempt": 1,
                "lease_expires_at": .string(t0.rfc3339),
            ])
        }
    }
}
