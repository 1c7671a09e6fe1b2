import BilliardsVenue
import LakeFormat

/// Venues and days shared by the suites: a few seeds, three stores, three weeks from
/// a Monday.
enum Fixture {
    static let opened = LakeDate(year: 2026, month: 3, day: 2)  // a Monday
    static let seeds: [UInt64] = [1, 7, 2026]
    static let days = 21

    static func venue(seed: UInt64, stores: Int = 3) throws -> Venue {
        var config = VenueConfig()
        config.opened = opened
        config.storeCount = stores
        return try Venue(config: config, seed: seed)
    }

    /// Every day of every store of a venue, in order.
    static func history(_ venue: Venue, days: Int = days) -> [[VenueDay]] {
        venue.stores.map { store in (0..<days).map { venue.day(store, dt: opened.adding(days: $0)) } }
    }

    /// The histories of every seed, cached: the suites read them many times.
    static let histories: [(seed: UInt64, venue: Venue, days: [[VenueDay]])] = seeds.map { seed in
        let v = try! venue(seed: seed)
        return (seed, v, history(v))
    }
}

extension Array {
    func grouped<K: Hashable>(by key: (Element) -> K) -> [K: [Element]] { Dictionary(grouping: self, by: key) }
}
