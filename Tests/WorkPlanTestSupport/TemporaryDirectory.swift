import Foundation

/// A fresh directory under the system's temporary folder, removed by `remove()` (or when
/// the object goes away).
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "workplan-test") throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: p)
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }
}
