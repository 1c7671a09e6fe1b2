import Testing
import Synchronization
import Foundation
import LakeFormat
import TestSupport

/// `RowCounter` counts what the full decoders read, whatever the chunking.
@Suite struct RowCounterTests {
    /// Feeds `bytes` to a counter in chunks of `chunk` bytes.
    static func count(_ bytes: [UInt8], _ format: FileFormat, chunk: Int) -> Int {
        var counter = RowCounter(format: format)
        var start = 0
        bytes.withUnsafeBytes { all in
            while start < all.count {
                let end = min(all.count, start + chunk)
                counter.consume(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        return counter.rows
    }

    static func ndjsonRecords(_ bytes: [UInt8]) throws -> Int {
        let reader = NDJSONReader(source: MemorySource(bytes))
        var n = 0
        while try reader.next() != nil { n += 1 }
        return n
    }

    @Test("rows of awkward CSV and NDJSON equal the decoders' count, at every chunk size", arguments: 1...10)
    func matchesDecoders(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let partition = try RandomPartition(seed: seed, spread: 300, in: dir.path)
        defer { partition.abort() }
        let (rows, written) = (partition.rows, partition.written)
        for file in written.files {
            let bytes = try ZstdReader(source: FileSource(path: dir.path + "/" + file.temporaryPath), name: file.temporaryPath).readAll()
            let decoded = file.format == .csv
                ? try CSVReader(source: MemorySource(bytes)).countRecords() - 1
                : try Self.ndjsonRecords(bytes)
            #expect(decoded == rows.count)
            for chunk in [1, 3, 7, 8, 9, 64, 1 << 20] {
                #expect(Self.count(bytes, file.format, chunk: chunk) == rows.count, "\(file.format) chunk \(chunk)")
            }
        }
    }

    @Test("CSVReader.nextFields hands over exactly the fields next() reads, record by record", arguments: 11...14)
    func fieldsMatchRecords(seed: UInt64) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let partition = try RandomPartition(seed: seed, spread: 300, in: dir.path)
        defer { partition.abort() }
        for file in partition.written.files where file.format == .csv {
            let bytes = try ZstdReader(source: FileSource(path: dir.path + "/" + file.temporaryPath), name: file.temporaryPath).readAll()
            let records = CSVReader(source: MemorySource(bytes, chunkSize: 5)), fields = CSVReader(source: MemorySource(bytes, chunkSize: 7))
            var n = 0
            while let record = try records.next() {
                var got: [String?] = [], indices: [Int] = []
                let found = try fields.nextFields { i, b, quoted in
                    indices.append(i)
                    got.append(b.isEmpty && !quoted ? nil : String(decoding: b, as: UTF8.self))
                }
                #expect(found && indices == Array(0..<got.count))
                #expect(got == record, "record \(n)")
                n += 1
            }
            #expect(try !fields.nextFields { _, _, _ in Issue.record("a field after the end") })
            #expect(n == partition.rows.count + 1)  // and the header
        }
    }

    @Test("a quote or line feed at every position of a word is seen", arguments: [UInt8(0x22), 0x0A])
    func everyPosition(byte: UInt8) {
        // Header, then one record whose quoted field holds `byte` at offset k: "a<byte>b" …
        for k in 0..<17 {
            var field = [UInt8](repeating: UInt8(ascii: "x"), count: 17)
            field[k] = byte
            let escaped = field.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] }
            let csv = Array("h\n".utf8) + [0x22] + escaped + [0x22, 0x0A] + Array("plain\n".utf8)
            for chunk in [1, 5, 8, 100] {
                #expect(Self.count(csv, .csv, chunk: chunk) == 2, "byte at \(k), chunk \(chunk)")
            }
        }
    }

    @Test("a last record without a line feed counts; an empty file has no rows")
    func edges() {
        #expect(Self.count(Array("a,b\n1,2".utf8), .csv, chunk: 8) == 1)
        #expect(Self.count(Array("a,b\n".utf8), .csv, chunk: 8) == 0)
        #expect(Self.count([], .csv, chunk: 8) == 0)
        #expect(Self.count(Array("{}\n{}\n".utf8), .ndjson, chunk: 3) == 2)
    }
}

@Suite struct WorkQueueTests {
    @Test("every index runs once and results come back in index order, for any number of threads", arguments: [1, 2, 3, 16])
    func order(jobs: Int) {
        let results = WorkQueue.map(1000, jobs: jobs, state: { [UInt8](repeating: 0, count: 16) }) { buffer, i in
            buffer[i % 16] &+= 1  // each thread's own state, never shared
            return i * i
        }
        #expect(results == (0..<1000).map { $0 * $0 })
        #expect(WorkQueue.map(0, jobs: 4, state: {}) { _, i in i }.isEmpty)
    }

    @Test("forEachWaiting calls every index once, and runs as many at once as it is given threads, more than there are cores")
    func waiting() {
        let calls = Mutex<[Int]>([])
        WorkQueue.forEachWaiting(500, threads: 8) { i in calls.withLock { $0.append(i) } }
        #expect(calls.withLock { $0.sorted() } == Array(0..<500))
        WorkQueue.forEachWaiting(0, threads: 8) { _ in Issue.record("called for no work") }

        // Six calls that each wait until all six have started: they only all return
        // when six threads run them at once (the deadline keeps a failure from hanging).
        let arrived = Atomic<Int>(0)
        let together = Atomic<Int>(0)
        WorkQueue.forEachWaiting(6, threads: 6) { _ in
            arrived.wrappingAdd(1, ordering: .relaxed)
            let deadline = ContinuousClock.now + .seconds(20)
            while arrived.load(ordering: .relaxed) < 6 && ContinuousClock.now < deadline { usleep(1000) }
            if arrived.load(ordering: .relaxed) == 6 { together.wrappingAdd(1, ordering: .relaxed) }
        }
        #expect(together.load(ordering: .relaxed) == 6)
    }
}
