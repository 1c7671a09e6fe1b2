import BilliardsVenue
import Synchronization

/// The encoded records of recent windows, so that paging through a window asks the
/// venue once. Least recently used windows go first when the bytes held pass the bound.
final class WindowCache: Sendable {
    struct Key: Hashable, Sendable {
        var endpoint: Endpoint
        var store: Int
        var from: VenueTime
        /// Where the window ends for records on time, and for late ones (both clamped to "now").
        var onTimeEnd: VenueTime
        var lateEnd: VenueTime
    }

    /// One window's records, each encoded as `VenueJSON` encodes it, in page order; or
    /// one day's tickets, each a whole answer, with their ids and when each is visible.
    final class Entry: Sendable {
        let records: [[UInt8]]
        let tickets: [(id: Int64, visibleFrom: VenueTime)]
        let bytes: Int
        init(records: [[UInt8]], tickets: [(id: Int64, visibleFrom: VenueTime)] = []) {
            self.records = records
            self.tickets = tickets
            bytes = records.reduce(64) { $0 + $1.count + 16 } + tickets.count * 16
        }
    }

    struct State: ~Copyable {
        var entries: [Key: (entry: Entry, used: UInt64)] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    let limit: Int
    let state = Mutex(State())

    init(limitBytes: Int) { limit = limitBytes }

    /// The entry of `key` if it is kept (a hit), else nil (counted when `entry` makes it).
    func kept(_ key: Key) -> Entry? {
        state.withLock { s in
            guard let hit = s.entries[key] else { return nil }
            s.tick += 1
            s.hits += 1
            s.entries[key] = (hit.entry, s.tick)
            return hit.entry
        }
    }

    func entry(_ key: Key, make: () throws -> Entry) rethrows -> Entry {
        let found: Entry? = state.withLock { s in
            s.tick += 1
            guard let hit = s.entries[key] else { s.misses += 1; return nil }
            s.hits += 1
            s.entries[key] = (hit.entry, s.tick)
            return hit.entry
        }
        if let found { return found }
        // Made outside the lock: two requests for the same new window may both make it.
        let made = try make()
        state.withLock { s in
            if let old = s.entries.updateValue((made, s.tick), forKey: key) { s.bytes -= old.entry.bytes }
            s.bytes += made.bytes
            while s.bytes > limit, s.entries.count > 1,
                  let oldest = s.entries.filter({ $0.key != key }).min(by: { $0.value.used < $1.value.used }) {
                s.entries.removeValue(forKey: oldest.key)
                s.bytes -= oldest.value.entry.bytes
            }
        }
        return made
    }

    /// Windows made and windows served from the cache, and the bytes held.
    var statistics: (hits: Int, misses: Int, bytes: Int, windows: Int) {
        state.withLock { ($0.hits, $0.misses, $0.bytes, $0.entries.count) }
    }
}
