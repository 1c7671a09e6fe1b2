import Testing
import LakeFormat
@testable import PetShop

@Suite("members' lives")
struct MemberLifeTests {
    let day = LakeDate(year: 2025, month: 3, day: 1)
    var lives: [MemberLife] { (1...20_000).map { MemberLife(seed: 7, member: $0, registered: day) } }

    @Test("a life is a function of (seed, member): drawn twice, the same; another seed, another life")
    func deterministic() {
        for member in [1, 2, 999, 123_456] {
            let a = MemberLife(seed: 7, member: member, registered: day), b = MemberLife(seed: 7, member: member, registered: day)
            #expect([a.dogs, a.cats, a.dogSize, a.cycle, a.phase, a.channel, a.sensitivity, a.pack, a.litterCycle, a.litterPhase, a.litterBag]
                    == [b.dogs, b.cats, b.dogSize, b.cycle, b.phase, b.channel, b.sensitivity, b.pack, b.litterCycle, b.litterPhase, b.litterBag])
            #expect(a.key == b.key && a.due(on: day.adding(days: 40)) == b.due(on: day.adding(days: 40)))
            #expect(a.activity == b.activity && a.lapse == b.lapse)
        }
        let others = (1...200).map { MemberLife(seed: 8, member: $0, registered: day) }
        let mine = (1...200).map { MemberLife(seed: 7, member: $0, registered: day) }
        #expect(zip(others, mine).contains { $0.channel != $1.channel || $0.activity != $1.activity })
    }

    @Test("channels follow their shares; members won by ads, posts and LINE are more often highly sensitive")
    func channels() {
        let all = lives
        for (i, share) in [0.28, 0.20, 0.22, 0.12, 0.12, 0.06].enumerated() {
            let seen = Double(all.count { $0.channel == i }) / Double(all.count)
            #expect(abs(seen - share) < 0.015, "\(MemberLife.channels[i]): \(seen)")
        }
        func high(_ promoted: Bool) -> Double {
            let group = all.filter { (1...3).contains($0.channel) == promoted }
            return Double(group.count { $0.sensitivity == 2 }) / Double(group.count)
        }
        #expect(high(true) > 0.30 && high(false) < 0.20, "\(high(true)) \(high(false))")
        #expect(all.allSatisfy { $0.dogs + $0.cats >= 1 && ($0.dogSizeName == nil) == ($0.dogs == 0) })
    }

    @Test("food runs out once a pack's days, give or take two, and litter likewise for cat owners only; on those days the member is drawn eight times as much")
    func packsRunOut() {
        for life in lives.prefix(500) {
            let days = (1...400).map { day.adding(days: $0) }
            let food = days.filter { life.due(on: $0).food }, litter = days.filter { life.due(on: $0).litter }
            #expect(life.cycle == MemberLife.days(MemberLife.packs[life.pack] * 1000
                    / Double(life.dogs > 0 ? life.dogs * MemberLife.dogGrams[life.dogSize] : life.cats * MemberLife.catGrams)))
            for (runs, cycle) in [(food, life.cycle), (litter, life.litterCycle)] where runs.count > 1 {
                for (a, b) in zip(runs, runs.dropFirst()) {
                    let gap = Int(b.daysSinceEpoch - a.daysSinceEpoch)
                    #expect(abs(gap - cycle) <= 4, "cycle \(cycle), gap \(gap)")
                }
                #expect(abs(runs.count - 400 / cycle) <= 2, "\(runs.count) packs of \(cycle) days in 400")
            }
            #expect(life.cats == 0 ? litter.isEmpty && life.litterCycle == 0 : life.litterCycle >= 7)
            if let d = food.first(where: { !life.due(on: $0).litter && $0.daysSinceEpoch - day.daysSinceEpoch > 14 }),
               life.lapse.map({ d < $0 }) ?? true {
                #expect(life.weight(on: d) == life.activity * 8)
            }
        }
    }

    @Test("a pack's amount is read from its label as the catalogue and imports write it; counted packs have none")
    func packAmounts() {
        let cases: [(String, Double?)] = [("2kg", 2), ("400g", 0.4), ("7L", 7), ("500ml", 0.5), ("1.5 kg", 1.5), ("1.5公斤", 1.5),
                                          ("800公克", 0.8), (" 10L ", 10), ("單入", nil), ("30片", nil), ("", nil), ("kg", nil), ("0kg", nil)]
        for (label, want) in cases { #expect(Catalogue.amount(of: label) == want, "\(label)") }
    }

    @Test("a festival, and less a threshold-discount day, multiplies a member's weight by their sensitivity's factor, and nothing else")
    func festivalWeight() {
        let later = day.adding(days: 20)
        for life in lives.prefix(2_000) {
            let plain = life.weight(on: later), festive = life.weight(on: later, festival: true)
            #expect(festive == plain * MemberLife.festivalFactor[life.sensitivity])
            // A threshold-discount day draws by sensitivity too, less; a festival's factor wins.
            #expect(life.weight(on: later, offer: true) == plain * MemberLife.offerFactor[life.sensitivity])
            #expect(life.weight(on: later, festival: true, offer: true) == festive)
        }
        #expect(MemberLife.festivalFactor == [0.5, 1.0, 3.0] && MemberLife.offerFactor == [0.8, 1.0, 1.4])
    }
}
