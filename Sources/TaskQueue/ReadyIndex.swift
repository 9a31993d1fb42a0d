import DDAModel

/// Pending tasks that may be leased now, by operation code and then priority, oldest first
/// within a priority (by creation, so a task back from its retry backoff is not queued
/// behind younger ones). Leasing looks at the head of one heap per candidate code instead of
/// scanning tasks. Entries are never removed from the middle: a cancelled or re-queued task
/// leaves a stale entry that `isValid` rejects when it reaches the head.
struct ReadyIndex {
    struct Entry: Comparable {
        var taskID: TaskID
        /// Identifies this enqueueing of the task (stale entries carry an old token).
        var token: Int64
        /// The task's creation sequence: the order within a priority.
        var order: Int64

        static func < (a: Entry, b: Entry) -> Bool { a.order < b.order }
        static func == (a: Entry, b: Entry) -> Bool { a.token == b.token && a.taskID == b.taskID }
    }

    /// The queues of one operation code.
    struct CodeQueue {
        /// Priorities with a non-empty queue, highest first.
        var priorities: [Int64] = []
        var levels: [Int64: BinaryHeap<Entry>] = [:]

        var isEmpty: Bool { priorities.isEmpty }

        mutating func append(_ entry: Entry, priority: Int64) {
            if levels[priority] == nil {
                let index = priorities.firstIndex(where: { $0 < priority }) ?? priorities.count
                priorities.insert(priority, at: index)
                levels[priority] = BinaryHeap()
            }
            levels[priority]?.insert(entry)
        }

        /// The first valid entry, dropping stale ones on the way.
        mutating func head(_ isValid: (Entry) -> Bool) -> (priority: Int64, entry: Entry)? {
            while let priority = priorities.first {
                while let entry = levels[priority]?.min {
                    if isValid(entry) { return (priority, entry) }
                    levels[priority]?.popMin()
                }
                levels[priority] = nil
                priorities.removeFirst()
            }
            return nil
        }

        mutating func removeHead(priority: Int64) {
            levels[priority]?.popMin()
            if levels[priority]?.isEmpty ?? true {
                levels[priority] = nil
                priorities.removeAll { $0 == priority }
            }
        }
    }

    private(set) var codes: [Int64: CodeQueue] = [:]

    mutating func append(taskID: TaskID, token: Int64, order: Int64, operationCode: Int64, priority: Int64) {
        codes[operationCode, default: CodeQueue()].append(
            Entry(taskID: taskID, token: token, order: order), priority: priority)
    }

    /// Removes and returns the best entry among `allowed` codes (nil = any code): highest
    /// priority, then the oldest task.
    mutating func popBest(allowed: [Int64]?, isValid: (Entry) -> Bool) -> TaskID? {
        var best: (code: Int64, priority: Int64, entry: Entry)?
        func consider(_ code: Int64) {
            guard var queue = codes[code] else { return }
            codes[code] = nil // avoid a copy-on-write of the queue while we mutate it
            let head = queue.head(isValid)
            if queue.isEmpty { codes[code] = nil } else { codes[code] = queue }
            guard let head else { return }
            if let current = best {
                if head.priority > current.priority
                    || (head.priority == current.priority && head.entry.order < current.entry.order)
                {
                    best = (code, head.priority, head.entry)
                }
            } else {
                best = (code, head.priority, head.entry)
            }
        }
        if let allowed {
            for code in allowed { consider(code) }
        } else {
            for code in Array(codes.keys) { consider(code) }
        }
        guard let best else { return nil }
        codes[best.code]?.removeHead(priority: best.priority)
        if codes[best.code]?.isEmpty ?? false { codes[best.code] = nil }
        return best.entry.taskID
    }

    /// The valid head of every (code, priority) queue, stale heads dropped on the way: the
    /// tasks next in line, for `/metrics`.
    mutating func heads(_ isValid: (Entry) -> Bool) -> [(code: Int64, entry: Entry)] {
        var out: [(code: Int64, entry: Entry)] = []
        for code in Array(codes.keys) {
            guard var queue = codes[code] else { continue }
            codes[code] = nil
            for priority in queue.priorities {
                while let entry = queue.levels[priority]?.min {
                    if isValid(entry) {
                        out.append((code, entry))
                        break
                    }
                    queue.levels[priority]?.popMin()
                }
            }
            for priority in queue.priorities where queue.levels[priority]?.isEmpty ?? true {
                queue.levels[priority] = nil
            }
            queue.priorities.removeAll { queue.levels[$0] == nil }
            if !queue.isEmpty { codes[code] = queue }
        }
        return out
    }
}
