/// A min-heap. Used for lease deadlines, backoff wake-ups, retention and idempotency
/// expiry: the queue only ever needs the earliest entry.
struct BinaryHeap<Element: Comparable> {
    private(set) var elements: [Element] = []

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var min: Element? { elements.first }

    mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let result = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < elements.count, elements[left] < elements[smallest] { smallest = left }
            if right < elements.count, elements[right] < elements[smallest] { smallest = right }
            if smallest == parent { break }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
        return result
    }
}

/// A heap entry ordered by time, carrying a key and a token that says whether the entry
/// still describes the record (entries are never removed early; stale ones are skipped).
struct TimedEntry<Key: Hashable>: Comparable {
    var at: Int64
    var key: Key
    var token: Int64

    static func < (a: TimedEntry, b: TimedEntry) -> Bool { a.at < b.at }
    static func == (a: TimedEntry, b: TimedEntry) -> Bool { a.at == b.at && a.key == b.key && a.token == b.token }
}
