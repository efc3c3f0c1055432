/// Three-way line merge (diff3) of long text fields (DESIGN.md rule 3).
public enum TextMerge {
    /// Most lines merged; longer texts are treated as a conflict rather than risk a slow merge.
    public static let maxLines = 4000
    /// Most cells of one LCS table (the lines that differ in the middle of a text, after its
    /// common start and end, times those of the other side): a merge beyond it is treated as
    /// a conflict. Edits an officer makes leave a small middle; 1000 lines rewritten on both
    /// sides is 10 ms of work, where 4000 cost 0.2 s and held every other push meanwhile.
    public static let maxCells = 1_000_000

    /// Merges `ours` and `theirs`, both edited from `base`. Returns nil when the edits overlap
    /// (the same or adjacent lines changed differently on both sides).
    public static func merge(base: String, ours: String, theirs: String) -> String? {
        if ours == theirs { return ours }
        if base == ours { return theirs }
        if base == theirs { return ours }
        let b = lines(base), o = lines(ours), t = lines(theirs)
        guard b.count <= maxLines, o.count <= maxLines, t.count <= maxLines else { return nil }
        // Lines compared as numbers: one hash per line instead of a string comparison per
        // cell of the LCS table (Unicode-aware, and the table has up to 16 million cells:
        // the security tester held every other push for 55 s with 120 merges of 4000 lines).
        var numbers: [Substring: Int32] = [:]
        func numbered(_ lines: [Substring]) -> [Int32] {
            lines.map { line in
                if let n = numbers[line] { return n }
                let n = Int32(numbers.count)
                numbers[line] = n
                return n
            }
        }
        let nb = numbered(b), no = numbered(o), nt = numbered(t)
        guard let mo = matches(nb, no), let mt = matches(nb, nt) else { return nil }
        var out: [Substring] = []
        var i = 0, io = 0, it = 0
        while true {
            // Next base line kept by both sides: the end of this unstable chunk.
            var j = i
            while j < b.count, mo[j] == nil || mt[j] == nil { j += 1 }
            let endO = j < b.count ? mo[j]! : o.count
            let endT = j < b.count ? mt[j]! : t.count
            let cb = b[i..<j], co = o[io..<endO], ct = t[it..<endT]
            if cb.elementsEqual(co) {
                out.append(contentsOf: ct)
            } else if cb.elementsEqual(ct) || co.elementsEqual(ct) {
                out.append(contentsOf: co)
            } else {
                return nil
            }
            if j == b.count { break }
            out.append(b[j])
            i = j + 1
            io = endO + 1
            it = endT + 1
        }
        return out.joined(separator: "\n")
    }

    static func lines(_ s: String) -> [Substring] {
        s.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// For each line of `a`, the index of the line of `b` it is matched with by a longest
    /// common subsequence, or nil; nil for all when the table would exceed `maxCells`.
    static func matches<Line: Equatable>(_ a: [Line], _ b: [Line]) -> [Int?]? {
        let n = a.count, m = b.count
        var result = [Int?](repeating: nil, count: n)
        // Trim the common prefix and suffix first: most edits are small.
        var start = 0
        while start < n, start < m, a[start] == b[start] { result[start] = start; start += 1 }
        var endA = n, endB = m
        while endA > start, endB > start, a[endA - 1] == b[endB - 1] {
            endA -= 1; endB -= 1
            result[endA] = endB
        }
        let rows = endA - start, cols = endB - start
        if rows == 0 || cols == 0 { return result }
        guard rows * cols <= maxCells else { return nil }
        // LCS lengths of suffixes, in one flat table.
        var table = [Int32](repeating: 0, count: (rows + 1) * (cols + 1))
        let w = cols + 1
        for x in stride(from: rows - 1, through: 0, by: -1) {
            for y in stride(from: cols - 1, through: 0, by: -1) {
                table[x * w + y] = a[start + x] == b[start + y]
                    ? table[(x + 1) * w + y + 1] + 1
                    : max(table[(x + 1) * w + y], table[x * w + y + 1])
            }
        }
        var x = 0, y = 0
        while x < rows, y < cols {
            if a[start + x] == b[start + y] {
                result[start + x] = start + y
                x += 1; y += 1
            } else if table[(x + 1) * w + y] >= table[x * w + y + 1] {
                x += 1
            } else {
                y += 1
            }
        }
        return canonical(a, b, result)
    }

    /// The same matching with every run of deleted lines, and of inserted ones, slid as far
    /// down as lines equal to it allow. Among repeated lines a longest common subsequence
    /// may match either copy: deleting one of four "TBD" lines matched the first one away
    /// on one side and the last one on the other (the common prefix and suffix are trimmed
    /// first), so the merge took both staffs' one deletion as two and lost a line nobody
    /// deleted (the text tester; `git merge-file` kept it). Slid, the same edit is the same
    /// chunk on both sides. Only pure deletions and insertions slide: a run of lines
    /// replaced by others stays where it is.
    static func canonical<Line: Equatable>(_ a: [Line], _ b: [Line], _ result: [Int?]) -> [Int?] {
        let slid = slideDown(a, result)
        var inverse = [Int?](repeating: nil, count: b.count)
        for (x, y) in slid.enumerated() { if let y { inverse[y] = x } }
        inverse = slideDown(b, inverse)
        var out = [Int?](repeating: nil, count: a.count)
        for (y, x) in inverse.enumerated() { if let x { out[x] = y } }
        return out
    }

    /// Slides each run of `lines` that `match` leaves unmatched, with no line of the other
    /// side unmatched beside it, down past the matched lines equal to its first one.
    static func slideDown<Line: Equatable>(_ lines: [Line], _ match: [Int?]) -> [Int?] {
        var match = match
        let n = lines.count
        var s = 0
        while s < n {
            guard match[s] == nil else { s += 1; continue }
            var e = s
            while e < n, match[e] == nil { e += 1 }
            var before = s > 0 ? match[s - 1]! : -1
            while e < n, let next = match[e], next == before + 1, lines[s] == lines[e] {
                match[s] = next
                match[e] = nil
                before = next
                s += 1
                e += 1
                while e < n, match[e] == nil { e += 1 }
            }
            s = e
        }
        return match
    }
}
