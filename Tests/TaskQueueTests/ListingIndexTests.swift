import DDAModel
import Testing

@testable import TaskQueue

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Listing index: BitTree and CreationIndex")
struct ListingIndexTests {
    @Test("BitTree agrees with a Set under random inserts, removes and predecessor queries")
    func bitTreeMatchesModel() {
        var generator = SystemRandomNumberGenerator()
        for range in [70, 5_000, 300_000] {
            var tree = BitTree()
            var model = Set<Int>()
            for _ in 0..<4_000 {
                let i = Int.random(in: 0..<range, using: &generator)
                if Bool.random(using: &generator) {
                    tree.insert(i)
                    model.insert(i)
                } else {
                    tree.remove(i)
                    model.remove(i)
                }
                let bound = Int.random(in: 0...(range + 100), using: &generator)
                #expect(tree.last(before: bound) == model.filter { $0 < bound }.max(), "range \(range), bound \(bound)")
                #expect(tree.contains(i) == model.contains(i))
            }
        }
    }

    @Test("BitTree: the edges of words and levels")
    func bitTreeEdges() {
        var tree = BitTree()
        #expect(tree.last(before: 10) == nil)
        for i in [0, 63, 64, 4095, 4096, 262_143, 262_144] { tree.insert(i) }
        #expect(tree.last(before: 0) == nil)
        #expect(tree.last(before: 1) == 0)
        #expect(tree.last(before: 64) == 63)
        #expect(tree.last(before: 65) == 64)
        #expect(tree.last(before: 4096) == 4095)
        #expect(tree.last(before: 262_144) == 262_143)
        #expect(tree.last(before: Int.max >> 8) == 262_144)
        tree.remove(262_144)
        tree.remove(262_143)
        #expect(tree.last(before: 1_000_000) == 4096)
    }

    @Test("newest-first listing by status matches a scan, with cursors, across drops and compaction")
    func listingMatchesScan() throws {
        let f = try QueueFixture { $0.retentionSeconds = 60 }
        var runner = f.runner()
        var ids: [TaskID] = []
        for i in 0..<3_000 {
            ids.append(try f.create())
            if i % 3 == 0 {
                let lease = try f.lease(runner)
                try f.submit(lease.taskID, by: runner, i % 2 == 0 ? .completed : .failed)
            } else if i % 7 == 0 {
                _ = try f.queue.cancel(ids[i])
            }
            if i == 1_500 {
                f.advance(seconds: 61) // retention drops what finished so far (and the idle runner)
                runner = f.runner()
            }
        }
        let all =
            try f.queue.list(limit: 1000) + f.queue.list(limit: 1000, before: try f.queue.list(limit: 1000).last?.id)
        for status in [nil] + TaskStatus.allCases.map(Optional.some) {
            var expected = ids.reversed().filter { id in
                ((try? f.queue.task(id)) ?? nil).map { status == nil || $0.status == status } ?? false
            }
            var cursor: TaskID?
            while !expected.isEmpty {
                let page = try f.queue.list(status: status, limit: 250, before: cursor)
                #expect(page.map(\.id) == Array(expected.prefix(250)), "status \(String(describing: status))")
                expected = Array(expected.dropFirst(250))
                cursor = page.last?.id
                if page.isEmpty { break }
            }
        }
        #expect(!all.isEmpty)
    }

    @Test("a page of a rare status among 100,000 tasks does not walk them all")
    func rareStatusPageIsCheap() throws {
        let f = try QueueFixture()
        let runner = f.runner()
        for _ in 0..<3 {
            _ = try f.create()
            try f.submit(try f.lease(runner).taskID, by: runner)
        }
        for _ in 0..<100_000 { _ = try f.create() }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        for _ in 0..<500 {
            #expect(try f.queue.list(status: .completed, limit: 100).count == 3)
        }
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let ms = Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
        // A scan of every task per call (the old way) is 50 million steps here: many seconds.
        #expect(ms < 1500, "500 pages took \(ms) ms")
    }
}
