/// Sortable position keys for agenda order (fractional indexing): a key between any two keys
/// always exists, so two staffs inserting items at once never conflict (DESIGN.md rule 3).
/// Items with equal keys are ordered by id.
public enum PositionKey {
    static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    static let index: [Character: Int] = Dictionary(uniqueKeysWithValues: digits.enumerated().map { ($1, $0) })

    /// A key strictly between `a` and `b` (nil meaning the start or the end of the list).
    public static func between(_ a: String?, _ b: String?) -> String {
        let lo = a ?? ""
        if let b, !(lo < b) { return lo + "i" } // equal keys (concurrent inserts): go just after
        guard let b else { return after(Array(lo)) }
        return midpoint(Array(lo), Array(b))
    }

    /// A key above `a` with nothing after it (an item appended): one step up, not halfway to
    /// the end, so that a key grows by a digit only every dozen or so appends (halving, it
    /// grew one every three, and an agenda was full after about 640 items).
    static func after(_ a: [Character]) -> String {
        guard let first = a.first, let d = index[first] else { return "i" }  // the first item: the middle
        if d + 1 < digits.count { return String(digits[d + 1]) }
        return String(first) + after(Array(a.dropFirst()))
    }

    static func midpoint(_ a: [Character], _ b: [Character]?) -> String {
        if let b {
            var n = 0
            while n < b.count, (n < a.count ? a[n] : "0") == b[n] { n += 1 }
            if n > 0 {
                return String(b[0..<n]) + midpoint(Array(a.dropFirst(n)), Array(b.dropFirst(n)))
            }
        }
        let da = a.first.flatMap { index[$0] } ?? 0
        let db = b.flatMap { $0.first.flatMap { index[$0] } } ?? digits.count
        if db - da > 1 {
            return String(digits[(da + db + 1) / 2])
        }
        if let b, b.count > 1 { return String(b[0]) }
        return String(digits[da]) + midpoint(Array(a.dropFirst()), nil)
    }

    /// The key of a new item between `a` and `b`: `between(a, b)` with two random digits
    /// after it. Two staffs inserting at the same spot offline got equal keys, which left no
    /// key between the two items: a later "after the first of them" landed after both.
    public static func forNewItem(after a: String?, before b: String?, using rng: inout some RandomNumberGenerator) -> String {
        var key = between(a, b)
        // Digits added after a prefix of `b` could sort above `b`: go further in first.
        while let b, b.hasPrefix(key) { key = between(key, b) }
        for _ in 0..<2 { key.append(digits[Int.random(in: 1..<digits.count, using: &rng)]) }
        return key
    }

    /// `forNewItem` with the system's random numbers.
    public static func forNewItem(after a: String?, before b: String?) -> String {
        var rng = SystemRandomNumberGenerator()
        return forNewItem(after: a, before: b, using: &rng)
    }

    /// Whether `key` is a well-formed position key.
    public static func isValid(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 200 && key.allSatisfy { index[$0] != nil }
    }
}
