import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Named points in the commit protocol where the crash tests stop the process.
///
/// When `OPSLAKE_CRASH_AT` names a point, the process sends itself SIGKILL there,
/// exactly as a power cut or `kill -9` would stop it. Unset, a check is one
/// comparison with a string read once.
enum FaultPoint: String, CaseIterable {
    case afterTemporaryFiles = "after-temporary-files"
    case afterJournal = "after-journal"
    case afterFirstRename = "after-first-rename"
    case afterRenames = "after-renames"
    case afterApply = "after-apply"

    static let armed = ProcessInfo.processInfo.environment["OPSLAKE_CRASH_AT"]

    static func hit(_ point: FaultPoint) {
        if armed == point.rawValue { kill(getpid(), SIGKILL) }
    }
}
