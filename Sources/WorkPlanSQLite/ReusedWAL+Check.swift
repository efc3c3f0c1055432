import Foundation

extension ReusedWAL {
    /// The current frames of a WAL file, read straight from it (no SQLite connection, no
    /// lock): the frames after the header whose salts match the header's, in order, up to
    /// `limit`. Checksums are not verified, so a torn last frame may be counted; callers only
    /// act on the case of exactly one frame. Nil when there is no WAL or no valid header.
    public struct Frames: Sendable {
        public var pageSize: Int
        /// Page number and, for a commit frame, the database size in pages after it (else 0).
        public var headers: [(page: UInt32, commitSize: UInt32)]
        /// The page image of the first frame.
        public var firstPage: [UInt8]?
    }

    public static func frames(ofWAL path: String, limit: Int = 2) -> Frames? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let header = try? h.read(upToCount: 32), header.count == 32 else { return nil }
        let magic = be32(header, 0)
        let pageSize = Int(be32(header, 8))
        guard magic == 0x377f0682 || magic == 0x377f0683, pageSize >= 512, pageSize <= 65536,
              pageSize & (pageSize - 1) == 0 else { return nil }
        let salts = header[16..<24]
        var out = Frames(pageSize: pageSize, headers: [], firstPage: nil)
        while out.headers.count < limit {
            guard let fh = try? h.read(upToCount: 24), fh.count == 24, fh[8..<16].elementsEqual(salts) else { break }
            guard let page = try? h.read(upToCount: pageSize), page.count == pageSize else { break }
            out.headers.append((be32(fh, 0), be32(fh, 4)))
            if out.firstPage == nil { out.firstPage = [UInt8](page) }
        }
        return out
    }

    /// Whether the database file at `databasePath` is the one its kept WAL was written for,
    /// read from the files alone (before any connection opens them).
    ///
    /// A cleanly closed replica leaves one frame in its kept WAL: the marker row's page
    /// (`settle`), already copied into the file. If another file was put in the
    /// database's place by hand, SQLite would read that frame into it and cut the file to
    /// the size the frame records, destroying it. So when the WAL holds exactly one frame
    /// and it is a marker page, the file must hold a marker page at the same place and have
    /// the size the frame records. Anything else (no WAL, several frames: a command still
    /// running, or one that was killed) is left to SQLite as usual.
    ///
    /// Returns nil when all is well, else what does not match.
    public static func mismatch(databasePath: String) -> String? {
        // SQLite resolves a symbolic link to the database and keeps the log beside the file
        // it points at: with `replica.sqlite` a link, the log beside the link was checked, and
        // a file put back where the link points was read into and destroyed (the filesystem
        // tester).
        let databasePath = realpath(databasePath, nil).map { resolved in
            defer { free(resolved) }
            return String(cString: resolved)
        } ?? databasePath
        guard let wal = frames(ofWAL: databasePath + "-wal"), wal.headers.count == 1,
              let framePage = wal.firstPage, isMarkerPage(framePage) else { return nil }
        let (page, commitSize) = wal.headers[0]
        guard commitSize > 0 else { return nil }
        let size = fileSize(databasePath) ?? -1
        if size != Int64(commitSize) * Int64(wal.pageSize) {
            return "the database file has \(size) bytes but its write-ahead log was written for one of \(Int64(commitSize) * Int64(wal.pageSize))"
        }
        guard let h = FileHandle(forReadingAtPath: databasePath) else { return "the database file cannot be read" }
        defer { try? h.close() }
        guard (try? h.seek(toOffset: UInt64(page - 1) * UInt64(wal.pageSize))) != nil,
              let filePage = try? h.read(upToCount: wal.pageSize), filePage.count == wal.pageSize,
              isMarkerPage([UInt8](filePage)) else {
            return "page \(page) of the database file is not the one its write-ahead log would replace"
        }
        return nil
    }

    /// Whether a page image is the marker table's page: a table leaf (not page 1) holding
    /// one row, rowid 1, whose record is (the rowid alias, stored as NULL; an integer).
    static func isMarkerPage(_ p: [UInt8]) -> Bool {
        guard p.count >= 16, p[0] == 0x0D, p[3] == 0, p[4] == 1 else { return false }
        // The cell is small (a few bytes), often the last ones of the page.
        let cell = Int(p[8]) << 8 | Int(p[9])
        guard cell >= 10, let (_, a) = varint(p, cell), let (rowid, b) = varint(p, a), rowid == 1,
              let (headerSize, c) = varint(p, b), headerSize == 3, c + 1 < p.count else { return false }
        let first = p[c], second = p[c + 1]
        return first == 0 && ((1...6).contains(second) || second == 8 || second == 9)
    }

    /// SQLite's big-endian varint at `i`: the value and the index after it.
    static func varint(_ p: [UInt8], _ i: Int) -> (UInt64, Int)? {
        var v: UInt64 = 0
        for k in 0..<9 {
            guard i + k < p.count else { return nil }
            let b = p[i + k]
            if k == 8 { return (v << 8 | UInt64(b), i + 9) }
            v = v << 7 | UInt64(b & 0x7f)
            if b & 0x80 == 0 { return (v, i + k + 1) }
        }
        return nil
    }

    private static func be32(_ d: Data, _ at: Int) -> UInt32 {
        let s = d.startIndex + at
        return UInt32(d[s]) << 24 | UInt32(d[s + 1]) << 16 | UInt32(d[s + 2]) << 8 | UInt32(d[s + 3])
    }
}

extension ReusedWAL {
    /// A file's size in bytes, or nil when it cannot be read. `stat` alone: Foundation's
    /// `attributesOfItem` also looks up the owner's user and group names, reading the password
    /// and group files, on every open and close of a replica.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}
