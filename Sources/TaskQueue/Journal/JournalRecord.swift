import DDAModel

/// The records of the journal and the snapshot. Records carry state, not operations: a task
/// record holds the task's whole mutable state after a change (its immutable part — code,
/// params, priority — only when it is created), so replay is "last record wins" and does not
/// depend on re-running the scheduler with the same clock.
enum JournalRecord: Equatable {
    /// A task after a change. `created` records also carry the immutable fields.
    case task(TaskRecord, created: Bool, idempotencyKey: String?, idempotencyExpires: Int64?)
    case runner(RunnerRecord)
    /// An admin deleted the runner.
    case runnerDeleted(RunnerID)
    /// An idempotency key whose task may already be gone (snapshots only).
    case idempotency(key: String, taskIDs: [TaskID], expires: Int64)
    /// The first record of a snapshot: where sequence numbers continue.
    case snapshotHeader(nextSeq: Int64)

    // MARK: Encoding

    var json: JSONValue {
        switch self {
        case .task(let task, let created, let key, let expires):
            var o = JSONObject()
            o["t"] = .string(created ? "task+" : "task")
            o["id"] = .string(task.id.description)
            if created {
                o["code"] = .int(task.operationCode)
                o["params"] = task.params
                o["priority"] = .int(task.priority)
                o["max_attempts"] = .int(Int64(task.maxAttempts))
                o["timeout"] = .int(task.timeoutSeconds)
                o["created"] = .int(task.createdAt.milliseconds)
                o["seq"] = .int(task.creationSeq)
                if let key, let expires {
                    o["idem"] = .string(key)
                    o["idem_exp"] = .int(expires)
                }
            }
            o["status"] = .string(task.status.rawValue)
            o["attempts"] = .int(Int64(task.attempts))
            if let r = task.runnerID { o["runner"] = .string(r.description) }
            if let t = task.startedAt { o["started"] = .int(t.milliseconds) }
            if let t = task.completedAt { o["completed"] = .int(t.milliseconds) }
            if let t = task.leaseExpiresAt { o["lease"] = .int(t.milliseconds) }
            o["available"] = .int(task.availableAt.milliseconds)
            if let e = task.error { o["error"] = .string(e) }
            if let d = task.resultData { o["result"] = d }
            if let a = task.acceptedResult {
                var ao = JSONObject()
                ao["runner"] = .string(a.runnerID.description)
                ao["attempt"] = .int(Int64(a.attempt))
                ao["status"] = .string(a.status.rawValue)
                if let e = a.error { ao["error"] = .string(e) }
                // Usually the same as the task's result: store it once.
                if a.resultData != task.resultData { ao["data"] = a.resultData }
                o["accepted"] = .object(ao)
            }
            if let p = task.progress { o["progress"] = Self.encodeProgress(p) }
            o["events"] = .array(task.events.map(Self.encodeEvent))
            return .object(o)
        case .runner(let runner):
            var o = JSONObject()
            o["t"] = "runner"
            o["id"] = .string(runner.id.description)
            o["name"] = .string(runner.name)
            if let codes = runner.operationCodes { o["codes"] = .array(codes.map { .int($0) }) }
            o["registered"] = .int(runner.registeredAt.milliseconds)
            o["seen"] = .int(runner.lastSeenAt.milliseconds)
            if let version = runner.version { o["version"] = .string(version) }
            if !runner.labels.isEmpty { o["labels"] = .array(runner.labels.map { .string($0) }) }
            if !runner.operations.isEmpty { o["ops"] = .array(runner.operations.map(\.json)) }
            if runner.paused { o["paused"] = true }
            return .object(o)
        case .runnerDeleted(let id):
            return ["t": "runner-", "id": .string(id.description)]
        case .idempotency(let key, let taskIDs, let expires):
            var o = JSONObject([
                JSONMember("t", "idem"), JSONMember("key", .string(key)), JSONMember("exp", .int(expires)),
            ])
            // One id (`POST /task`) as `id`, as version 1 wrote it; a batch's as `ids`.
            if taskIDs.count == 1 {
                o["id"] = .string(taskIDs[0].description)
            } else {
                o["ids"] = .array(taskIDs.map { .string($0.description) })
            }
            return .object(o)
        case .snapshotHeader(let nextSeq):
            return ["t": "snapshot", "next_seq": .int(nextSeq), "version": 1]
        }
    }

    /// The record's bytes: `json`'s encoding, byte for byte. A task record — three or more
    /// per task, written under the queue's lock — is written straight to the writer without
    /// building its JSON tree first (the tree's allocations were most of the journal's cost).
    var bytes: [UInt8] {
        guard case .task(let task, let created, let key, let expires) = self else { return JSONWriter.encode(json) }
        var w = JSONWriter(capacity: 512)
        func member(_ name: StaticString, first: Bool = false) {
            w.writeRaw(first ? "{\"" : ",\"")
            w.writeStatic(name)
            w.writeRaw("\":")
        }
        member("t", first: true)
        w.writeString(created ? "task+" : "task")
        member("id")
        w.writeID(task.id)
        if created {
            member("code")
            w.writeInt(task.operationCode)
            member("params")
            w.write(task.params)
            member("priority")
            w.writeInt(task.priority)
            member("max_attempts")
            w.writeInt(Int64(task.maxAttempts))
            member("timeout")
            w.writeInt(task.timeoutSeconds)
            member("created")
            w.writeInt(task.createdAt.milliseconds)
            member("seq")
            w.writeInt(task.creationSeq)
            if let key, let expires {
                member("idem")
                w.writeString(key)
                member("idem_exp")
                w.writeInt(expires)
            }
        }
        member("status")
        w.writeString(task.status.rawValue)
        member("attempts")
        w.writeInt(Int64(task.attempts))
        if let r = task.runnerID {
            member("runner")
            w.writeID(r)
        }
        if let t = task.startedAt {
            member("started")
            w.writeInt(t.milliseconds)
        }
        if let t = task.completedAt {
            member("completed")
            w.writeInt(t.milliseconds)
        }
        if let t = task.leaseExpiresAt {
            member("lease")
            w.writeInt(t.milliseconds)
        }
        member("available")
        w.writeInt(task.availableAt.milliseconds)
        if let e = task.error {
            member("error")
            w.writeString(e)
        }
        if let d = task.resultData {
            member("result")
            w.write(d)
        }
        if let a = task.acceptedResult {
            member("accepted")
            w.writeRaw("{\"runner\":")
            w.writeID(a.runnerID)
            w.writeRaw(",\"attempt\":")
            w.writeInt(Int64(a.attempt))
            w.writeRaw(",\"status\":")
            w.writeString(a.status.rawValue)
            if let e = a.error {
                w.writeRaw(",\"error\":")
                w.writeString(e)
            }
            if a.resultData != task.resultData {
                w.writeRaw(",\"data\":")
                w.write(a.resultData)
            }
            w.writeRaw("}")
        }
        if let p = task.progress {
            member("progress")
            w.write(Self.encodeProgress(p))
        }
        member("events")
        w.writeRaw("[")
        for (index, e) in task.events.enumerated() {
            w.writeRaw(index == 0 ? "{\"at\":" : ",{\"at\":")
            w.writeInt(e.at.milliseconds)
            w.writeRaw(",\"k\":")
            w.writeString(e.kind.rawValue)
            if let r = e.runnerID {
                w.writeRaw(",\"r\":")
                w.writeID(r)
            }
            if let d = e.detail {
                w.writeRaw(",\"d\":")
                w.writeString(d)
            }
            w.writeRaw("}")
        }
        w.writeRaw("]}")
        return w.bytes
    }

    private static func encodeProgress(_ p: TaskProgress) -> JSONValue {
        var o = JSONObject([JSONMember("p", p.percentJSON), JSONMember("at", .int(p.updatedAt.milliseconds))])
        if let m = p.message { o["m"] = .string(m) }
        return .object(o)
    }

    private static func encodeEvent(_ e: TaskEvent) -> JSONValue {
        var o = JSONObject([JSONMember("at", .int(e.at.milliseconds)), JSONMember("k", .string(e.kind.rawValue))])
        if let r = e.runnerID { o["r"] = .string(r.description) }
        if let d = e.detail { o["d"] = .string(d) }
        return .object(o)
    }

    // MARK: Decoding

    struct DecodeError: Error, Equatable {
        var message: String
    }

    /// Decodes a record; a task update (`task`) needs the task's earlier state for its
    /// immutable fields.
    static func decode(_ payload: ArraySlice<UInt8>, existing: (TaskID) -> TaskRecord?) throws(DecodeError)
        -> JournalRecord
    {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(payload), maxDepth: 200)
        } catch {
            throw DecodeError(message: "not JSON: \(error.description)")
        }
        func fail(_ what: String) -> DecodeError { DecodeError(message: what) }
        guard let type = value["t"]?.stringValue else { throw fail("record without a type") }
        switch type {
        case "task+", "task":
            guard let id = value["id"]?.stringValue.flatMap({ TaskID($0) }) else {
                throw fail("task record without id")
            }
            var task: TaskRecord
            if type == "task+" {
                guard let code = value["code"]?.intValue, let priority = value["priority"]?.intValue,
                    let maxAttempts = value["max_attempts"]?.intValue, let timeout = value["timeout"]?.intValue,
                    let created = value["created"]?.intValue, let seq = value["seq"]?.intValue
                else { throw fail("task record \(id) lacks its immutable fields") }
                task = TaskRecord(
                    id: id, operationCode: code, params: value["params"] ?? .emptyObject, priority: priority,
                    maxAttempts: Int(maxAttempts), timeoutSeconds: timeout,
                    createdAt: Timestamp(milliseconds: created), creationSeq: seq)
            } else {
                guard let earlier = existing(id) else { throw fail("update of unknown task \(id)") }
                task = earlier
            }
            guard let status = value["status"]?.stringValue.flatMap({ TaskStatus(rawValue: $0) }),
                let attempts = value["attempts"]?.intValue, let available = value["available"]?.intValue
            else { throw fail("task record \(id) lacks its state") }
            task.status = status
            task.attempts = Int(attempts)
            task.runnerID = value["runner"]?.stringValue.flatMap { RunnerID($0) }
            task.startedAt = value["started"]?.intValue.map { Timestamp(milliseconds: $0) }
            task.completedAt = value["completed"]?.intValue.map { Timestamp(milliseconds: $0) }
            task.leaseExpiresAt = value["lease"]?.intValue.map { Timestamp(milliseconds: $0) }
            task.availableAt = Timestamp(milliseconds: available)
            task.error = value["error"]?.stringValue
            task.resultData = value["result"]
            if let a = value["accepted"] {
                guard let runner = a["runner"]?.stringValue.flatMap({ RunnerID($0) }),
                    let attempt = a["attempt"]?.intValue,
                    let s = a["status"]?.stringValue.flatMap({ ResultStatus(rawValue: $0) })
                else { throw fail("task record \(id) has a malformed accepted result") }
                task.acceptedResult = AcceptedResult(
                    runnerID: runner, attempt: Int(attempt), status: s,
                    resultData: a["data"] ?? task.resultData ?? .null, error: a["error"]?.stringValue)
            } else {
                task.acceptedResult = nil
            }
            guard case .array(let events)? = value["events"] else { throw fail("task record \(id) lacks events") }
            var decoded: [TaskEvent] = []
            for event in events {
                guard let at = event["at"]?.intValue,
                    let kind = event["k"]?.stringValue.flatMap({ TaskEvent.Kind(rawValue: $0) })
                else { throw fail("task record \(id) has a malformed event") }
                decoded.append(
                    TaskEvent(
                        at: Timestamp(milliseconds: at), kind: kind,
                        runnerID: event["r"]?.stringValue.flatMap { RunnerID($0) },
                        detail: event["d"]?.stringValue))
            }
            task.events = decoded
            if let p = value["progress"], let percent = p["p"]?.doubleValue, let at = p["at"]?.intValue {
                task.progress = TaskProgress(
                    percent: percent, message: p["m"]?.stringValue, updatedAt: Timestamp(milliseconds: at))
            } else {
                task.progress = nil
            }
            return .task(
                task, created: type == "task+", idempotencyKey: value["idem"]?.stringValue,
                idempotencyExpires: value["idem_exp"]?.intValue)
        case "runner":
            guard let id = value["id"]?.stringValue.flatMap({ RunnerID($0) }), let name = value["name"]?.stringValue,
                let registered = value["registered"]?.intValue, let seen = value["seen"]?.intValue
            else { throw fail("malformed runner record") }
            var codes: [Int64]?
            if case .array(let list)? = value["codes"] { codes = list.compactMap(\.intValue) }
            var runner = RunnerRecord(
                id: id, name: name, operationCodes: codes,
                registeredAt: Timestamp(milliseconds: registered), lastSeenAt: Timestamp(milliseconds: seen))
            runner.version = value["version"]?.stringValue
            if case .array(let list)? = value["labels"] { runner.labels = list.compactMap(\.stringValue) }
            if let ops = value["ops"] {
                do {
                    runner.operations = try OperationInfo.list(ops, field: "ops")
                } catch {
                    throw fail("runner record \(id) has a malformed catalog: \(error.message)")
                }
            }
            runner.paused = value["paused"] == .bool(true)
            return .runner(runner)
        case "runner-":
            guard let id = value["id"]?.stringValue.flatMap({ RunnerID($0) }) else {
                throw fail("malformed runner deletion record")
            }
            return .runnerDeleted(id)
        case "idem":
            guard let key = value["key"]?.stringValue, let exp = value["exp"]?.intValue else {
                throw fail("malformed idempotency record")
            }
            var ids: [TaskID] = []
            if let id = value["id"]?.stringValue.flatMap({ TaskID($0) }) {
                ids = [id]
            } else if case .array(let list)? = value["ids"] {
                for item in list {
                    guard let id = item.stringValue.flatMap({ TaskID($0) }) else {
                        throw fail("malformed idempotency record")
                    }
                    ids.append(id)
                }
            } else {
                throw fail("malformed idempotency record")
            }
            return .idempotency(key: key, taskIDs: ids, expires: exp)
        case "snapshot":
            guard let next = value["next_seq"]?.intValue else { throw fail("malformed snapshot header") }
            return .snapshotHeader(nextSeq: next)
        default:
            throw fail("unknown record type \(type)")
        }
    }
}
