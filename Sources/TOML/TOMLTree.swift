/// The document while it is parsed: tables stay open for later headers and dotted keys
/// until the end, so they are reference nodes; TOML's rules on defining a table twice are
/// checked here, in one place.
final class TOMLNode {
    enum Kind {
        /// A table: `[header]`, a super-table a header implied, or one made by dotted keys.
        case table
        /// `[[header]]` tables.
        case arrayOfTables
        /// A value, closed for good (inline tables and arrays included).
        case value(TOMLValue)
    }

    /// How a table came to be, which decides what may still add to it.
    enum Origin {
        /// Implied by a longer header (`[a.b]` implies `a`): a later `[a]` may define it.
        case implied
        /// Defined by a `[header]` (or the document itself).
        case header
        /// Made by dotted keys (`a.b = 1` makes `a`): only dotted keys may add to it.
        case dotted
    }

    var kind: Kind
    var origin: Origin
    var line: Int
    private(set) var order: [String] = []
    private(set) var children: [String: TOMLNode] = [:]
    var elements: [TOMLNode] = []

    init(_ kind: Kind, origin: Origin, line: Int) {
        self.kind = kind
        self.origin = origin
        self.line = line
    }

    func add(_ key: String, _ node: TOMLNode) {
        order.append(key)
        children[key] = node
    }

    func child(_ key: String) -> TOMLNode? { children[key] }

    /// The finished table.
    func table() -> TOMLTable {
        var table = TOMLTable(line: line)
        for key in order {
            guard let node = children[key] else { continue }
            table.append(key, node.value(), line: node.line)
        }
        return table
    }

    private func value() -> TOMLValue {
        switch kind {
        case .table: return .table(table())
        case .arrayOfTables: return .array(elements.map { .table($0.table()) })
        case .value(let value): return value
        }
    }
}

extension TOMLNode {
    private static func dotted(_ keys: [String]) -> String {
        keys.map { key in
            key.utf8.allSatisfy { TOMLParser.isBareKeyByte($0) } && !key.isEmpty ? key : "\"\(key)\""
        }.joined(separator: ".")
    }

    /// `[keys]`: the table a header defines, made or found under `root`.
    static func defineTable(_ keys: [String], in root: TOMLNode, line: Int) throws(TOMLError) -> TOMLNode {
        let parent = try walkForHeader(Array(keys.dropLast()), in: root, line: line)
        let last = keys[keys.count - 1]
        guard let existing = parent.child(last) else {
            let table = TOMLNode(.table, origin: .header, line: line)
            parent.add(last, table)
            return table
        }
        guard case .table = existing.kind, existing.origin == .implied else {
            throw TOMLError(line: line, "[\(dotted(keys))] is already defined (line \(existing.line))")
        }
        existing.origin = .header
        existing.line = line
        return existing
    }

    /// `[[keys]]`: a new table appended to the array of tables.
    static func appendTable(_ keys: [String], in root: TOMLNode, line: Int) throws(TOMLError) -> TOMLNode {
        let parent = try walkForHeader(Array(keys.dropLast()), in: root, line: line)
        let last = keys[keys.count - 1]
        let array: TOMLNode
        if let existing = parent.child(last) {
            guard case .arrayOfTables = existing.kind else {
                throw TOMLError(
                    line: line,
                    "[[\(dotted(keys))]]: \(dotted(keys)) is already defined (line \(existing.line)) and is not an array of tables"
                )
            }
            array = existing
        } else {
            array = TOMLNode(.arrayOfTables, origin: .header, line: line)
            parent.add(last, array)
        }
        let table = TOMLNode(.table, origin: .header, line: line)
        array.elements.append(table)
        return table
    }

    /// The super-tables of a header: made when missing, the last table of an array of tables.
    private static func walkForHeader(_ keys: [String], in root: TOMLNode, line: Int) throws(TOMLError) -> TOMLNode {
        var node = root
        for (index, key) in keys.enumerated() {
            guard let next = node.child(key) else {
                let table = TOMLNode(.table, origin: .implied, line: line)
                node.add(key, table)
                node = table
                continue
            }
            switch next.kind {
            case .table: node = next
            case .arrayOfTables:
                guard let lastTable = next.elements.last else { throw TOMLError(line: line, "empty array of tables") }
                node = lastTable
            case .value:
                throw TOMLError(
                    line: line, "\(dotted(Array(keys[...index]))) is already a value (line \(next.line)), not a table")
            }
        }
        return node
    }

    /// `keys = value` in `table`: the dotted keys' tables made or found (only ones dotted keys made).
    static func assign(_ keys: [String], _ value: TOMLValue, in table: TOMLNode, line: Int) throws(TOMLError) {
        var node = table
        for (index, key) in keys.dropLast().enumerated() {
            guard let next = node.child(key) else {
                let made = TOMLNode(.table, origin: .dotted, line: line)
                node.add(key, made)
                node = made
                continue
            }
            guard case .table = next.kind, next.origin == .dotted else {
                throw TOMLError(
                    line: line,
                    "\(dotted(Array(keys[...index]))) is already defined (line \(next.line)); dotted keys cannot add to it"
                )
            }
            node = next
        }
        let last = keys[keys.count - 1]
        if let existing = node.child(last) {
            throw TOMLError(line: line, "\(dotted(keys)) is already defined (line \(existing.line))")
        }
        node.add(last, TOMLNode(.value(value), origin: .header, line: line))
    }
}
