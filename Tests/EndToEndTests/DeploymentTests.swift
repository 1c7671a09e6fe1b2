import Testing
import TestSupport
import Foundation

/// `systemd-analyze`, when this machine has it (it checks unit files offline; systemd
/// need not be running).
private let systemdAnalyze: String? = {
    var candidates = ["/usr/bin/systemd-analyze"]
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        candidates.append("\(dir)/systemd-analyze")
    }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// The deployment files in deploy/: the systemd units of the scheduled pet-shop
/// generator and of the PostgreSQL sync job, and the installer script.
@Suite struct DeploymentTests {
    static let unitFolder = repositoryRoot + "/deploy/systemd"
    static let units = [
        "opslake-petshop-daily.service", "opslake-petshop-daily.timer",
        "opslake-petshop-weekly.service", "opslake-petshop-weekly.timer",
        "opslake-load.service", "opslake-load.timer",
        "opslake-billiards-pull.service", "opslake-billiards-pull.timer",
        "opslake-billiards-dwd.service", "opslake-billiards-dwd.timer",
    ]
    static let installedBinary = "/usr/local/bin/opslake"

    /// A unit file's settings as (section, key, value), comments and blank lines left out.
    static func settings(_ unit: String) throws -> [(section: String, key: String, value: String)] {
        let text = try String(contentsOfFile: unitFolder + "/" + unit, encoding: .utf8)
        var section = ""
        var result: [(section: String, key: String, value: String)] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            result.append((section, String(line[..<eq]), String(line[line.index(after: eq)...])))
        }
        return result
    }

    static func values(_ unit: String, _ section: String, _ key: String) throws -> [String] {
        try settings(unit).filter { $0.section == section && $0.key == key }.map(\.value)
    }

    @Test("systemd-analyze verify accepts the units without a warning",
          .enabled(if: systemdAnalyze != nil, "needs systemd-analyze"))
    func verify() throws {
        let analyze = try #require(systemdAnalyze)
        let dir = TemporaryDirectory("opslake-units")
        defer { dir.remove() }
        // verify checks that ExecStart's program exists: point it at the built opslake.
        // In a unit file a path with spaces needs quotes and % is written %%.
        let binary = "\"" + opslakeBinary.replacingOccurrences(of: "%", with: "%%") + "\""
        for unit in Self.units {
            var text = try String(contentsOfFile: Self.unitFolder + "/" + unit, encoding: .utf8)
            if unit.hasSuffix(".service") {
                let original = "ExecStart=\(Self.installedBinary) "
                try #require(text.contains(original), "\(unit) has no \(original)")
                // ExecStart and ExecStopPost (the metrics) alike.
                text = text.replacingOccurrences(of: "\(Self.installedBinary) ", with: "\(binary) ")
            }
            try text.write(toFile: dir.path + "/" + unit, atomically: true, encoding: .utf8)
        }
        let r = try runProcess(analyze, ["verify"] + Self.units.map { dir.path + "/" + $0 }, cwd: dir.path)
        let output = r.stdout + r.stderr
        #expect(r.status == 0, "systemd-analyze verify exited \(r.status):\n\(output)")
        for unit in Self.units {
            let findings = output.split(separator: "\n").filter { $0.contains(unit) }
            #expect(findings.isEmpty, "systemd-analyze verify on \(unit):\n\(output)")
        }
    }

    @Test("the timers run at fixed Taipei times, catch up after downtime and start their service")
    func timers() throws {
        let expected = [
            "opslake-petshop-daily": "*-*-* 06:00:00 Asia/Taipei",
            "opslake-petshop-weekly": "Mon *-*-* 04:00:00 Asia/Taipei",
            "opslake-load": "*-*-* 06:30:00 Asia/Taipei",
        ]
        for (name, calendar) in expected {
            let timer = name + ".timer"
            #expect(try Self.values(timer, "Timer", "OnCalendar") == [calendar], "\(timer)")
            #expect(try Self.values(timer, "Timer", "Persistent") == ["true"], "\(timer)")
            #expect(try Self.values(timer, "Timer", "AccuracySec") == ["1min"], "\(timer)")
            #expect(try Self.values(timer, "Timer", "RandomizedDelaySec").isEmpty, "\(timer) must keep exact times")
            #expect(try Self.values(timer, "Timer", "Unit") == [name + ".service"], "\(timer)")
            #expect(try Self.values(timer, "Install", "WantedBy") == ["timers.target"], "\(timer)")
        }
    }

    @Test("the services run one task as the unprivileged opslake user, hardened, retrying only temporary failures")
    func services() throws {
        for task in ["daily", "weekly"] {
            let service = "opslake-petshop-\(task).service"
            let expected: [(String, String)] = [
                ("Type", "oneshot"),
                ("User", "opslake"),
                ("Group", "opslake"),
                ("StateDirectory", "opslake"),
                ("ExecStart", "\(Self.installedBinary) run --lake /var/lib/opslake/lake --task petshop.\(task)"),
                ("Restart", "on-failure"),
                ("RestartPreventExitStatus", "64 65 66 73"),
                ("NoNewPrivileges", "yes"),
                ("ProtectSystem", "strict"),
                ("ProtectHome", "yes"),
                ("PrivateTmp", "yes"),
                ("RestrictAddressFamilies", "AF_UNIX"),
                ("CapabilityBoundingSet", ""),
                ("UMask", "0027"),
            ]
            for (key, value) in expected {
                #expect(try Self.values(service, "Service", key) == [value], "\(service): \(key)")
            }
            // The settings file, and log lines for journalctl.
            #expect(try Self.values(service, "Service", "Environment") == ["OPSLAKE_CONFIG=/etc/opslake/opslake.toml", "OPSLAKE_LOG_LEVEL=info"])
            // Only the state directory and the metrics folder are writable; the metrics are
            // written after every run, whatever its outcome, and neither stops the job.
            #expect(try Self.values(service, "Service", "ReadWritePaths") == ["-/var/lib/opslake-metrics"], "\(service)")
            #expect(try Self.values(service, "Service", "ExecStopPost")
                    == ["-\(Self.installedBinary) metrics --lake /var/lib/opslake/lake --out /var/lib/opslake-metrics/opslake.prom"], "\(service)")
        }
    }

    @Test("the load service runs after the daily generation, with the network and the DSN from a credential")
    func loadService() throws {
        let service = "opslake-load.service"
        let expected: [(String, String)] = [
            ("Type", "oneshot"),
            ("User", "opslake"),
            ("Group", "opslake"),
            ("ExecStart", "\(Self.installedBinary) load --lake /var/lib/opslake/lake"),
            ("LoadCredential", "opslake-dsn:/etc/opslake/dsn"),
            ("RestartPreventExitStatus", "64 65 66 73 77 78"),
            ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
            ("ProtectSystem", "strict"),
            ("CapabilityBoundingSet", ""),
        ]
        for (key, value) in expected {
            #expect(try Self.values(service, "Service", key) == [value], "\(service): \(key)")
        }
        #expect(try Self.values(service, "Service", "Environment").contains("OPSLAKE_DSN_FILE=%d/opslake-dsn"))
        #expect(try Self.values(service, "Service", "PrivateNetwork").isEmpty, "\(service) needs the network")
        #expect(try Self.values(service, "Service", "StateDirectory").isEmpty, "\(service) writes no state")
        #expect(try Self.values(service, "Unit", "After").contains("opslake-petshop-daily.service"))
        // pull -> DWD -> load: the load waits for both; the DWD build waits for the pull.
        #expect(try Self.values(service, "Unit", "After").contains("opslake-billiards-pull.service"))
        #expect(try Self.values(service, "Unit", "After").contains("opslake-billiards-dwd.service"))
        #expect(try Self.values("opslake-billiards-dwd.service", "Unit", "After") == ["opslake-billiards-pull.service"])
        #expect(try Self.values("opslake-billiards-dwd.service", "Service", "ExecStart")
                == ["\(Self.installedBinary) billiards dwd --lake /var/lib/opslake/lake"])
        #expect(try Self.values("opslake-billiards-dwd.timer", "Timer", "OnCalendar") == ["*-*-* *:35:00"])
    }

    @Test("the billiards pull runs hourly, catches up after downtime, has the network and its token from a credential")
    func pullService() throws {
        let service = "opslake-billiards-pull.service", timer = "opslake-billiards-pull.timer"
        #expect(try Self.values(timer, "Timer", "OnCalendar") == ["*-*-* *:05:00"])
        #expect(try Self.values(timer, "Timer", "Persistent") == ["true"])
        #expect(try Self.values(timer, "Timer", "Unit") == [service])
        for (key, value) in [("User", "opslake"), ("Type", "oneshot"), ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                             ("Restart", "on-failure"), ("RestartPreventExitStatus", "64 65 66 73 77 78"),
                             ("LoadCredential", "billiards-token:/etc/opslake/billiards-token"),
                             ("ExecStart", Self.installedBinary + " billiards pull --lake /var/lib/opslake/lake")] {
            #expect(try Self.values(service, "Service", key) == [value], "\(service): \(key)")
        }
        #expect(try Self.values(service, "Service", "PrivateNetwork").isEmpty, "\(service) needs the network")
        #expect(try Self.values(service, "Service", "RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6"])
        // The token is found by the credential's name, never passed on the command line.
        #expect(try !Self.values(service, "Service", "ExecStart")[0].contains("token"))
    }

    @Test("the shell completions come from the command tree, every command in them; bash reads its script")
    func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try runProcess(opslakeBinary, ["--generate-completion-script", shell])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(shell): \(r.stderr)")
            for command in ["status", "runs", "metrics", "tasks", "billiards", "load"] {
                #expect(r.stdout.contains(command), "\(shell) completions lack \(command)")
            }
            if shell == "bash" {
                let dir = TemporaryDirectory("completions")
                defer { dir.remove() }
                try r.stdout.write(toFile: dir.path + "/opslake.bash", atomically: true, encoding: .utf8)
                let check = try runProcess("/bin/bash", ["-n", dir.path + "/opslake.bash"])
                #expect(check.status == 0, "\(check.stderr)")
            }
        }
    }

    @Test("the installer script is valid bash")
    func installerSyntax() throws {
        let r = try runProcess("/bin/bash", ["-n", repositoryRoot + "/scripts/install-service.sh"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
