import Testing
@testable import LakeFormat

/// `OPSLAKE_FAULT`'s syntax; what the points do is tested end to end (CrashTests,
/// LoadTests, ShipTests, CLITests).
@Suite struct FaultPointTests {
    @Test("<point>[:<n>][:pause] is parsed; anything else is refused with the list of points")
    func parse() throws {
        let cases: [(String, FaultPoint, Int, Bool)] = [
            ("after-journal", .afterJournal, 1, false), ("after-copy-data:40", .afterCopyData, 40, false),
            ("after-lock:pause", .afterLock, 1, true), ("after-unpack-file:3:pause", .afterUnpackFile, 3, true),
        ]
        for (text, point, n, pause) in cases {
            let armed = try FaultPoint.parse(text).get()
            #expect(armed.point == point && armed.occurrence == n && armed.pause == pause, "\(text)")
        }
        for bad in ["", "after-jornal", "after-lock:0", "after-lock:-1", "after-lock:2:stop", "after-lock:pause:2", "after-lock::1"] {
            guard case .failure(let e) = FaultPoint.parse(bad) else { Issue.record("\(bad) was accepted"); continue }
            #expect(!e.message.isEmpty, "\(bad)")
        }
        guard case .failure(let unknown) = FaultPoint.parse("nowhere") else { return }
        #expect(FaultPoint.allCases.allSatisfy { unknown.message.contains($0.rawValue) })
        #expect(!FaultPoint.isArmed, "the test process itself runs unarmed")
    }
}
