import LakeFormat
import GeneratorKit

/// Members: names with Taiwan's surname frequencies, contact details in Taiwan's
/// formats and addresses weighted by population; and the changes they make later.
struct People {
    let reference = Reference.shared
    let config: PetShopConfig

    /// Members who joined on `dt`; the opening base is the partition of the day before opening.
    func newMembers(on dt: LakeDate) -> Int {
        if dt == config.opened.adding(days: -1) { return scaled(config.openingMembers) }
        guard dt >= config.opened else { return 0 }
        var rng = SplitMix64(seed: config.seed, label: "petshop.customers.count", day: dt.daysSinceEpoch)
        return scaled(rng.int(in: config.newMembersPerDay))
    }

    /// The number of the first member who joined on `dt`: members registered before
    /// `dt` are 1 ..< firstMember(dt).
    func firstMember(on dt: LakeDate) -> Int {
        var n = 1
        var day = config.opened.adding(days: -1)
        while day < dt {
            n += newMembers(on: day)
            day = day.adding(days: 1)
        }
        return n
    }

    func scaled(_ n: Int) -> Int { Int((Double(n) * config.scale).rounded()) }

    /// Writes the members who joined on `dt`.
    func writeCustomers(on dt: LakeDate, into sink: any RowSink) throws {
        let count = newMembers(on: dt)
        let first = firstMember(on: dt)
        guard first + count <= 100_000_000 else {
            throw PetShopError("petshop.customers dt=\(dt) would number members past C99999999; lower scale or new_members_per_day")
        }
        var rng = SplitMix64(seed: config.seed, label: "petshop.customers", day: dt.daysSinceEpoch)
        var clock = DailyClock(count: count, hourlyWeights: config.hourlyWeights, rng: &rng)
        // Members are drawn a batch at a time and written after: each draw starts loading
        // its road's slot, so the batch's cache misses overlap instead of each stalling
        // its own row. The draws are made in the same order either way.
        var batch: [DrawnMember] = []
        batch.reserveCapacity(Self.batch)
        var i = 0
        var more = true
        while more {
            batch.removeAll(keepingCapacity: true)
            while batch.count < Self.batch, let second = clock.next(&rng) {
                let female = rng.chance(0.58)
                let (name, surname) = self.name(female: female, &rng)
                let birthday = self.birthday(on: dt, &rng)
                let place = drawAddress(&rng)
                reference.roads.prefetch(place.road)
                let phone = mobile(&rng)
                let mail = email(surname: surname, female: female, birthYear: birthday.components.year, &rng)
                batch.append(DrawnMember(second: second, female: female, name: name, birthday: birthday, place: place, phone: phone, mail: mail))
            }
            more = batch.count == Self.batch
            for m in batch {
                // The life the simulation gives this member (its own stream, not this day's).
                let life = MemberLife(seed: config.seed, member: first + i, registered: dt)
                try CustomerRow(customerID: Identifier("C", first + i, width: 8), name: m.name, gender: m.female ? "F" : "M",
                                birthday: m.birthday, mobile: m.phone, email: m.mail, city: m.place.city, district: m.place.district,
                                postalCode: m.place.zip, address: street(m.place), registeredAt: taipei(dt, m.second), dogs: life.dogs,
                                cats: life.cats, dogSize: life.dogSizeName, acquisitionChannel: MemberLife.channels[life.channel])
                    .write(to: sink)
                i += 1
            }
        }
    }

    /// Members drawn per batch by `writeCustomers`.
    static let batch = 32

    /// A member's draws, kept until the batch is written.
    struct DrawnMember {
        var second: Int
        var female: Bool
        var name: TextBuilder
        var birthday: LakeDate
        var place: AddressDraw
        var phone: TextBuilder
        var mail: TextBuilder
    }

    /// Writes the day's changes of mobile, e-mail or address by members registered before `dt`.
    func writeChanges(on dt: LakeDate, into sink: any RowSink) throws {
        let members = firstMember(on: dt) - 1
        guard dt >= config.opened, members > 0 else { return }
        var rng = SplitMix64(seed: config.seed, label: "petshop.customer_changes", day: dt.daysSinceEpoch)
        let expected = Double(members) * config.contactChangesPer1000 / 1000 * (0.8 + 0.4 * rng.unit())
        let count = Int(expected) + (rng.unit() < expected - Double(Int(expected)) ? 1 : 0)
        var clock = DailyClock(count: count, hourlyWeights: config.hourlyWeights, rng: &rng)
        let day = DayDigits(dt)
        var i = 0
        while let second = clock.next(&rng) {
            let customer = Identifier("C", 1 + rng.below(members), width: 8)
            let kind = rng.below(10)
            var row = CustomerChangeRow(changeID: Identifier("CC", day, i + 1, width: 5), customerID: customer,
                                        changedAt: taipei(dt, second),
                                        changeType: kind < 3 ? "mobile" : kind < 6 ? "email" : "address")
            if kind < 3 {
                row.mobile = mobile(&rng)
            } else if kind < 6 {
                let (_, surname) = name(female: rng.chance(0.58), &rng)
                row.email = email(surname: surname, female: rng.chance(0.58), birthYear: 1960 + rng.below(45), &rng)
            } else {
                let place = address(&rng)
                (row.city, row.district, row.postalCode, row.address) = (place.city, place.district, place.zip, place.street)
            }
            try row.write(to: sink)
            i += 1
        }
    }


    /// A full name and the index of its surname.
    func name(female: Bool, _ rng: inout SplitMix64) -> (TextBuilder, Int) {
        let s = reference.surnameChoice.draw(&rng)
        let sex = female ? 0 : 1
        let roll = rng.below(100)
        var name = TextBuilder()
        name.append(reference.surnames[s])
        if roll < 12 {
            name.append(reference.givenNames[sex][reference.givenNameChoice[sex].draw(&rng)])
        } else if roll < 15 {
            name.append(reference.givenChars[sex][reference.givenCharChoice[sex].draw(&rng)])
        } else {
            let a = reference.givenCharChoice[sex].draw(&rng)
            var b = reference.givenCharChoice[sex].draw(&rng)
            if b == a { b = (a + 1 + rng.below(reference.givenChars[sex].count - 1)) % reference.givenChars[sex].count }
            name.append(reference.givenChars[sex][a])
            name.append(reference.givenChars[sex][b])
        }
        return (name, s)
    }

    /// An adult's birthday: ages 18-75, most between 25 and 44 (pet owners).
    func birthday(on dt: LakeDate, _ rng: inout SplitMix64) -> LakeDate {
        let band = People.ageBands[People.ageChoice.draw(&rng)]
        let age = rng.int(in: band)
        return dt.adding(days: -(age * 365 + age / 4) - rng.below(365))
    }

    static let ageBands: [ClosedRange<Int>] = [18...24, 25...34, 35...44, 45...54, 55...64, 65...75]
    static let ageChoice = WeightedChoice(weights: [0.12, 0.30, 0.28, 0.17, 0.09, 0.04])

    /// `09XX-XXX-XXX` from the consumer mobile blocks.
    func mobile(_ rng: inout SplitMix64) -> TextBuilder {
        let prefix = reference.mobilePrefixes[rng.below(reference.mobilePrefixes.count)]
        let n = rng.below(1_000_000)
        var text = TextBuilder()
        text.append(prefix)
        text.append("-")
        text.append(n / 1000, width: 3)
        text.append("-")
        text.append(n % 1000, width: 3)
        return text
    }

    /// Local parts as Taiwanese addresses look: a romanized surname with a birth year
    /// or digits, or an English nickname with digits (the patterns contact.json lists).
    func email(surname: Int, female: Bool, birthYear: Int, _ rng: inout SplitMix64) -> TextBuilder {
        let roman = reference.surnameRomanizations[surname]
        let nick = (female ? People.femaleNicknames : People.maleNicknames)
        var text = TextBuilder()
        switch rng.below(4) {
        case 0 where !roman.isEmpty:
            text.append(roman)
            text.append(birthYear)
        case 1 where !roman.isEmpty:
            text.append(nick[rng.below(nick.count)])
            text.append(".")
            text.append(roman)
        case 2:
            text.append(nick[rng.below(nick.count)])
            text.append(birthYear % 100 + 100 * rng.below(10))
        default:
            text.append(nick[rng.below(nick.count)])
            text.append(1000 + rng.below(9000))
        }
        text.append("@")
        text.append(reference.emailDomains[reference.emailDomainChoice.draw(&rng)])
        return text
    }

    /// English names common among Taiwanese users; compiled by hand (an estimate).
    static let femaleNicknames = ["amy", "angel", "annie", "betty", "cindy", "claire", "daisy", "emily", "grace", "iris", "ivy", "jenny",
                                  "joyce", "judy", "karen", "kelly", "linda", "lily", "mandy", "nina", "peggy", "sandy", "tina",
                                  "vivian", "wendy", "yuki", "zoe"]
    static let maleNicknames = ["alan", "andy", "ben", "chris", "david", "eric", "frank", "gary", "jack", "jason", "jerry", "kevin",
                                "leo", "mark", "max", "peter", "ray", "sam", "steven", "tony", "vincent", "wayne", "allen"]

    /// City, district, zip3 and street address, weighted by population; the road is one
    /// of the township's own (Chunghwa Post's list, sections included), each alike. A
    /// road or street takes a lane, alley and floor as drawn; a named lane no further
    /// lane; a locality (a village, a market) only its number. Every draw is made
    /// whatever the road, so the stream does not depend on the list.
    func address(_ rng: inout SplitMix64) -> (city: String, district: String, zip: String, street: TextBuilder) {
        let drawn = drawAddress(&rng)
        return (drawn.city, drawn.district, drawn.zip, street(drawn))
    }

    /// An address's draws, made in their order whatever the road: what `street(_:)`
    /// writes. A lane, alley, sub-number or floor of 0 is one not drawn.
    struct AddressDraw {
        var city: String, district: String, zip: String
        var road: Int
        var lane = 0, alley = 0, number = 0, sub = 0, floor = 0
    }

    func drawAddress(_ rng: inout SplitMix64) -> AddressDraw {
        let division = reference.divisions[reference.divisionChoice.draw(&rng)]
        let t = division.townshipChoice.draw(&rng)
        let town = division.townships[t]
        let roads = division.roads[t]
        var d = AddressDraw(city: division.name, district: town.name, zip: town.zip3, road: roads.lowerBound + rng.below(roads.count))
        if rng.chance(0.45) {
            d.lane = 1 + Int(pow3(rng.unit()) * 599)
            d.alley = rng.chance(0.3) ? 1 + rng.below(30) : 0
        }
        d.number = 1 + Int(rng.unit() * rng.unit() * 399)
        if rng.chance(0.1) { d.sub = 1 + rng.below(5) }
        if rng.chance(0.6) { d.floor = 1 + Int(rng.unit() * rng.unit() * 24) }
        return d
    }

    /// The street address of drawn numbers on their road, as its kind takes them.
    func street(_ d: AddressDraw) -> TextBuilder {
        let kind = reference.roads.kind(d.road)
        var street = TextBuilder()
        reference.roads.name(d.road, into: &street)
        if d.lane > 0 && kind == .street {
            street.append(d.lane)
            street.append("巷")
            if d.alley > 0 {
                street.append(d.alley)
                street.append("弄")
            }
        }
        street.append(d.number)
        if d.sub > 0 {
            street.append("號之")
            street.append(d.sub)
        } else {
            street.append("號")
        }
        if d.floor > 0 && kind != .locality {
            street.append(d.floor)
            street.append("樓")
        }
        return street
    }
}
