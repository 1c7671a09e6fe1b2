import LakeFormat
import GeneratorKit
import Synchronization

/// What the shop knows of a member's life: the pets they keep, how often they buy,
/// when they stop, when the food bag and the litter run out, where they came from and
/// how much a shopping festival or an offer draws them. All of it is drawn from the
/// member's own stream, seeded from (seed, member number), never from earlier
/// partitions: any day can be generated alone and still see the same member.
///
/// Only integer, comparison and IEEE-exact arithmetic (+ − × ÷) is used, so every
/// machine draws the same lives.
struct MemberLife: Sendable {
    /// Dogs and cats kept, and the dogs' size (0 small, 1 medium, 2 large).
    let dogs: Int
    let cats: Int
    let dogSize: Int
    /// The member's buying rate relative to others: heavy-tailed (Pareto, α = 1,
    /// truncated), so a few members buy far more often than most.
    let activity: Double
    /// The first day the member no longer buys (churn), or nil for a member who stays.
    let lapse: LakeDate?
    /// Days one pack of the member's usual food lasts the pets it feeds (their dogs,
    /// or their cats when they keep no dog), and the day of the cycle the first pack
    /// was bought on.
    let cycle: Int
    let phase: Int
    /// The size of the food packs the member buys (an index of `packs`).
    let pack: Int
    /// For members with cats, the same for cat litter: days a bag lasts, the day of
    /// the cycle the first was bought on, the bag's size (an index of `litterBags`).
    let litterCycle: Int
    let litterPhase: Int
    let litterBag: Int
    /// The member's own key, for draws that depend on the day (`due`).
    let key: UInt64
    let registered: LakeDate
    /// How the member first came to the shop (an index of `channels`).
    let channel: Int
    /// How strongly a shopping festival draws the member: 0 little, 1 as anyone, 2 much
    /// (`festivalFactor`). Not a column: a shop does not know it, an analyst infers it
    /// from when the member buys.
    let sensitivity: Int

    /// Dogs only, cats only, both: estimates, with dogs ahead of cats as in the 2023
    /// household shares of the reference data (13.8% dogs, 10.4% cats).
    static let households = WeightedChoice(weights: [0.50, 0.38, 0.12])
    static let petCount = WeightedChoice(weights: [0.70, 0.22, 0.08])
    static let dogSizes = WeightedChoice(weights: [0.55, 0.30, 0.15])
    /// Months a member keeps buying before lapsing: a quarter lapse after their first
    /// month, 62 % after 2 to 25 months (2.6 % of members each month), 13 % never.
    static let monthsActive = WeightedChoice(weights: [25] + (1...24).map { _ in 2.6 } + [12.6])
    /// Grams of dry food a day: a small, medium or large dog; a cat.
    static let dogGrams = [110, 250, 420], catGrams = 60
    /// The food packs a member buys (kilograms; sizes the catalogue sells for dogs and
    /// cats alike) and the share of members buying each (estimates).
    static let packKilograms = WeightedChoice(weights: [0.20, 0.25, 0.25, 0.15, 0.15])
    static let packs = [1.5, 2.0, 6.0, 7.0, 10.0]
    /// Litter a cat uses a day (litres, an estimate), and the bags a member buys
    /// (litres, the catalogue's sizes) with their shares.
    static let litterLitresPerCat = 0.25
    static let litterBagChoice = WeightedChoice(weights: [0.20, 0.25, 0.25, 0.20, 0.10])
    static let litterBags = [5.0, 6.0, 7.0, 10.0, 20.0]
    /// The factor on a member's weight on a threshold-discount day (the everyday offer
    /// with the deepest saving), by sensitivity.
    static let offerFactor = [0.8, 1.0, 1.4]
    /// Acquisition channels and their shares (estimates): search, ads, social posts,
    /// the LINE official account, a friend's referral, a pet expo's sign-up desk.
    static let channels: [StaticString] = ["organic_search", "paid_search", "social", "line", "referral", "pet_expo"]
    static let channelChoice = WeightedChoice(weights: [0.28, 0.20, 0.22, 0.12, 0.12, 0.06])
    /// Promotion sensitivity by channel: members won by ads, posts and LINE pushes
    /// answer offers more often than those who searched, were referred or met the shop.
    static let promotedSensitivity = WeightedChoice(weights: [0.20, 0.45, 0.35])
    static let organicSensitivity = WeightedChoice(weights: [0.40, 0.45, 0.15])
    /// The factor on a member's weight during a shopping festival, by sensitivity.
    static let festivalFactor = [0.5, 1.0, 3.0]

    init(seed: UInt64, member: Int, registered: LakeDate) {
        key = SplitMix64.mix(seed ^ 0x6D65_6D62_6572_6C69) ^ UInt64(member)
        var rng = SplitMix64(seed: key)
        let household = Self.households.draw(&rng)
        let n = 1 + Self.petCount.draw(&rng)
        switch household {
        case 0: (dogs, cats) = (n, 0)
        case 1: (dogs, cats) = (0, n)
        default: (dogs, cats) = (max(1, n - 1), 1)
        }
        dogSize = Self.dogSizes.draw(&rng)
        activity = min(40, 1 / (rng.unit() + 0.025))
        let months = Self.monthsActive.draw(&rng)
        lapse = months == Self.monthsActive.count - 1 ? nil : registered.adding(days: 30 * (months + 1))
        let grams = dogs > 0 ? dogs * Self.dogGrams[dogSize] : cats * Self.catGrams
        pack = Self.packKilograms.draw(&rng)
        cycle = Self.days(Self.packs[pack] * 1000 / Double(grams))
        phase = rng.below(cycle)
        self.registered = registered
        // Drawn last, so the draws above give the lives they gave before these existed.
        channel = Self.channelChoice.draw(&rng)
        sensitivity = (1...3).contains(channel) ? Self.promotedSensitivity.draw(&rng) : Self.organicSensitivity.draw(&rng)
        litterBag = Self.litterBagChoice.draw(&rng)
        litterCycle = cats == 0 ? 0 : Self.days(Self.litterBags[litterBag] / (Self.litterLitresPerCat * Double(cats)))
        litterPhase = cats == 0 ? 0 : rng.below(litterCycle)
    }

    /// Days a pack lasts, kept between 7 and 120.
    static func days(_ d: Double) -> Int { max(7, min(120, Int(d))) }

    /// What runs out on `dt`: the member's food, and for cat owners their litter. A
    /// pack runs out every `cycle` days, each time up to two days earlier or later (as
    /// pets eat more one month than another), drawn from the member and the pack's
    /// number alone, so any day can still be generated alone.
    func due(on dt: LakeDate) -> (food: Bool, litter: Bool) {
        let age = Int(dt.daysSinceEpoch - registered.daysSinceEpoch)
        guard age >= 0 else { return (false, false) }
        func runsOut(_ cycle: Int, _ phase: Int, _ salt: UInt64) -> Bool {
            guard cycle > 0 else { return false }
            let t = age + phase, k = (t + cycle / 2) / cycle
            let jitter = Int(SplitMix64.mix(SplitMix64.mix(key ^ salt) &+ UInt64(k)) % 5) - 2
            return t == k * cycle + jitter
        }
        return (runsOut(cycle, phase, 0x666F_6F64), runsOut(litterCycle, litterPhase, 0x6C69_7474_6572))
    }

    /// The pet the member's usual food is for: their dogs, or their cats when they keep no dog.
    var fedPet: String { dogs > 0 ? "dog" : "cat" }

    /// The member's dog size as the customers table names it; nil without dogs.
    var dogSizeName: StaticString? { dogs == 0 ? nil : (["small", "medium", "large"] as [StaticString])[dogSize] }

    /// How strongly the member is drawn for a session on `dt`: nothing before they
    /// register or after they lapse; twice as much in their first two weeks; eight
    /// times on the day their food or litter runs out (`due`), so orders come back
    /// at the end of each pack; by their sensitivity during a shopping
    /// festival (`festival`) and, less, on a threshold-discount day (`offer`).
    func weight(on dt: LakeDate, festival: Bool = false, offer: Bool = false) -> Double {
        guard dt > registered, lapse.map({ dt < $0 }) ?? true else { return 0 }
        let age = Int(dt.daysSinceEpoch - registered.daysSinceEpoch)
        var w = activity
        if age <= 14 { w *= 2 }
        let due = due(on: dt)
        if due.food || due.litter { w *= 8 }
        if festival { w *= Self.festivalFactor[sensitivity] } else if offer { w *= Self.offerFactor[sensitivity] }
        return w
    }

    /// The kind of pet a product is bought for: one of the member's, dogs and cats in
    /// proportion to how many are kept.
    func pet(_ rng: inout SplitMix64) -> String {
        if cats == 0 { return "dog" }
        if dogs == 0 { return "cat" }
        return rng.below(dogs + cats) < dogs ? "dog" : "cat"
    }
}

/// The members who may act on one day, each with their weight, for drawing a session's
/// member in proportion to it (an alias table: one random number per draw).
struct MemberDraw: Sendable {
    let lives: [MemberLife]
    let choice: WeightedChoice?

    /// `lives`: at least every member registered before `dt`, in member order;
    /// `festival`: whether a shopping festival's campaigns run on `dt`; `offer`:
    /// whether its promotion type is the threshold discount.
    init(lives all: [MemberLife], dt: LakeDate, festival: Bool = false, offer: Bool = false) {
        var weights: [Double] = []
        weights.reserveCapacity(all.count)
        for life in all {
            guard life.registered < dt else { break }
            weights.append(life.weight(on: dt, festival: festival, offer: offer))
        }
        lives = all
        choice = weights.contains { $0 > 0 } ? WeightedChoice(weights: weights) : nil
    }

    var isEmpty: Bool { choice == nil }

    /// A member number (from 1), drawn in proportion to the members' weights.
    func draw(_ rng: inout SplitMix64) -> Int { choice!.draw(&rng) + 1 }
}

/// Every member's life drawn so far, shared by the threads generating days: a life
/// is a pure function of (seed, member, registration day), so drawing each once
/// serves every day after it.
final class MemberCache: Sendable {
    let state = Mutex<(lives: [MemberLife], next: LakeDate?)>(([], nil))

    /// The lives of every member registered before `dt` (and perhaps some after), in
    /// member order.
    func lives(before dt: LakeDate, config: PetShopConfig) -> [MemberLife] {
        state.withLock { s in
            let people = People(config: config)
            var day = s.next ?? config.opened.adding(days: -1)
            while day < dt {
                for _ in 0..<people.newMembers(on: day) {
                    s.lives.append(MemberLife(seed: config.seed, member: s.lives.count + 1, registered: day))
                }
                day = day.adding(days: 1)
            }
            s.next = max(day, s.next ?? day)
            return s.lives
        }
    }
}
