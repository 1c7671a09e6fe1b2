public import BilliardsVenue

/// When a fault strikes: at a rate, decided per request number by a hash of the
/// fault seed, and at scheduled request numbers. Request numbers count every request
/// the server receives, from 1.
public struct FaultRule: Sendable, Hashable {
    /// The share of requests hit, 0 to 1.
    public var rate: Double
    /// Request numbers that are always hit.
    public var at: Set<Int>

    public init(rate: Double = 0, at: Set<Int> = []) {
        self.rate = rate
        self.at = at
    }

    public var isActive: Bool { rate > 0 || !at.isEmpty }
}

/// The faults a server injects, for tests and drills of a pull. Every decision is a
/// function of the fault seed and the request number (or, for late records, the
/// record's source key), so a test can rely on which request fails.
///
///     var faults = FaultPlan(seed: 7)
///     faults.fail = FaultRule(at: [3, 7])        // requests 3 and 7 answer 503
///     faults.throttle = FaultRule(rate: 0.1)     // a tenth answer 429 with Retry-After
///     faults.lateRate = 0.05; faults.lateMinutes = 30
///     faults.miscount = FaultRule(at: [2])      // request 2's total is one too many
public struct FaultPlan: Sendable, Hashable {
    public var seed: UInt64
    /// 503 Service Unavailable with the error envelope.
    public var fail = FaultRule()
    /// 429 Too Many Requests with `Retry-After: retryAfterSeconds`.
    public var throttle = FaultRule()
    public var retryAfterSeconds = 1
    /// The response (whatever it is) is sent only after `slowSeconds`.
    public var slow = FaultRule()
    public var slowSeconds = 30.0
    /// A 200 response whose headers announce the whole body, of which only the
    /// first half is sent before the connection is closed.
    public var drop = FaultRule()
    /// A 200 response whose body is the first half of the JSON (a consistent
    /// Content-Length, a body that does not parse).
    public var malformed = FaultRule()
    /// A page whose `total` counts one record more than its window holds, as when the
    /// upstream's count and its list disagree while records are written: a client that
    /// pages by the total sees it change, or come up one record short.
    public var miscount = FaultRule()
    /// After this many requests every later one answers 401 (the token expired).
    public var tokenExpiresAfter: Int?
    /// The share of records, chosen by a hash of the fault seed and the source key,
    /// that become visible only `lateMinutes` after their version time.
    public var lateRate = 0.0
    public var lateMinutes = 0

    public init(seed: UInt64 = 0) { self.seed = seed }

    public enum Kind: UInt64, Sendable, CaseIterable {
        case fail = 1, throttle, slow, drop, malformed, late, miscount
    }

    /// Whether the fault of `kind` strikes request number `request` (from 1).
    public func hits(_ kind: Kind, request: Int) -> Bool {
        let rule: FaultRule
        switch kind {
        case .fail: rule = fail
        case .throttle: rule = throttle
        case .slow: rule = slow
        case .drop: rule = drop
        case .malformed: rule = malformed
        case .miscount: rule = miscount
        case .late: return false
        }
        if rule.at.contains(request) { return true }
        guard rule.rate > 0 else { return false }
        return Self.unit(Self.mix(seed, kind.rawValue, UInt64(truncatingIfNeeded: request))) < rule.rate
    }

    /// Whether records with `sourceKey` arrive late (`lateMinutes` after their version time).
    public func isLate(sourceKey: String) -> Bool {
        guard lateRate > 0, lateMinutes > 0 else { return false }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for b in sourceKey.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Self.unit(Self.mix(seed, Kind.late.rawValue, h)) < lateRate
    }

    /// Whether any record can arrive late.
    public var hasLateRecords: Bool { lateRate > 0 && lateMinutes > 0 }

    /// Checks the settings; `problem` names the flag at fault.
    public func validate() throws {
        func check(_ ok: Bool, _ problem: String) throws { if !ok { throw APISettingsError(problem) } }
        for (name, rule) in [("--fail-rate", fail), ("--throttle-rate", throttle), ("--slow-rate", slow), ("--drop-rate", drop), ("--malformed-rate", malformed), ("--miscount-rate", miscount)] {
            try check((0...1).contains(rule.rate), "\(name) \(rule.rate) is outside 0...1")
            try check(rule.at.allSatisfy { $0 >= 1 }, "\(name.replacingOccurrences(of: "-rate", with: "-at")) takes request numbers from 1")
        }
        try check((0...1).contains(lateRate), "--late-rate \(lateRate) is outside 0...1")
        try check(lateMinutes >= 0 && lateMinutes <= 10_080, "--late-minutes must be 0 to 10080 (a week)")
        try check(retryAfterSeconds >= 0 && retryAfterSeconds <= 86_400, "--retry-after must be 0 to 86400 seconds")
        try check(slowSeconds >= 0 && slowSeconds <= 3_600, "--slow-seconds must be 0 to 3600")
        try check((tokenExpiresAfter ?? 0) >= 0, "--token-expires-after must be 0 or more")
    }

    /// SplitMix64's finaliser over three words.
    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var z = a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ (c &* 0xD1B5_4A32_D192_ED03)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A hash as a number in [0, 1).
    static func unit(_ z: UInt64) -> Double { Double(z >> 11) / Double(UInt64(1) << 53) }
}

/// The server's clock: what "now" is when deciding which records exist yet.
public enum APIClock: Sendable, Hashable {
    /// The machine's clock.
    case system
    /// A fixed moment, for tests and replays.
    case fixed(VenueTime)

    public var now: VenueTime {
        switch self {
        case .system:
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return VenueTime(secondsSinceEpoch: Int64(ts.tv_sec))
        case .fixed(let t): return t
        }
    }
}

/// A server setting that cannot work, naming the flag.
public struct APISettingsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
