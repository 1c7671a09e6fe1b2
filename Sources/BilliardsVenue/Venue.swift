public import LakeFormat
import GeneratorKit
import Synchronization

/// A simulated tenant of the venue-management SaaS: several billiards stores whose
/// records are the upstream's truth, served later as its 23 endpoints.
///
/// Every record is a function of (config, seed, store, business day): the same
/// inputs give the same records whatever order days or stores are asked for. What
/// carries from day to day (members, card balances, stock, refunds promised for
/// later) is folded from the opening day; states are kept every 28 days and after
/// the last day asked, and the last eight days made are kept whole, so asking the next
/// day or the same day again costs at most one day.
///
///     let venue = try Venue(config: VenueConfig(), seed: 1)
///     let day = venue.day(venue.stores[0], dt: LakeDate(year: 2026, month: 3, day: 14))
///     let changed = venue.records(.memberProfiles, store: venue.stores[0], updatedIn: from..<to)
public final class Venue: Sendable {
    public let config: VenueConfig
    public let seed: UInt64
    /// The tenant's stores, in the order of their ids.
    public let stores: [Store]
    let tenant: Tenant
    let ledgers: [StoreLedger]

    public init(config: VenueConfig = VenueConfig(), seed: UInt64) throws {
        try config.validate()
        self.config = config
        self.seed = seed
        let tenant = Tenant(config: config, seed: seed)
        self.tenant = tenant
        let profiles = (1...config.storeCount).map { StoreProfile(config: config, seed: seed, index: $0) }
        ledgers = profiles.map { StoreLedger(config: config, tenant: tenant, profile: $0) }
        stores = profiles.map {
            Store(id: $0.id, index: $0.index, name: $0.name, city: $0.city, address: $0.address, opened: config.opened)
        }
    }

    /// The store with upstream id `id`.
    public func store(id: Int64) -> Store? { stores.first { $0.id == id } }

    /// Every record and record version one store's business day `dt` made (08:00 to
    /// 08:00). Before the opening day, nothing.
    public func day(_ store: Store, dt: LakeDate) -> VenueDay {
        precondition(stores.indices.contains(store.index - 1) && stores[store.index - 1] == store, "\(store.name) is not a store of this venue")
        return ledgers[store.index - 1].day(dt)
    }

    /// The records of `endpoint` for `store` whose latest version at `range.upperBound`
    /// was made in `range`: what a time-windowed request sees. A record changed twice
    /// in the window appears once, as its later version. Ordered by version time,
    /// then source key.
    public func records(_ endpoint: Endpoint, store: Store, updatedIn range: Range<VenueTime>) -> [any VenueRecord] {
        guard !range.isEmpty, range.upperBound > VenueTime.opening(of: config.opened) else { return [] }
        let first = max(range.lowerBound.businessDate, config.opened)
        let last = range.upperBound.adding(seconds: -1).businessDate
        var found: [any VenueRecord] = []
        var latest: [String: Int] = [:]
        var dt = first
        while dt <= last {
            for record in day(store, dt: dt).records(endpoint) where range.contains(record.versionTime) {
                if let i = latest[record.sourceKey] {
                    if found[i].versionTime <= record.versionTime { found[i] = record }
                } else {
                    latest[record.sourceKey] = found.count
                    found.append(record)
                }
            }
            dt = dt.adding(days: 1)
        }
        return found.sorted { ($0.versionTime, $0.sourceKey) < ($1.versionTime, $1.sourceKey) }
    }

    /// The same, typed.
    public func records<R: VenueRecord>(_ type: R.Type, store: Store, updatedIn range: Range<VenueTime>) -> [R] {
        records(R.endpoint, store: store, updatedIn: range).compactMap { $0 as? R }  // every record of R.endpoint is an R
    }
}

/// A store (site) of the tenant.
public struct Store: Sendable, Hashable, Identifiable {
    /// The upstream's site id.
    public var id: Int64
    /// 1-based position among the tenant's stores.
    public var index: Int
    /// `乐享台球(徐汇店)`.
    public var name: String
    public var city: String
    public var address: String
    public var opened: LakeDate
}

/// One store's days, folded from its opening day, with a cache of states and days.
final class StoreLedger: Sendable {
    let config: VenueConfig
    let tenant: Tenant
    let profile: StoreProfile
    let cache = Mutex(Cache())

    /// States are kept at the start of every `spacing`-th day from the opening.
    static let spacing: Int32 = 28
    /// Days kept whole.
    static let recentDays = 8

    struct Cache: ~Copyable {
        var checkpoints: [Int32: StoreState] = [:]
        var latest: StoreState?
        var recent: [(dt: LakeDate, day: VenueDay)] = []
    }

    init(config: VenueConfig, tenant: Tenant, profile: StoreProfile) {
        self.config = config
        self.tenant = tenant
        self.profile = profile
    }

    func day(_ dt: LakeDate) -> VenueDay {
        guard dt >= config.opened else { return VenueDay(siteId: profile.id, dt: dt) }
        return cache.withLock { cache in
            if let hit = cache.recent.first(where: { $0.dt == dt }) { return hit.day }
            var state = StoreState(opening: config.opened)
            if let best = cache.checkpoints.keys.filter({ $0 <= dt.daysSinceEpoch }).max() { state = cache.checkpoints[best]! }
            if let latest = cache.latest, latest.dt <= dt, latest.dt > state.dt { state = latest }
            while true {
                var simulation = DaySimulation(config: config, tenant: tenant, store: profile, state: state)
                let (day, next) = simulation.run()
                state = next
                if (next.dt.daysSinceEpoch - config.opened.daysSinceEpoch) % Self.spacing == 0 {
                    cache.checkpoints[next.dt.daysSinceEpoch] = next
                }
                if day.dt == dt {
                    cache.latest = next
                    cache.recent.append((dt, day))
                    if cache.recent.count > Self.recentDays { cache.recent.removeFirst() }
                    return day
                }
            }
        }
    }
}
