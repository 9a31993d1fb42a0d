import DDAModel

/// Tasks in creation order, for newest-first listing, with one `BitTree` per status over the
/// positions: `newest(status:…)` walks only tasks of that status, so a page of 100 completed
/// tasks among a million pending ones costs about 100 steps. Dropped tasks leave a hole that
/// `compact` closes once they are many.
struct CreationIndex {
    private(set) var order: [(seq: Int64, id: TaskID)] = []
    private var live = BitTree()
    private var byStatus = [BitTree](repeating: BitTree(), count: TaskStatus.allCases.count)
    /// Positions by operation code, ascending (4 bytes a task): a list of one code walks only
    /// that code's tasks.
    private var byCode: [Int64: [Int32]] = [:]
    private(set) var holes = 0

    /// A new task: creation sequences only grow.
    mutating func append(seq: Int64, id: TaskID, status: TaskStatus, code: Int64) {
        let position = order.count
        order.append((seq, id))
        live.insert(position)
        byStatus[status.ordinal].insert(position)
        byCode[code, default: []].append(Int32(position))
    }

    mutating func move(seq: Int64, from old: TaskStatus, to new: TaskStatus) {
        guard old != new, let position = position(of: seq) else { return }
        byStatus[old.ordinal].remove(position)
        byStatus[new.ordinal].insert(position)
    }

    mutating func remove(seq: Int64, status: TaskStatus) {
        guard let position = position(of: seq), live.contains(position) else { return }
        live.remove(position)
        byStatus[status.ordinal].remove(position)
        holes += 1
    }

    /// Rebuilds from the tasks that are left (after replay, or when holes are many).
    mutating func rebuild(_ tasks: some Sequence<(seq: Int64, id: TaskID, status: TaskStatus, code: Int64)>) {
        self = CreationIndex()
        for task in tasks.sorted(by: { $0.seq < $1.seq }) {
            append(seq: task.seq, id: task.id, status: task.status, code: task.code)
        }
    }

    /// Up to `limit` task ids, newest first, created before the task with sequence `before`
    /// (all when nil), of `status` (any when nil).
    func newest(
        status: TaskStatus?, limit: Int, beforeSeq: Int64?, code: Int64? = nil, prefix: IDPrefix? = nil
    ) -> [TaskID] {
        let tree = status.map { byStatus[$0.ordinal] } ?? live
        var bound = order.count
        if let beforeSeq { bound = firstPosition(notBelow: beforeSeq) }
        var out: [TaskID] = []
        out.reserveCapacity(min(limit, 1000))
        if let code {
            // That code's positions below the bound, newest first.
            guard let positions = byCode[code] else { return out }
            var low = 0
            var high = positions.count
            while low < high {
                let mid = (low + high) / 2
                if Int(positions[mid]) < bound { low = mid + 1 } else { high = mid }
            }
            var index = low - 1
            while out.count < limit, index >= 0 {
                let position = Int(positions[index])
                index -= 1
                guard tree.contains(position) else { continue }
                let id = order[position].id
                if prefix?.matches(id) ?? true { out.append(id) }
            }
            return out
        }
        while out.count < limit, let position = tree.last(before: bound) {
            let id = order[position].id
            if prefix?.matches(id) ?? true { out.append(id) }
            bound = position
        }
        return out
    }

    private func position(of seq: Int64) -> Int? {
        let position = firstPosition(notBelow: seq)
        return position < order.count && order[position].seq == seq ? position : nil
    }

    private func firstPosition(notBelow seq: Int64) -> Int {
        var low = 0
        var high = order.count
        while low < high {
            let mid = (low + high) / 2
            if order[mid].seq < seq { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension TaskStatus {
    /// 0… in `allCases` order, for arrays indexed by status.
    var ordinal: Int {
        switch self {
        case .pending: return 0
        case .running: return 1
        case .completed: return 2
        case .failed: return 3
        case .cancelled: return 4
        }
    }
}
