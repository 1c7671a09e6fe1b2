public import Configuration
public import Foundation
import BilliardsVenue
public import LakeFormat

/// What the pull needs to know about the upstream and how hard to try: the `billiards.*`
/// settings (docs/billiards-pull.md), read from the configuration layers.
public struct PullSettings: Sendable {
    /// The API's base URL; each endpoint's path is appended to it.
    public var baseURL: URL
    /// Where the bearer token is read from; the token itself is never printed.
    public var token: TokenSource
    /// The stores (siteIds) pulled.
    public var stores: [Int64]
    /// How long one request may go without an answer before it is retried.
    public var timeoutSeconds: Double
    /// Retries after the first attempt of a request.
    public var retries: Int
    /// The first backoff; each retry doubles it (with jitter), up to `maxBackoffSeconds`.
    public var backoffSeconds: Double
    public var maxBackoffSeconds: Double
    public var pageSize: Int
    /// How far before its cursor's next day a task's first window starts, so records
    /// the upstream showed late are fetched again.
    public var overlapMinutes: Int
    /// Requests in flight at once (endpoints of the stores pulled in parallel).
    public var jobs: Int
    /// Days of history a task with no cursor starts with (up to yesterday).
    public var historyDays: Int
    /// Where the first window of a master-data task with no cursor starts: its records
    /// changed before the first day are fetched once, so facts can name them.
    public var masterSince: LakeDate
    /// The longest window the first master-data asks may span, in days; 0: one window.
    public var maxWindowDays: Int

    /// Where the token comes from: a file (whose first line is the token), or a value
    /// given in the configuration.
    public enum TokenSource: Sendable, CustomStringConvertible {
        case file(String)
        case value(String)

        public var description: String {
            switch self {
            case .file(let path): "token file \(path)"
            case .value: "billiards.token"
            }
        }
    }

    /// The name of the systemd credential the token is read from when no token or
    /// token file is configured (`LoadCredential=billiards-token:…`).
    public static let credentialName = "billiards-token"

    /// The settings the pull reads, in the `billiards` section.
    public static let settings: [Setting] = [
        Setting("billiards.api_url", .string(""), "The upstream API's base URL (https://…); empty: no pull is configured."),
        Setting("billiards.token_file", .string(""),
                "A file whose first line is the API's bearer token; empty: billiards.token, else the systemd credential \(credentialName)."),
        Setting("billiards.token", .string(""), "The API's bearer token itself (prefer token_file or a credential); never printed.", secret: true),
        Setting("billiards.stores", .array(defaultStores.map { .integer($0) }), "The stores (siteIds) to pull; default: the simulated tenant's."),
        Setting("billiards.timeout_seconds", .float(30), "Seconds a request may go without an answer before it is retried."),
        Setting("billiards.retries", .integer(5), "Retries of a request after timeouts, dropped connections, 5xx and 429."),
        Setting("billiards.backoff_seconds", .float(0.5), "The first retry's wait; it doubles each retry, with jitter (429: Retry-After)."),
        Setting("billiards.max_backoff_seconds", .float(30), "The longest wait between two attempts."),
        Setting("billiards.page_size", .integer(200), "Records asked for per page."),
        Setting("billiards.overlap_minutes", .integer(120), "How far back before its cursor a task's first window starts, for late records."),
        Setting("billiards.jobs", .integer(4), "Requests in flight at once."),
        Setting("billiards.history_days", .integer(7), "Days up to yesterday that a task with no cursor starts with."),
        Setting("billiards.master_since", .date(BilliardsPull.defaultMasterSince),
                "The first business day a master-data task with no cursor asks for, in one window before its history days."),
        Setting("billiards.max_window_days", .integer(0),
                "The longest window that first master-data ask may span, in days (31 for an upstream that limits windows so); 0: one window."),
    ]

    /// The stores of the simulated tenant with the default configuration
    /// (`opslake billiards serve` with its defaults).
    public static let defaultStores: [Int64] = {
        (try? Venue(config: VenueConfig(), seed: 1).stores.map(\.id)) ?? []
    }()

    public init(baseURL: URL, token: TokenSource, stores: [Int64], timeoutSeconds: Double = 30, retries: Int = 5,
                backoffSeconds: Double = 0.5, maxBackoffSeconds: Double = 30, pageSize: Int = 200, overlapMinutes: Int = 120,
                jobs: Int = 4, historyDays: Int = 7, masterSince: LakeDate = BilliardsPull.defaultMasterSince, maxWindowDays: Int = 0) {
        self.baseURL = baseURL
        self.token = token
        self.stores = stores
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.backoffSeconds = backoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.pageSize = pageSize
        self.overlapMinutes = overlapMinutes
        self.jobs = jobs
        self.historyDays = historyDays
        self.masterSince = masterSince
        self.maxWindowDays = maxWindowDays
    }

    /// Reads and checks the `billiards.*` settings; `environment` supplies
    /// `$CREDENTIALS_DIRECTORY` for the token.
    public init(_ settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        let urlText = Self.text(settings, "billiards.api_url")
        guard !urlText.isEmpty else {
            throw ConfigurationError("billiards.api_url is not set, so there is no API to pull from; set it in opslake.toml, "
                                     + "OPSLAKE_BILLIARDS_API_URL or --api-url")
        }
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw settings.invalid("billiards.api_url", "is not an http:// or https:// URL")
        }
        baseURL = url
        let file = Self.text(settings, "billiards.token_file")
        let value = Self.text(settings, "billiards.token")
        if !file.isEmpty {
            token = .file(file)
        } else if !value.isEmpty {
            token = .value(value)
        } else if let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty, FileIO.exists(FileIO.path(dir, Self.credentialName)) {
            token = .file(FileIO.path(dir, Self.credentialName))
        } else {
            throw ConfigurationError("no API token: set billiards.token_file (or --token-file), or give the service the credential "
                                     + "\(Self.credentialName) (LoadCredential=)")
        }
        self.stores = try Self.stores(settings)
        timeoutSeconds = try settings.number("billiards.timeout_seconds", in: 0.1...3600)
        retries = try settings.integer("billiards.retries", in: 0...100)
        backoffSeconds = try settings.number("billiards.backoff_seconds", in: 0...600)
        maxBackoffSeconds = try settings.number("billiards.max_backoff_seconds", in: 0...3600)
        pageSize = try settings.integer("billiards.page_size", in: 1...10_000)
        overlapMinutes = try settings.integer("billiards.overlap_minutes", in: 0...7 * 24 * 60)
        jobs = try settings.integer("billiards.jobs", in: 1...64)
        historyDays = try settings.integer("billiards.history_days", in: 1...3660)
        masterSince = try settings.date("billiards.master_since")
        maxWindowDays = try settings.integer("billiards.max_window_days", in: 0...3660)
        guard masterSince >= BilliardsPull.defaultMasterSince else {
            throw settings.invalid("billiards.master_since", "must be \(BilliardsPull.defaultMasterSince) or later")
        }
    }

    /// `billiards.stores`, checked: positive ids, duplicates dropped.
    public static func stores(_ settings: Settings) throws(ConfigurationError) -> [Int64] {
        guard case .array(let items) = settings.value("billiards.stores"), !items.isEmpty else {
            throw settings.invalid("billiards.stores", "must be a non-empty array of store ids (siteIds)")
        }
        var stores: [Int64] = []
        for item in items {
            guard case .integer(let id) = item, id > 0 else { throw settings.invalid("billiards.stores", "must hold only positive whole numbers") }
            if !stores.contains(id) { stores.append(id) }
        }
        return stores
    }

    static func text(_ settings: Settings, _ name: String) -> String {
        if case .string(let s) = settings.value(name) { return s.trimmingCharacters(in: .whitespaces) }
        return ""
    }

    /// The token, read now (so a rotated token file is picked up by the next read).
    public func readToken() throws -> String {
        switch token {
        case .value(let v): return v
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PullError(.noInput, "cannot read the token file \(path); check billiards.token_file and its permissions")
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let token = line.trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { throw PullError(.config, "the token file \(path) is empty; write the API token on its first line") }
            return token
        }
    }
}
