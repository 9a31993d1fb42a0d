import DDAModel
import Foundation
import Testing

@testable import TaskQueue

/// `GET /tasks/all?operation_code=&id_prefix=` on both stores: the filters combine with
/// status and the `before` cursor, newest first.
@Suite("Listing by operation code and id prefix")
struct ListingFilterTests {
    @Test("id prefixes: canonical form only, matching by bits, a range for the primary key")
    func prefixes() throws {
        let id = try #require(TaskID("0f8fad5b-d9cb-469f-a165-70867728950e"))
        for text in ["0", "0f8f", "0f8fad5b", "0f8fad5b-", "0f8fad5b-d9cb-4", "0f8fad5b-d9cb-469f-a165-70867728950e"] {
            #expect(try #require(IDPrefix(text)).matches(id), "\(text)")
        }
        for text in ["1", "0f8fad5c", "0f8fad5b-d9cb-469f-a165-70867728950f"] {
            #expect(try #require(IDPrefix(text)).matches(id) == false, "\(text)")
        }
        for text in ["", "0F8F", "0f8fad5bd", "-", "0f8fad5b-d9cb-469f-a165-70867728950e0", "g"] {
            #expect(IDPrefix(text) == nil, "\(text)")
        }
        let range = try #require(IDPrefix("0f8f")).range
        #expect(range.low.description == "0f8f0000-0000-0000-0000-000000000000")
        #expect(range.high.description == "0f8fffff-ffff-ffff-ffff-ffffffffffff")
    }

    @Test("by code, by status and code, paged with before; by prefix", arguments: StoreKind.all)
    func filters(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        var sevens: [TaskID] = []
        for index in 0..<9 {
            sevens.append(try f.create(code: 777))
            if index % 3 == 0 { try f.create(code: 5) }
        }
        let runner = f.runner([777])
        let running = try f.lease(runner).taskID
        #expect(running == sevens[0])
        let newest = try f.queue.list(TaskFilter(operationCode: 777), limit: 4, before: nil).map(\.id)
        #expect(newest == Array(sevens.reversed().prefix(4)))
        let older = try f.queue.list(TaskFilter(operationCode: 777), limit: 100, before: newest.last).map(\.id)
        #expect(older == Array(sevens.reversed().dropFirst(4)))
        #expect(
            try f.queue.list(TaskFilter(status: .running, operationCode: 777), limit: 10, before: nil).map(\.id) == [
                running
            ])
        #expect(try f.queue.list(TaskFilter(operationCode: 6), limit: 10, before: nil).isEmpty)
        #expect(try f.queue.list(TaskFilter(operationCode: 5), limit: 10, before: nil).count == 3)
        let target = sevens[4]
        let prefix = try #require(IDPrefix(String(target.description.prefix(13))))
        #expect(try f.queue.list(TaskFilter(idPrefix: prefix), limit: 10, before: nil).map(\.id) == [target])
        #expect(
            try f.queue.list(TaskFilter(status: .pending, operationCode: 777, idPrefix: prefix), limit: 10, before: nil)
                .map(\.id) == [target])
        #expect(try f.queue.list(TaskFilter(operationCode: 5, idPrefix: prefix), limit: 10, before: nil).isEmpty)
    }
}
