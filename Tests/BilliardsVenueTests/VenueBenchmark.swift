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

/// Prints one record of each endpoint as JSON. Runs only with OPSLAKE_VENUE_SAMPLE=1.
@Suite("venue samples")
struct VenueSamples {
    @Test("one payload per endpoint", .enabled(if: getenv("OPSLAKE_VENUE_SAMPLE") != nil))
    func samples() throws {
        let venue = try Fixture.venue(seed: 1)
        let days = (0..<14).map { venue.day(venue.stores[0], dt: Fixture.opened.adding(days: $0)) }
        for e in Endpoint.allCases {
            let records = days.flatMap { $0.records(e) }
            // The richest: a settlement with a coupon or refund, a ticket with most lines.
            let pick = records.max { try! VenueJSON.encode($0).count < VenueJSON.encode($1).count }
            if let pick { print("\(e.dataset): " + String(decoding: try VenueJSON.encode(pick), as: UTF8.self)) }
        }
    }
}
