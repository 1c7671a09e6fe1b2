import Testing
import BilliardsVenue
import LakeFormat
#if canImport(Glibc)
import Glibc
#endif

/// How long 50 stores × 30 days take, with the records per endpoint. Runs only with
/// OPSLAKE_VENUE_BENCH=1 (`swift test --filter VenueBenchmark`, best with `-c release`).
@Suite("venue benchmark")
struct VenueBenchmark {
    @Test("50 stores × 30 days", .enabled(if: getenv("OPSLAKE_VENUE_BENCH") != nil))
    func fiftyStores() throws {
        var config = VenueConfig()
        config.storeCount = 50
        config.opened = LakeDate(year: 2026, month: 3, day: 2)
        let clock = ContinuousClock()
        var counts: [Endpoint: Int] = [:]
        var settlements = 0
        let elapsed = try clock.measure {
            let venue = try Venue(config: config, seed: 1)
            for store in venue.stores {
                for d in 0..<30 {
                    let day = venue.day(store, dt: config.opened.adding(days: d))
                    for e in Endpoint.allCases { counts[e, default: 0] += day.records(e).count }
                    settlements += day.settlements.count
                }
            }
        }
        let total = counts.values.reduce(0, +)
        print("venue benchmark: 50 stores × 30 days: \(total) records (\(settlements) settlement versions) in \(elapsed)")
        for e in Endpoint.allCases { print("  \(e.dataset): \(counts[e, default: 0])") }
    }
}
