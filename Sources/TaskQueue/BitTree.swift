/// A set of small non-negative integers with "largest member below i" in O(log₆₄ n): a bitmap
/// with a summary bitmap above it (one bit per non-empty word), and so on up to one word.
/// It is what lets `/tasks/all?status=…` skip a million tasks of other statuses without
/// looking at them (contract v1.1: list queries cost O(limit), not O(tasks)).
struct BitTree {
    /// `levels[0]` holds the members; bit w of `levels[l + 1]` says word w of `levels[l]` is non-zero.
    private var levels: [[UInt64]] = [[]]

    /// Adds `i` (≥ 0).
    mutating func insert(_ i: Int) {
        grow(toInclude: i)
        var position = i
        for level in levels.indices {
            let word = position >> 6
            let wasEmpty = levels[level][word] == 0
            levels[level][word] |= 1 << UInt64(position & 63)
            guard wasEmpty else { return }
            position = word
        }
    }

    /// Removes `i` if present.
    mutating func remove(_ i: Int) {
        var position = i
        for level in levels.indices {
            let word = position >> 6
            guard word < levels[level].count else { return }
            levels[level][word] &= ~(1 << UInt64(position & 63))
            guard levels[level][word] == 0 else { return }
            position = word
        }
    }

    func contains(_ i: Int) -> Bool {
        let word = i >> 6
        return word < levels[0].count && levels[0][word] & (1 << UInt64(i & 63)) != 0
    }

    /// The largest member smaller than `bound`, or nil.
    func last(before bound: Int) -> Int? {
        var position = bound
        for level in levels.indices {
            let words = levels[level]
            guard !words.isEmpty else { return nil }
            var word = position >> 6
            var mask: UInt64 = position & 63 == 0 ? 0 : UInt64.max >> UInt64(64 - position & 63)
            if word >= words.count {
                word = words.count - 1
                mask = .max
            }
            let hit = words[word] & mask
            if hit != 0 {
                var found = word << 6 | (63 - hit.leadingZeroBitCount)
                for lower in stride(from: level - 1, through: 0, by: -1) {
                    found = found << 6 | (63 - levels[lower][found].leadingZeroBitCount)
                }
                return found
            }
            position = word
        }
        return nil
    }

    private mutating func grow(toInclude i: Int) {
        var needed = (i >> 6) + 1
        var level = 0
        while true {
            if level == levels.count {
                // A new summary level: one bit for each non-empty word below.
                var words = [UInt64](repeating: 0, count: needed)
                for (w, value) in levels[level - 1].enumerated() where value != 0 {
                    words[w >> 6] |= 1 << UInt64(w & 63)
                }
                levels.append(words)
            } else if levels[level].count < needed {
                // Words added empty leave their summary bits clear, as they should be.
                levels[level].append(contentsOf: repeatElement(0, count: needed - levels[level].count))
            }
            if levels[level].count <= 1 && level == levels.count - 1 { return }
            needed = (levels[level].count + 63) >> 6
            level += 1
        }
    }
}
