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

    /// The directory as a URL.
    public var url: URL { URL(fileURLWithPath: path) }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// A path inside the directory, as a URL.
    public func child(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }
}
