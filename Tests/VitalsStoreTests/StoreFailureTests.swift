import Foundation
import Testing
import VitalsCore
@testable import VitalsStore
import VitalsTestSupport

/// A glucose record with sequence `n` (natural key `seq:N`) whose raw frame is `rawSize` bytes.
func sequenced(_ n: Int, rawSize: Int = 2) -> Reading {
    var r = Reading(
        subject: SubjectID("s"), device: DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:02:01", profileID: "sim-glucose-meter"), kind: .glucose,
        observations: [Observation(metric: .glucoseCapillaryWholeBlood, value: Double(80 + n % 50), unit: .milligramPerDecilitre,
                                   wire: WireValue(encoding: "sfloat", bits: UInt64(80 + n % 50), unit: "mg/dL"))],
        effectiveTime: Date(timeIntervalSince1970: 1_700_000_000 + Double(n) * 60), deviceTime: nil,
        receivedTime: Date(timeIntervalSince1970: 1_700_000_000 + Double(n) * 60), sequence: UInt32(n),
        raw: RawFrame(source: "2A18", bytes: (0..<rawSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }))
    r.receiptIndex = UInt64(n)
    return r
}

/// The sequences stored, in order.
func storedSequences(_ store: VitalsStore) async throws -> [Int] {
    try await store.readings().compactMap(\.sequence).map { Int($0) }.sorted()
}

/// Makes a store at `path` with readings 1…n, then checkpoints it fully (nothing left in the -wal file).
func makeStoreFile(_ path: String, readings n: Int) async throws {
    let store = try VitalsStore(path: path, logger: quiet)
    _ = try await store.record((1...n).map { sequenced($0, rawSize: 40) })
    let c = try SQLiteConnection(path: path)
    try c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
}

func fileBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

/// Overwrites `count` bytes at `offset` of the file with each byte inverted.
func flipBytes(_ path: String, at offset: Int, count: Int) throws {
    var data = try fileBytes(path)
    for i in offset..<(offset + count) { data[i] = ~data[i] }
    try data.write(to: URL(fileURLWithPath: path))
}

/// Opening `path` throws a StoreError; returns it.
func openRefused(_ path: String) -> StoreError? {
    do {
        _ = try VitalsStore(path: path, logger: quiet)
        return nil
    } catch let e as StoreError {
        return e
    } catch {
        return nil
    }
}

struct StoreFailureTests {
    @Test func causesFromSQLiteCodes() {
        let e = { (code: Int32) in StoreError(code: code, message: "", context: "") }
        #expect(e(13).cause == .diskFull && e(13).storeCannotWrite)
        #expect(e(10 | (4 << 8)).cause == .ioError && e(10 | (4 << 8)).storeCannotWrite, "SQLITE_IOERR_FSYNC")
        #expect(e(11).cause == .corrupt && e(26).cause == .corrupt)
        #expect(e(5).cause == .busy && e(8).cause == .unwritable)
        #expect(e(19 | (6 << 8)).cause == .refused && !e(19 | (6 << 8)).storeCannotWrite, "SQLITE_CONSTRAINT_PRIMARYKEY")
        #expect(e(0).cause == .refused, "the store's own checks")
    }

    /// SQLite's own page limit makes it fail with SQLITE_FULL exactly as a full disk does: the write is refused as
    /// "disk full", nothing of it is stored, what was stored before is intact, and once the limit is lifted the
    /// same readings are stored.
    @Test func aFullDatabaseFailsTheWholeWriteAndKeepsWhatWasStored() async throws {
        let path = tempDB()
        let store = try VitalsStore(path: path, logger: quiet)
        _ = try await store.record((1...10).map { sequenced($0) })
        try await store.capAtCurrentSize(true)
        let held = (11...30).map { sequenced($0, rawSize: 6000) }
        do {
            _ = try await store.record(held)
            Issue.record("a write beyond the page limit succeeded")
        } catch {
            #expect(error.cause == .diskFull, "\(error)")
            #expect(error.storeCannotWrite)
        }
        #expect(try await storedSequences(store) == Array(1...10))
        try await store.capAtCurrentSize(false)
        _ = try await store.record(held)
        #expect(try await storedSequences(store) == Array(1...30))
    }

    /// The file as it was, for comparison after a refused open: the hub must not change a damaged file.
    static func refusesAndLeavesUntouched(_ path: String, expecting words: [String]) throws {
        let before = try fileBytes(path)
        let error = try #require(openRefused(path), "a damaged database was opened")
        let text = error.description
        #expect(text.contains(path), "names the file: \(text)")
        for w in words { #expect(text.contains(w), "says \(w): \(text)") }
        #expect(text.contains("from a backup") && text.contains("move it aside"), "says what to do: \(text)")
        #expect(try fileBytes(path) == before, "the damaged file was changed")
        let wal = FileManager.default.fileExists(atPath: path + "-wal") ? try fileBytes(path + "-wal") : Data()
        #expect(wal.isEmpty, "nothing written to a -wal beside it")
    }

    @Test func aTruncatedFileIsRefusedWithAClearError() async throws {
        let path = tempDB()
        try await makeStoreFile(path, readings: 300)
        let size = try fileBytes(path).count
        #expect(size > 16 * 4096)
        try FileHandle(forWritingTo: URL(fileURLWithPath: path)).truncate(atOffset: UInt64(size / 2))
        try Self.refusesAndLeavesUntouched(path, expecting: ["damaged", "malformed"])
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndNotOverwritten() async throws {
        let path = tempDB()
        try await makeStoreFile(path, readings: 20)
        // Garbage over the header (the "SQLite format 3" magic and the page size).
        var data = try fileBytes(path)
        for i in 0..<100 { data[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
        try data.write(to: URL(fileURLWithPath: path))
        try Self.refusesAndLeavesUntouched(path, expecting: ["not a SQLite database", "file is not a database"])

        // A text file someone pointed --db at.
        let text = tempDB()
        try Data("patient notes, not a database\n".utf8).write(to: URL(fileURLWithPath: text))
        try Self.refusesAndLeavesUntouched(text, expecting: ["not a SQLite database"])
    }

    /// A table page in the middle of the file with its bytes flipped: `quick_check` finds it at open.
    @Test func aCorruptedTablePageIsFoundAtOpen() async throws {
        let path = tempDB()
        try await makeStoreFile(path, readings: 300)
        let (pageSize, leaves, pages) = try { () throws -> (Int, [Int], Int) in
            let c = try SQLiteConnection(path: path, readOnly: true)
            return (Int(try c.prepare("PRAGMA page_size").query { $0.int(0) }[0]),
                    try c.prepare("SELECT pageno FROM dbstat WHERE name = 'readings' AND pagetype = 'leaf' ORDER BY pageno").query { Int($0.int(0)) },
                    Int(try c.prepare("PRAGMA page_count").query { $0.int(0) }[0]))
        }()
        #expect(leaves.count > 2, "readings spans several pages")
        let page = leaves[leaves.count / 2]
        #expect(page > 1 && page < pages)
        // The page header (type, free block, cell count, content start): SQLite fails the check itself.
        let header = tempDB()
        try FileManager.default.copyItem(atPath: path, toPath: header)
        try flipBytes(header, at: (page - 1) * pageSize, count: 16)
        try Self.refusesAndLeavesUntouched(header, expecting: ["damaged", "malformed"])
        // The first cell pointers, the type byte intact: quick_check lists what it found.
        let cells = tempDB()
        try FileManager.default.copyItem(atPath: path, toPath: cells)
        try flipBytes(cells, at: (page - 1) * pageSize + 8, count: 8)
        try Self.refusesAndLeavesUntouched(cells, expecting: ["damaged", "quick_check", "page \(page)", "out of range"])
    }

    /// A -wal file damaged in the middle (a crash mid-write, a bad sector): SQLite replays it only up to the last
    /// commit before the damage. What was checkpointed and what committed before the damage survives, the store
    /// opens (quick_check passes), and it takes new readings.
    @Test func aCorruptedWALKeepsWhatCameBeforeTheDamage() async throws {
        let path = tempDB()
        try await makeStoreFile(path, readings: 10)
        let store = try VitalsStore(path: path, logger: quiet)
        for n in 11...30 { _ = try await store.record([sequenced(n, rawSize: 40)]) }
        // The state a killed hub leaves: the database file and its -wal (synchronous=FULL: every commit is in it).
        let copy = tempDB()
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        let wal = try fileBytes(copy + "-wal")
        let pageSize = 4096
        let frameSize = 24 + pageSize
        let frames = (wal.count - 32) / frameSize
        #expect(frames >= 20, "one commit per reading")
        // Damage the page image of a frame in the middle: its checksum no longer matches.
        try flipBytes(copy + "-wal", at: 32 + (frames / 2) * frameSize + 24 + 100, count: 8)

        let reopened = try VitalsStore(path: copy, logger: quiet)
        let kept = try await storedSequences(reopened)
        #expect(Array(kept.prefix(10)) == Array(1...10), "the checkpointed readings are intact")
        #expect(kept == Array(1...kept.count), "what survives is every commit before the damage, in order")
        #expect(kept.count > 10 && kept.count < 30, "kept \(kept.count)")
        _ = try await reopened.record([sequenced(100)])
        #expect(try await storedSequences(reopened).last == 100)
    }
}

/// Checkpoints run on the store's second connection (`Checkpointer`), so no commit pays for copying the WAL: with far
/// fewer than SQLite's 1,000-page automatic checkpoint in the WAL, the database file still takes the new pages.
@Test(.timeLimit(.minutes(1))) func theWALIsCopiedIntoTheDatabaseFileInTheBackground() async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString.prefix(8)).sqlite").path
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    let store = try VitalsStore(path: path, logger: quiet)
    func size(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
    // The migrations' pages reach the file first; wait until it is still for a second.
    var settled = size(path), still = 0
    while still < 10 {
        try await Task.sleep(for: .milliseconds(100))
        let now = size(path)
        still = now == settled ? still + 1 : 0
        settled = now
    }
    for n in stride(from: 1, through: 200, by: 10) { _ = try await store.record((n..<(n + 10)).map { sequenced($0, rawSize: 40) }) }
    #expect(size(path + "-wal") < 1000 * 4096, "SQLite's own checkpoint (at 1,000 WAL pages) has not run")
    var grown = false
    for _ in 0..<50 where !grown {
        try await Task.sleep(for: .milliseconds(100))
        grown = size(path) > settled
    }
    #expect(grown, "the database file took the new pages without a checkpoint at commit")
    #expect(try await storedSequences(store) == Array(1...200))
}
