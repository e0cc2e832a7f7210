/// The tables of a document while it is read, with what TOML 1.0 needs to know to refuse
/// a redefinition: how each table came to be (a header, a dotted key, or implicitly as
/// the parent of a header) and the line each key was first written on. Tables live in
/// one array and refer to each other by index, so assembling never recurses; only
/// `node(of:)` does, as deep as the nesting, which the parser caps.
struct TOMLTableTree {
    static let root = 0

    enum Origin {
        case root
        /// Named by a `[header]`, or an element of an array of tables.
        case header
        /// Created as the parent of a header (`a` for `[a.b]`); a header may still define it once.
        case implicit
        /// Created by a dotted key (`a.b = 1` creates `a`): complete once its section ends.
        case dotted
        /// An inline table being read; once closed it is a value.
        case inline
    }

    enum Slot {
        /// A scalar, a static array or a closed inline table: complete as written.
        case value(TOMLNode, line: Int)
        case table(Int)
        /// An array of tables (`[[a]]`), its element tables in order.
        case tables([Int], line: Int)
    }

    struct Table {
        var slots: [String: Slot] = [:]
        var origin: Origin
        var line: Int
        var depth: Int
    }

    private var tables = [Table(origin: .root, line: 1, depth: 0)]

    func depth(of table: Int) -> Int { tables[table].depth }

    mutating func newInlineTable(depth: Int, line: Int) -> Int {
        tables.append(Table(origin: .inline, line: line, depth: depth))
        return tables.count - 1
    }

    /// `key = value` in `table`: the key's dotted parts create tables, or extend those
    /// that earlier dotted keys of the same table created.
    mutating func assign(_ value: TOMLNode, at key: [String], in table: Int, line: Int) throws(TOMLSyntaxError) {
        var current = table
        for (k, part) in key.dropLast().enumerated() {
            switch tables[current].slots[part] {
            case nil:
                current = try addTable(part, to: current, origin: .dotted, line: line)
            case let .table(child):
                guard tables[child].origin == .dotted else {
                    throw TOMLSyntaxError(line: line, message: "dotted key \(TOMLParser.display(key)) cannot add to table "
                        + "\(TOMLParser.display(Array(key[...k]))): it is defined by a [table] header (line \(tables[child].line)); "
                        + "write the key under that header")
                }
                current = child
            case let .value(node, firstLine):
                throw notATable(Array(key[...k]), node, firstLine, line: line)
            case let .tables(_, firstLine):
                throw TOMLSyntaxError(line: line, message: "dotted key \(TOMLParser.display(key)) cannot add to "
                    + "\(TOMLParser.display(Array(key[...k]))): it is an array of tables (line \(firstLine))")
            }
        }
        let last = key[key.count - 1]
        if let existing = tables[current].slots[last] {
            throw TOMLSyntaxError(line: line, message: "duplicate key \(TOMLParser.display(key)) (first defined on line \(self.line(of: existing)))")
        }
        tables[current].slots[last] = .value(value, line: line)
    }

    /// `[key]`: the table that follows pairs go into.
    mutating func defineTable(at key: [String], line: Int) throws(TOMLSyntaxError) -> Int {
        let parent = try walkHeader(key, line: line)
        let last = key[key.count - 1]
        let header = "[\(TOMLPath.keysText(key))]"
        switch tables[parent].slots[last] {
        case nil:
            return try addTable(last, to: parent, origin: .header, line: line)
        case let .table(child):
            switch tables[child].origin {
            case .implicit:
                tables[child].origin = .header
                tables[child].line = line
                return child
            case .dotted:
                throw TOMLSyntaxError(line: line, message: "table \(header) is already defined by dotted keys (line \(tables[child].line))")
            case .header, .root, .inline:
                throw TOMLSyntaxError(line: line, message: "table \(header) is defined twice (first on line \(tables[child].line))")
            }
        case let .tables(_, firstLine):
            throw TOMLSyntaxError(line: line, message: "\(header) names an array of tables (line \(firstLine)): write [[\(TOMLPath.keysText(key))]] to add an element")
        case let .value(node, firstLine):
            throw notATable(key, node, firstLine, line: line)
        }
    }

    /// `[[key]]`: appends a table to the array and returns it.
    mutating func appendTable(at key: [String], line: Int) throws(TOMLSyntaxError) -> Int {
        let parent = try walkHeader(key, line: line)
        let last = key[key.count - 1]
        let depth = tables[parent].depth + 2
        guard depth <= TOMLParser.maximumDepth else { throw tooDeep(line) }
        // Taken out of the dictionary while appending, so the array is not copied each time.
        switch tables[parent].slots.removeValue(forKey: last) {
        case nil:
            tables.append(Table(origin: .header, line: line, depth: depth))
            tables[parent].slots[last] = .tables([tables.count - 1], line: line)
        case .tables(var elements, let firstLine):
            tables.append(Table(origin: .header, line: line, depth: depth))
            elements.append(tables.count - 1)
            tables[parent].slots[last] = .tables(elements, line: firstLine)
        case let existing?:
            tables[parent].slots[last] = existing
            let name = TOMLParser.display(key)
            switch existing {
            case let .table(child):
                throw TOMLSyntaxError(line: line, message: "[[\(TOMLPath.keysText(key))]] cannot add to \(name): it is a table (line \(tables[child].line)), not an array of tables")
            case let .value(.array, firstLine):
                throw TOMLSyntaxError(line: line, message: "[[\(TOMLPath.keysText(key))]] cannot add to \(name): it is an array written as a value (line \(firstLine)), which is complete as written")
            case let .value(node, firstLine):
                throw notATable(key, node, firstLine, line: line)
            case .tables:
                break  // taken by the case above
            }
        }
        return tables.count - 1
    }

    /// The parent table of a header's last key: through tables of any origin, creating
    /// missing ones, and into the last element of an array of tables.
    private mutating func walkHeader(_ key: [String], line: Int) throws(TOMLSyntaxError) -> Int {
        var current = TOMLTableTree.root
        for (k, part) in key.dropLast().enumerated() {
            switch tables[current].slots[part] {
            case nil:
                current = try addTable(part, to: current, origin: .implicit, line: line)
            case let .table(child):
                current = child
            case let .tables(elements, _):
                // Never empty: [[a]] creates the array with its first element.
                current = elements.last ?? current
            case let .value(node, firstLine):
                throw notATable(Array(key[...k]), node, firstLine, line: line)
            }
        }
        return current
    }

    private mutating func addTable(_ name: String, to parent: Int, origin: Origin, line: Int) throws(TOMLSyntaxError) -> Int {
        let depth = tables[parent].depth + 1
        guard depth <= TOMLParser.maximumDepth else { throw tooDeep(line) }
        tables.append(Table(origin: origin, line: line, depth: depth))
        tables[parent].slots[name] = .table(tables.count - 1)
        return tables.count - 1
    }

    private func notATable(_ key: [String], _ node: TOMLNode, _ firstLine: Int, line: Int) -> TOMLSyntaxError {
        if case .table = node {
            return TOMLSyntaxError(line: line, message: "\(TOMLParser.display(key)) is an inline table (line \(firstLine)), "
                + "which is complete as written: add the key inside its braces")
        }
        let article = node.typeName.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        return TOMLSyntaxError(line: line, message: "\(TOMLParser.display(key)) is already \(article) \(node.typeName) (line \(firstLine)), not a table")
    }

    private func tooDeep(_ line: Int) -> TOMLSyntaxError {
        TOMLSyntaxError(line: line, message: "tables, arrays and inline tables are nested more than \(TOMLParser.maximumDepth) levels deep")
    }

    private func line(of slot: Slot) -> Int {
        switch slot {
        case let .value(_, line), let .tables(_, line): return line
        case let .table(child): return tables[child].line
        }
    }

    /// The finished document.
    func rootTable() -> [String: TOMLNode] {
        guard case let .table(root) = node(of: TOMLTableTree.root) else { return [:] }
        return root
    }

    /// The finished value of `table` and everything under it.
    func node(of table: Int) -> TOMLNode {
        var out: [String: TOMLNode] = [:]
        out.reserveCapacity(tables[table].slots.count)
        for (name, slot) in tables[table].slots {
            switch slot {
            case let .value(node, _): out[name] = node
            case let .table(child): out[name] = node(of: child)
            case let .tables(elements, _): out[name] = .array(elements.map { node(of: $0) })
            }
        }
        return .table(out)
    }
}
