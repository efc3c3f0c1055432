import Foundation
import GRDB

/// A database error that is the machine's, not the file's: a full disk, an I/O error. Said
/// in words with the free space of the disk that holds `path`, so that "disk I/O error"
/// (what SQLite reports when it cannot even make its `-shm` file on a full disk) or "SQLite
/// error 13: not an error" (a backup whose target filled up) is not read as a damaged file
/// or a failing disk (the filesystem tester).
package enum StorageTrouble {
    /// Below this, a disk counts as full: SQLite needs room for its journal and pages.
    package static let nearlyFull: Int64 = 1 << 20

    /// Whether the error is a full disk or an I/O error: what says nothing of the file.
    package static func isMachineFault(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
    }

    /// Words for a full disk or an I/O error met on the file at `path` (nil for any other
    /// error): "the disk that holds … is full (12 KB free)", or "disk I/O error on …".
    package static func words(_ error: DatabaseError, path: String) -> String? {
        guard isMachineFault(error) else { return nil }
        let free = freeBytes(near: path)
        if error.resultCode == .SQLITE_FULL || free.map({ $0 < nearlyFull }) == true {
            return "the disk that holds \(path) is full\(free.map { " (\(size($0)) free)" } ?? "")"
        }
        return "disk I/O error on \(path)\(free.map { " (\(size($0)) free on its disk)" } ?? "")"
    }

    /// Free bytes on the file system of `path`, or of the nearest folder above it that exists.
    package static func freeBytes(near path: String) -> Int64? {
        var url = URL(fileURLWithPath: path)
        for _ in 0..<64 {
            if FileManager.default.fileExists(atPath: url.path),
               let free = try? FileManager.default.attributesOfFileSystem(forPath: url.path)[.systemFreeSize] as? NSNumber {
                return free.int64Value
            }
            let up = url.deletingLastPathComponent()
            if up.path == url.path { return nil }
            url = up
        }
        return nil
    }

    /// "0 bytes", "12 KB", "3.4 MB", "1.2 GB".
    package static func size(_ bytes: Int64) -> String {
        switch bytes {
        case ..<1024: return "\(bytes) bytes"
        case ..<(1 << 20): return "\(bytes / 1024) KB"
        case ..<(1 << 30): return String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
        default: return String(format: "%.1f GB", Double(bytes) / Double(1 << 30))
        }
    }
}
