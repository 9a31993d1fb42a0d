import DDAModel
import Postgres
import TaskQueue

/// What `dda-server import` copied.
public struct ImportReport: Sendable {
    public var tasks: Int
    public var events: Int
    public var runners: Int
    public var idempotencyKeys: Int
}

extension PostgresStore {
    /// Copies a whole queue (an embedded store's journal, opened) into this database, in one
    /// transaction: every task with its events and accepted result, every runner, every live
    /// idempotency key. Refuses a database that already holds tasks or runners.
    public func importQueue(_ export: QueueExport) throws(QueueError) -> ImportReport {
        let result: Result<ImportReport, QueueError> = try transaction { (c) throws(PGError) in
            let existing = try c.query(
                "SELECT (SELECT count(*) FROM dda_tasks) + (SELECT count(*) FROM dda_runners)")
            guard existing.first?[0] == "0" else {
                return .failure(
                    QueueError(
                        .conflict,
                        "The database already holds tasks or runners; import only into an empty one (a new database, or after `DROP SCHEMA` of the old one)."
                    ))
            }
            var events = 0
            // Creation order is kept: rows are inserted oldest first, and `seq` follows.
            for start in stride(from: 0, to: export.tasks.count, by: 1000) {
                let batch = export.tasks[start..<min(start + 1000, export.tasks.count)]
                try c.query(Self.importTasksSQL, Self.taskColumnsArrays(batch))
                var eventColumns: [[String?]] = Array(repeating: [], count: 5)
                for task in batch {
                    for event in task.events.dropFirst() { // `created` is derived from created_ms
                        eventColumns[0].append(task.id.description)
                        eventColumns[1].append(String(event.at.milliseconds))
                        eventColumns[2].append(event.kind.rawValue)
                        eventColumns[3].append(event.runnerID?.description)
                        eventColumns[4].append(event.detail)
                    }
                }
                if !eventColumns[0].isEmpty {
                    try c.query(
                        """
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT a, b, c, d, e FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::uuid[], $5::text[])
                            WITH ORDINALITY AS t (a, b, c, d, e, n) ORDER BY n
                        """, eventColumns.map { PGArray.literal($0) })
                    events += eventColumns[0].count
                }
            }
            for start in stride(from: 0, to: export.runners.count, by: 1000) {
                let batch = export.runners[start..<min(start + 1000, export.runners.count)]
                for runner in batch {
                    try c.query(
                        """
                        INSERT INTO dda_runners (id, name, operation_codes, registered_ms, last_seen_ms,
                                                 version, labels, operations, paused)
                        VALUES ($1, $2, $3::bigint[], $4, $5, $6, $7, $8, $9)
                        """,
                        [
                            runner.id.description, runner.name, runner.operationCodes?.arrayLiteral,
                            String(runner.registeredAt.milliseconds), String(runner.lastSeenAt.milliseconds),
                        ] + Self.declaredColumns(runner) + [runner.paused ? "true" : "false"])
                }
            }
            for start in stride(from: 0, to: export.idempotencyKeys.count, by: 1000) {
                let batch = export.idempotencyKeys[start..<min(start + 1000, export.idempotencyKeys.count)]
                try c.query(
                    """
                    INSERT INTO dda_idempotency (key, task_id, expires_ms, task_ids)
                    SELECT k, ids[1], exp, CASE WHEN cardinality(ids) > 1 THEN ids END
                    FROM unnest($1::text[], $2::text[], $3::bigint[]) AS i(k, list, exp),
                         LATERAL (SELECT string_to_array(list, ',')::uuid[] AS ids) a
                    """,
                    [
                        PGArray.literal(batch.map(\.key)),
                        PGArray.literal(batch.map { $0.taskIDs.map(\.description).joined(separator: ",") }),
                        PGArray.literal(batch.map { String($0.expiresAt.milliseconds) }),
                    ])
            }
            return .success(
                ImportReport(
                    tasks: export.tasks.count, events: events, runners: export.runners.count,
                    idempotencyKeys: export.idempotencyKeys.count))
        }
        return try result.get()
    }

    /// The columns an import writes, with their types; `seq` follows the insertion order.
    static let importedColumns: [(String, String)] = [
        ("id", "uuid"), ("operation_code", "bigint"), ("params", "text"), ("status", "text"), ("priority", "integer"),
        ("attempts", "integer"), ("max_attempts", "integer"), ("timeout_seconds", "integer"), ("runner_id", "uuid"),
        ("created_ms", "bigint"), ("available_ms", "bigint"), ("started_ms", "bigint"), ("completed_ms", "bigint"),
        ("lease_expires_ms", "bigint"), ("result_data", "text"), ("error", "text"), ("accepted_runner", "uuid"),
        ("accepted_attempt", "integer"), ("accepted_status", "text"), ("accepted_data", "text"),
        ("accepted_error", "text"), ("progress_percent", "double precision"), ("progress_message", "text"),
        ("progress_ms", "bigint"),
    ]

    /// `INSERT … SELECT … FROM unnest($1::uuid[], …) WITH ORDINALITY … ORDER BY ordinality`.
    static let importTasksSQL: String = {
        let names = importedColumns.map(\.0)
        let arrays = importedColumns.enumerated().map { "$\($0.offset + 1)::\($0.element.1)[]" }
        return """
            INSERT INTO dda_tasks (\(names.joined(separator: ", ")))
            SELECT \(names.map { "u.\($0)" }.joined(separator: ", "))
            FROM unnest(\(arrays.joined(separator: ", "))) WITH ORDINALITY AS u (\(names.joined(separator: ", ")), n)
            ORDER BY u.n
            """
    }()

    /// One array literal per column of `dda_tasks`, in the import's order.
    static func taskColumnsArrays(_ tasks: ArraySlice<TaskRecord>) -> [String?] {
        func column(_ value: (TaskRecord) -> String?) -> String? { PGArray.literal(tasks.map(value)) }
        return [
            column { $0.id.description }, column { String($0.operationCode) }, column { $0.params.storedText },
            column { $0.status.rawValue }, column { String($0.priority) }, column { String($0.attempts) },
            column { String($0.maxAttempts) }, column { String($0.timeoutSeconds) },
            column { $0.runnerID?.description },
            column { String($0.createdAt.milliseconds) }, column { String($0.availableAt.milliseconds) },
            column { $0.startedAt.map { String($0.milliseconds) } },
            column { $0.completedAt.map { String($0.milliseconds) } },
            column { $0.leaseExpiresAt.map { String($0.milliseconds) } }, column { $0.resultData?.storedText },
            column { $0.error }, column { $0.acceptedResult?.runnerID.description },
            column { $0.acceptedResult.map { String($0.attempt) } }, column { $0.acceptedResult?.status.rawValue },
            column { $0.acceptedResult?.resultData.storedText }, column { $0.acceptedResult?.error },
            column { $0.progress.map { String($0.percent) } }, column { $0.progress?.message },
            column { $0.progress.map { String($0.updatedAt.milliseconds) } },
        ]
    }
}
