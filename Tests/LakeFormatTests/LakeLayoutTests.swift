import Testing
import LakeFormat

@Suite("lake layout")
struct LakeLayoutTests {
    static let key = PartitionKey(DatasetName("petshop.order_items")!, LakeDate(Substring("2026-11-21"))!)

    @Test("format 2: one table folder per format; a path parses back to its partition, part and format")
    func format2() {
        #expect(LakeLayout.filePath(Self.key, part: 0, format: .csv) == "petshop/order_items/csv/dt=2026-11-21/part-00000.csv.zst")
        #expect(LakeLayout.filePath(Self.key, part: 12, format: .ndjson) == "petshop/order_items/ndjson/dt=2026-11-21/part-00012.ndjson.zst")
        #expect(LakeLayout.tableDirectory(Self.key.dataset, .csv) == "petshop/order_items/csv")
        for format in FileFormat.allCases {
            for part in [0, 1, 99_999] {
                let parsed = LakeLayout.parse(LakeLayout.filePath(Self.key, part: part, format: format))
                #expect(parsed?.key == Self.key && parsed?.part == part && parsed?.format == format)
                let old = LakeLayout.Format1.parse(LakeLayout.Format1.filePath(Self.key, part: part, format: format))
                #expect(old?.key == Self.key && old?.part == part && old?.format == format)
            }
        }
        // A file in the other format's folder, a format-1 path, a temporary name: none is a format-2 partition file.
        #expect(LakeLayout.parse("petshop/order_items/ndjson/dt=2026-11-21/part-00000.csv.zst") == nil)
        #expect(LakeLayout.parse("petshop/order_items/dt=2026-11-21/part-00000.csv.zst") == nil)
        #expect(LakeLayout.Format1.parse("petshop/order_items/csv/dt=2026-11-21/part-00000.csv.zst") == nil)
        let temporary = LakeLayout.temporaryPath(Self.key, part: 0, format: .csv, token: "1-abc")
        #expect(temporary == "_staging/petshop.order_items.dt=2026-11-21.part-00000.csv.zst.1-abc.tmp")
        #expect(LakeLayout.parse(temporary) == nil)
    }
}
