import Testing
@testable import WorkPlanProtocol

@Suite("RevsText reads and sets one rev as JSONWriter writes them")
struct RevsTextTests {
    static let names = ["agenda", "area", "conference", "description", "due", "follows", "lead", "origin_conference",
                        "owner", "priority", "releasable", "status", "tags", "title", "z"]

    @Test func agreesWithDecodingAndEncodingTheWholeObject() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var revs: [String: Int64] = [:]
            for name in Self.names.shuffled(using: &rng).prefix(Int.random(in: 0...Self.names.count, using: &rng)) {
                revs[name] = Int64.random(in: -5...Int64.max / 2, using: &rng)
            }
            let text = JSONWriter.encode(revs: revs)
            let field = Self.names.randomElement(using: &rng)!
            let rev = Int64.random(in: 0...Int64.max, using: &rng)
            #expect(RevsText.rev(of: field, in: text) == .some(revs[field]), "\(field) in \(text)")
            var changed = revs
            changed[field] = rev
            #expect(RevsText.setting(field, to: rev, in: text) == JSONWriter.encode(revs: changed), "\(field)=\(rev) in \(text)")
        }
    }

    @Test func theEdgesOfTheObject() {
        #expect(RevsText.setting("b", to: 7, in: "{}") == #"{"b":7}"#)
        #expect(RevsText.setting("a", to: 7, in: #"{"b":1}"#) == #"{"a":7,"b":1}"#)
        #expect(RevsText.setting("c", to: 7, in: #"{"b":1}"#) == #"{"b":1,"c":7}"#)
        #expect(RevsText.setting("b", to: 0, in: #"{"a":1,"b":-2,"c":3}"#) == #"{"a":1,"b":0,"c":3}"#)
        #expect(RevsText.rev(of: "b", in: #"{"a":1,"b":-2,"c":3}"#) == .some(-2))
        #expect(RevsText.rev(of: "ab", in: #"{"a":1,"abc":2}"#) == .some(nil))
    }

    @Test func anyOtherShapeIsLeftToTheDecoder() {
        for text in ["", "{", "[]", #"{"a":1"#, #"{"a":1,}"#, #"{"a" :1}"#, #"{ "a":1}"#, #"{"a":1.5}"#, #"{"a":"1"}"#,
                     #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{"a\"b":1}"#, #"{"a":}"#, #"{"a":99999999999999999999}"#,
                     #"{"a":1}x"#, #"{"a":1,"b":2} "#, #"{"é":1}"#, #"{"a":1,"b":2,"c":x}"#] {
            #expect(RevsText.rev(of: "a", in: text) == nil, "\(text)")
            #expect(RevsText.setting("a", to: 3, in: text) == nil, "\(text)")
        }
        #expect(RevsText.setting("a\"", to: 3, in: "{}") == nil, "a key the writer would escape")
    }
}
