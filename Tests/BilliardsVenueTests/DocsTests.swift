import Testing
import BilliardsVenue
import Foundation

/// docs/billiards.md lists each endpoint's payload fields; they are the record types'
/// stored properties, in order.
@Suite("docs/billiards.md")
struct DocsTests {
    @Test("each endpoint's documented fields are its record's fields, in order")
    func fields() throws {
        let path = String(#filePath.split(separator: "/Tests/").first!) + "/docs/billiards.md"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let (_, _, stores) = Fixture.histories[0]
        for e in Endpoint.allCases {
            let heading = try #require(lines.firstIndex(of: "### `\(e.dataset)`"), "no section for \(e.dataset)")
            let line = try #require(lines[heading...].first { $0.hasPrefix("Fields: ") }, "\(e.dataset)")
            let documented = line.dropFirst("Fields: ".count).split(separator: ", ").map { $0.trimmingCharacters(in: ["`"]) }
            let sample = try #require(stores.joined().lazy.flatMap { $0.records(e) }.first, "\(e.dataset)")
            let fields = Mirror(reflecting: sample).children.compactMap(\.label)
            #expect(documented == fields, "\(e.dataset)")
            // And the payload has exactly these keys.
            let json = String(decoding: try VenueJSON.encode(sample), as: UTF8.self)
            for field in fields { #expect(json.contains("\"\(field)\":"), "\(e.dataset).\(field)") }
            // And reads back as the same record.
            #expect(try Self.roundTrip(sample), "\(e.dataset)")
        }
    }

    static func roundTrip<R: VenueRecord>(_ record: R) throws -> Bool {
        let bytes = try VenueJSON.encode(record)
        return try VenueJSON.encode(VenueJSON.decode(R.self, from: bytes)) == bytes
    }
}
