import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `PUT /runners/{runner_id}`: a runner replaces what it declares (name, version, labels,
    /// catalog or codes), so a handler added to its config is served without a new registration.
    func updateRunner(_ r: RouteRequest) throws -> HTTPResponse {
        let claims = try r.runnerClaims()
        guard let runnerID = RunnerID(r.parameter) else {
            throw HTTPError.notFound("No runner with id \(r.parameter.prefix(64)).")
        }
        try requireSameRunner(claims, runnerID)
        r.context.runnerID = runnerID
        let declaration = try RegistrationRequest(json: try Fields(body: r.body).value)
        let runner = try queue.updateRunner(runnerID, declaration)
        logger.info(
            "runner declared",
            metadata: [
                "runner.id": "\(runnerID)", "runner.name": "\(declaration.name.prefix(128))",
                "operation_codes":
                    "\(runner.operationCodes.map { $0.map(String.init).joined(separator: ",") } ?? "any")",
            ])
        return .json(200, try runnerObject(runner).json)
    }

    /// `POST /runners/{runner_id}/pause` and `/resume`.
    func pauseRunner(_ r: RouteRequest, paused: Bool) throws -> HTTPResponse {
        let runnerID = try adminRunnerID(r)
        let runner = try adminAction { () throws(QueueError) in try queue.setPaused(runnerID, paused) }
        logger.notice(paused ? "runner paused" : "runner resumed", metadata: ["runner.id": "\(runnerID)"])
        return .json(200, try runnerObject(runner).json)
    }

    /// `DELETE /runners/{runner_id}`: forgotten, its running tasks pending again at once.
    func deleteRunner(_ r: RouteRequest) throws -> HTTPResponse {
        let runnerID = try adminRunnerID(r)
        let (runner, released) = try adminAction { () throws(QueueError) in try queue.deleteRunner(runnerID) }
        logger.notice(
            "runner deleted",
            metadata: [
                "runner.id": "\(runnerID)", "runner.name": "\(runner.name.prefix(128))",
                "tasks.released": "\(released.count)",
            ])
        let reply: JSONValue = .object(
            JSONObject([
                JSONMember("runner_id", .string(runnerID.description)), JSONMember("name", .string(runner.name)),
                JSONMember("released_tasks", .array(released.map { .string($0.description) })),
                JSONMember(
                    "message",
                    .string(
                        "Runner deleted; \(released.count) running task(s) are pending again. A machine that still holds the registration token can register anew."
                    )),
            ]))
        return .json(200, reply)
    }

    /// `GET /operations`: the codes 100, 200, 300 and every code an online runner declares,
    /// with the catalog entry of the most recently registered runner that describes it.
    func operations() throws -> HTTPResponse {
        struct Entry {
            var info: OperationInfo?
            var declaredAt: Timestamp?
            var runnersOnline = 0
        }
        var entries: [Int64: Entry] = [:]
        for builtIn in OperationInfo.builtIns { entries[builtIn.code] = Entry(info: builtIn) }
        let online = try queue.runners().filter { $0.state != .offline }.map(\.runner)
        for runner in online {
            for code in runner.operationCodes ?? [] where entries[code] == nil { entries[code] = Entry() }
            for info in runner.operations {
                var entry = entries[info.code] ?? Entry()
                if entry.declaredAt.map({ runner.registeredAt >= $0 }) ?? true {
                    entry.info = info
                    entry.declaredAt = runner.registeredAt
                }
                entries[info.code] = entry
            }
        }
        // Linear in what runners declare: a runner without codes counts for every code.
        let serving = online.filter { !$0.paused }
        let anyCode = serving.filter { $0.operationCodes == nil }.count
        for code in entries.keys { entries[code]?.runnersOnline = anyCode }
        for runner in serving {
            for code in runner.operationCodes ?? [] { entries[code]?.runnersOnline += 1 }
        }
        let items: [JSONValue] = entries.keys.sorted().compactMap { code in
            guard let entry = entries[code] else { return nil }
            return .object(
                JSONObject([
                    JSONMember("code", .int(code)), JSONMember("name", JSONValue(entry.info?.name)),
                    JSONMember("description", JSONValue(entry.info?.description)),
                    JSONMember("params_schema", entry.info?.paramsSchema?.json ?? .null),
                    JSONMember("runners_online", .int(Int64(entry.runnersOnline))),
                ]))
        }
        return .json(200, .array(items))
    }

    /// The runner object with its state now.
    private func runnerObject(_ runner: RunnerRecord) throws -> RunnerObject {
        let state = runner.state(now: clock.now(), offlineAfterSeconds: queue.configuration.runnerOfflineAfterSeconds)
        return RunnerObject(runner, state: state)
    }

    /// The `{runner_id}` of an admin route (an unknown or malformed id is 404).
    private func adminRunnerID(_ r: RouteRequest) throws(HTTPError) -> RunnerID {
        guard let id = RunnerID(r.parameter) else {
            throw HTTPError.notFound("No runner with id \(r.parameter.prefix(64)).")
        }
        r.context.runnerID = id
        return id
    }

    /// An admin acts on a runner: an unknown one is 404 (not the runner's own 401).
    private func adminAction<R>(_ body: () throws(QueueError) -> R) throws(HTTPError) -> R {
        do {
            return try body()
        } catch  where error.code == .runnerNotFound {
            throw HTTPError.notFound("No runner with this id (never registered, or deleted).")
        } catch {
            throw httpError(for: error)
        }
    }
}
