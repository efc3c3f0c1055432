import Foundation

/// A file system error in plain words ("No space left on device", "Permission denied"),
/// for messages that say why a file could not be written or read. Foundation's own text
/// ("The operation could not be completed. There isn't enough space.") says neither what
/// failed nor what to do.
public enum SystemErrorText {
    /// The reason `error` gives, as the system's words for its errno when it has one, else
    /// its description.
    public static func words(_ error: any Error) -> String {
        guard let code = errno(of: error) else { return error.localizedDescription }
        return String(cString: strerror(code))
    }

    /// The errno behind `error`: a POSIX error, one wrapped by Foundation, or the errno a
    /// Cocoa file error code stands for.
    static func errno(of error: any Error) -> Int32? {
        if let e = error as? POSIXError { return e.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        guard let cocoa = error as? CocoaError else { return nil }
        switch cocoa.code {
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteNoPermission, .fileReadNoPermission: return EACCES
        case .fileWriteVolumeReadOnly: return EROFS
        case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
        case .fileWriteFileExists: return EEXIST
        default: return nil
        }
    }
}
