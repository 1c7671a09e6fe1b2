// swift-tools-version:6.0
import PackageDescription

// A domain's table schemas and SCD2 dimensions are compiled into the binary, so an
// installed opslake needs nothing beside it. Each file is listed here and in the
// domain's `Tables.swift`; a test checks both lists against the folder.
let petShopTables = ["behavior_events", "campaigns", "customer_changes", "customers", "order_items", "orders", "products", "promotion_calendar"]
let petShopDimensions = ["dim_customer", "dim_product"]
let billiardsODSTables = [
    "assistant_accounts_master", "assistant_cancellation_records", "assistant_service_records", "goods_stock_movements",
    "goods_stock_summary", "group_buy_packages", "group_buy_redemption_records", "member_balance_changes", "member_profiles",
    "member_stored_value_cards", "payment_transactions", "platform_coupon_redemption_records", "recharge_settlements",
    "refund_transactions", "settlement_records", "settlement_ticket_details", "site_tables_master", "stock_goods_category_tree",
    "store_goods_master", "store_goods_sales_records", "table_fee_discount_records", "table_fee_transactions", "tenant_goods_master",
]

let package = Package(
    name: "opslake",
    products: [
        .executable(name: "opslake", targets: ["OpsLakeCLI"]),
        .library(name: "LakeFormat", targets: ["LakeFormat"]),
        .library(name: "LakeCatalog", targets: ["LakeCatalog"]),
        .library(name: "TableSchema", targets: ["TableSchema"]),
        .library(name: "PostgresSync", targets: ["PostgresSync"]),
        .library(name: "PetShop", targets: ["PetShop"]),
        .library(name: "LakeExport", targets: ["LakeExport"]),
        .library(name: "LakeShip", targets: ["LakeShip"]),
        .library(name: "LakeReport", targets: ["LakeReport"]),
        .library(name: "BilliardsVenue", targets: ["BilliardsVenue"]),
        .library(name: "Billiards", targets: ["Billiards"]),
        .library(name: "BilliardsAPI", targets: ["BilliardsAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // The billiards upstream's HTTP server: no SwiftNIO, so it adds seconds to a
        // clean build, not minutes (docs/billiards-api.md has the figures).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // System libraries: one thin module map each, nothing else.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // A cache prefetch hint: the one processor instruction the generators want that Swift does not offer.
        .target(name: "CPrefetch"),
        // glibc's heap padding (mallopt), which Swift's Glibc module does not import.
        .target(name: "CMalloc"),

        // Layers, lowest first. Dependencies point downwards only.
        // System calls go through swift-system's typed FileDescriptor, FilePath and Errno.
        .target(name: "LakeFormat", dependencies: ["CZstd", "CCrypto", .product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "TableSchema", dependencies: ["LakeFormat"]),
        .target(
            name: "LakeCatalog",
            dependencies: [
                "LakeFormat", "TableSchema", "CSQLite",
                .product(name: "Logging", package: "swift-log"), .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "LakeExport",
            dependencies: ["LakeFormat", "TableSchema", "LakeCatalog", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "LakeShip",
            dependencies: ["LakeFormat", "TableSchema", "LakeCatalog", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The HTML report: figures streamed from the lake, charts drawn as inline SVG.
        .target(name: "LakeReport", dependencies: ["LakeFormat", "TableSchema", "LakeCatalog", "PostgresSync", "Billiards", "BilliardsVenue"]),
        .target(name: "Configuration", dependencies: ["LakeFormat"]),
        .target(
            name: "GeneratorKit",
            dependencies: ["LakeFormat", "TableSchema", "LakeCatalog", "Configuration", .product(name: "Logging", package: "swift-log")]
        ),
        // The Taiwan reference data is compiled in, so generation never depends on
        // files installed beside the binary.
        .target(
            name: "PetShop",
            dependencies: ["LakeFormat", "TableSchema", "Configuration", "GeneratorKit", "CPrefetch"],
            resources: ["surnames", "given_names", "divisions", "contact", "pet_catalogue", "taiwan_calendar"].map { .embedInCode("Resources/\($0).json") }
                + petShopTables.map { .embedInCode("Schemas/petshop/\($0).json") }
                + petShopDimensions.map { .embedInCode("Schemas/petshop/dimensions/\($0).sql") }
        ),
        // The billiards venue as its upstream SaaS knows it: a deterministic simulation
        // whose records are the payloads of the 23 endpoints (docs/billiards.md).
        .target(name: "BilliardsVenue", dependencies: ["LakeFormat", "GeneratorKit"]),
        // The billiards ETL: the ODS datasets (schemas compiled in), the ODS writer, the
        // live pull over HTTP (URLSession: libcurl, nothing added to the build), and the
        // offline archive of API responses with its replay (docs/billiards-ods.md, billiards-pull.md).
        .target(
            name: "Billiards",
            dependencies: [
                "LakeFormat", "TableSchema", "LakeCatalog", "Configuration", "GeneratorKit", "BilliardsVenue", "CCurl",
                .product(name: "Logging", package: "swift-log"), .product(name: "SystemPackage", package: "swift-system"),
            ],
            resources: billiardsODSTables.map { .embedInCode("Schemas/billiards_ods/\($0).json") }
        ),
        // The venue's upstream API over HTTP, with injected faults (docs/billiards-api.md).
        .target(name: "BilliardsAPI", dependencies: ["BilliardsVenue", "LakeFormat", .product(name: "FlyingFox", package: "FlyingFox")]),
        .target(
            name: "PostgresSync",
            dependencies: ["LakeFormat", "TableSchema", "LakeCatalog", "CLibPQ", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "OpsLakeCLI",
            dependencies: [
                "CMalloc", "LakeFormat", "LakeCatalog", "TableSchema", "PostgresSync", "LakeExport", "LakeShip", "LakeReport", "Configuration", "GeneratorKit", "PetShop",
                "BilliardsVenue", "Billiards", "BilliardsAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(name: "TestSupport", dependencies: ["LakeFormat", "TableSchema", "LakeCatalog", "GeneratorKit"], path: "Tests/TestSupport"),
        .testTarget(name: "LakeFormatTests", dependencies: ["LakeFormat", "TestSupport"]),
        .testTarget(name: "TableSchemaTests", dependencies: ["TableSchema", "GeneratorKit", "TestSupport"]),
        .testTarget(name: "LakeCatalogTests", dependencies: ["LakeCatalog", "TableSchema", "TestSupport"]),
        .testTarget(name: "GeneratorTests", dependencies: ["Configuration", "GeneratorKit", "PetShop", "LakeFormat", "TableSchema", "TestSupport"]),
        .testTarget(name: "BilliardsVenueTests", dependencies: ["BilliardsVenue", "LakeFormat"]),
        .testTarget(
            name: "BilliardsTests",
            dependencies: ["Billiards", "BilliardsVenue", "LakeFormat", "LakeCatalog", "TableSchema", "GeneratorKit", "TestSupport"]
        ),
        .testTarget(
            name: "BilliardsAPITests",
            dependencies: ["BilliardsAPI", "BilliardsVenue", "Billiards", "CCurl", "GeneratorKit", "LakeFormat", "LakeCatalog", "TableSchema", "TestSupport"]
        ),
        .testTarget(name: "PostgresSyncTests", dependencies: ["PostgresSync", "TableSchema", "TestSupport"]),
        .testTarget(name: "LakeShipTests", dependencies: ["LakeShip", "LakeFormat", "TestSupport"]),
        .testTarget(name: "LakeExportTests", dependencies: ["LakeExport", "LakeCatalog", "LakeFormat", "TableSchema", "TestSupport"]),
        .testTarget(name: "LakeReportTests", dependencies: ["LakeReport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "LakeFormat", "LakeCatalog", "TableSchema", "PostgresSync"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
