import ArgumentParser
import Billiards
import GeneratorKit
import LakeFormat
import LakeCatalog
import TableSchema
import Configuration
import PetShop
import LakeExport
import LakeReport
import LakeShip
import Foundation

/// The exit codes: 0 and the sysexits(3) codes. `opslake --help` lists them from
/// here, and a test holds the README's table to the same list.
enum ExitStatus: Int32, CaseIterable {
    case success = 0, usage = 64, dataError = 65, noInput = 66, unavailable = 69, cannotCreate = 73, ioError = 74, tempFailure = 75, noPermission = 77, config = 78

    var meaning: String {
        switch self {
        case .success: "success"
        case .usage: "usage error"
        case .dataError: "bad data"
        case .noInput: "missing input"
        case .unavailable: "service unavailable"
        case .cannotCreate: "cannot create"
        case .ioError: "I/O error"
        case .tempFailure: "temporary failure"
        case .noPermission: "permission denied"
        case .config: "bad configuration"
        }
    }
}

/// Runs a command body; any error becomes one line on stderr and a sysexits code.
func guarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let (status, message) = classify(error)
        FileHandle.standardError.write(Data("opslake: error: \(message)\n".utf8))
        throw ExitCode(status.rawValue)
    }
}

func classify(_ error: any Error) -> (ExitStatus, String) {
    let (status, message) = classifyKind(error)
    return (status, fullDiskHint(message))
}

/// `message` with what to do when it says the disk is full (the system's ENOSPC text, or
/// SQLite's). A lake writer stopped there leaves either nothing or a journalled commit,
/// which the next writer finishes (docs/lake-format.md, "What a crash leaves").
func fullDiskHint(_ message: String) -> String {
    guard message.contains("No space left on device") || message.contains("database or disk is full") else { return message }
    return message + "; the disk is full: free space and run the command again"
}

func classifyKind(_ error: any Error) -> (ExitStatus, String) {
    switch error {
    case let e as LakeMissingError: return (.noInput, e.description)
    case let e as OldLakeFormatError: return (.dataError, e.description)
    case let e as LakeBusyError: return (.tempFailure, e.description)
    case let e as SchemaError: return (.dataError, e.description)
    case let e as RowColumnsError: return (.dataError, "\(e); nothing was written")
    case let e as InvalidRecordError: return (.dataError, "\(e); nothing was written")
    case let e as FormatError: return (e.kind == .io ? .ioError : .dataError, e.description)
    case let e as InputError: return (e.status, e.message)
    case let e as ODSError: return (ExitStatus(rawValue: e.status.rawValue) ?? .dataError, e.message)
    case let e as PullError: return (ExitStatus(rawValue: e.status.rawValue) ?? .dataError, e.message)
    case let e as ConfigurationError: return (.config, "configuration: \(e.message)")
    case let e as PetShopError: return (.usage, e.description)
    case let e as ExportError: return (.usage, e.description)
    case let e as ReportError: return (e.isBadData ? .dataError : .noInput, e.description)
    case let e as BundleError: return (.dataError, e.description)
    case let e as PartitionsFromElsewhereError:
        return (.dataError, "\(e); pass --replace to overwrite them with generated data, or leave those days out")
    case let e as SQLiteError: return (.ioError, "catalogue: \(e)")
    case let e as CatalogError: return (.ioError, e.description)
    default: return (.ioError, "\(error)")
    }
}

/// A problem with what the user handed us, with the exit code it deserves.
struct InputError: Error {
    var status: ExitStatus
    var message: String
    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

